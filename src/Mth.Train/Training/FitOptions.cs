using Mth.Train.Data;
using Mth.Train.Loss;
using Mth.Train.Model;

namespace Mth.Train.Training;

/// <summary>Which split's codes form the database when scoring validation queries during training.</summary>
public enum ValidationDatabase
{
    /// <summary>The training split (the evaluation protocol: database = training split).</summary>
    Train,
    /// <summary>The validation split in two halves, each scored against the other (cheaper).</summary>
    Validation,
}

/// <summary>Everything `mth train fit` does: data, split, network, loss, training and release.</summary>
public sealed record FitOptions
{
    /// <summary>Data source spec (folder, .npz[#parts], labels .csv) or a split file to reuse.</summary>
    public required string Data { get; init; }
    public required string OutputDirectory { get; init; }
    public SplitFractions Fractions { get; init; } = SplitFractions.Default;
    public ulong SplitSeed { get; init; } = 1;
    public MthNetworkOptions Network { get; init; } = new();
    public LossOptions Loss { get; init; } = new();
    public TrainingOptions Training { get; init; } = new();
    public AugmentationOptions Augmentation { get; init; } = AugmentationOptions.None;
    public ValidationDatabase ValidationDatabase { get; init; } = ValidationDatabase.Train;

    /// <summary>Share of each class's training images whose labels are used (fewer-labels experiments); 1 = all.</summary>
    public double LabelFraction { get; init; } = 1.0;

    /// <summary>Also score the held-out test split at the end (reporting only; never used for any choice).</summary>
    public bool EvaluateTest { get; init; } = true;

    public bool Resume { get; init; }

    /// <summary>Name of the released model folder under the output directory (model.onnx + manifest.json).</summary>
    public string? ReleaseName { get; init; }
    public string ModelVersion { get; init; } = "1";
    public string? DataDescription { get; init; }
}
