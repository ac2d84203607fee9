namespace Mth.Train.Training;

public enum LearningRateSchedule
{
    Constant,
    /// <summary>Cosine decay from the initial rate to 0 over all steps of the run, per step.</summary>
    Cosine,
}

/// <summary>Optimisation, batching and bookkeeping of a training run (defaults: the reference run of MTH-SPEC.md).</summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 5;

    /// <summary>P: classes per batch.</summary>
    public int ClassesPerBatch { get; init; } = 4;

    /// <summary>K: images per class in a batch.</summary>
    public int ImagesPerClass { get; init; } = 8;

    /// <summary>Batches per epoch; null = training images / (P K).</summary>
    public int? BatchesPerEpoch { get; init; }

    public TripletMining Mining { get; init; } = TripletMining.BatchAll;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    public double WeightDecay { get; init; }

    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Cosine;

    /// <summary>Seed of initialisation, batches and augmentation.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>torch.set_num_threads.</summary>
    public int Threads { get; init; } = 2;

    /// <summary>Whether training batches are augmented (the data side's augmentation options).</summary>
    public bool Augment { get; init; }

    /// <summary>Runtime that encodes the validation sets (ONNX Runtime is the released model's runtime and faster on CPU).</summary>
    public EncodingRuntime ValidationRuntime { get; init; } = EncodingRuntime.Torch;

    /// <summary>Batch size when encoding for validation.</summary>
    public int EncodeBatchSize { get; init; } = 64;

    /// <summary>Validate (and checkpoint the best model) every this many epochs; the last epoch always validates.</summary>
    public int ValidateEvery { get; init; } = 1;

    /// <summary>Print a progress line every this many steps.</summary>
    public int ProgressEvery { get; init; } = 20;

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException("epochs must be at least 1");
        if (ClassesPerBatch < 2 || ImagesPerClass < 2) throw new ArgumentException("batches need P >= 2 classes and K >= 2 images per class");
        if (BatchesPerEpoch is < 1) throw new ArgumentException("batches per epoch must be at least 1");
        if (LearningRate <= 0 || WeightDecay < 0) throw new ArgumentException("learning rate must be positive and weight decay non-negative");
        if (Threads < 1 || EncodeBatchSize < 1 || ValidateEvery < 1 || ProgressEvery < 1) throw new ArgumentException("counts must be positive");
    }

    public double LearningRateAt(long step, long totalSteps) => Schedule switch
    {
        LearningRateSchedule.Cosine => LearningRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(step, totalSteps) / Math.Max(1, totalSteps))),
        _ => LearningRate,
    };
}
