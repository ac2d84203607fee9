using System.Text.Json.Serialization;

namespace Mth.Train.Training;

/// <summary>One epoch's record: mean loss terms, throughput, validation score (when validated), time.</summary>
public sealed record EpochRecord
{
    public required int Epoch { get; init; }
    public required IReadOnlyDictionary<string, double> Loss { get; init; }
    public required double LearningRate { get; init; }
    public required double ImagesPerSecond { get; init; }
    public required double TrainSeconds { get; init; }
    public double? ValidationMapAll { get; init; }
    public double? ValidationSeconds { get; init; }
}

/// <summary>What a run has done so far (saved with every checkpoint, so that a resumed run continues it).</summary>
public sealed record TrainingHistory
{
    public List<EpochRecord> Epochs { get; init; } = [];
    public int BestEpoch { get; set; }
    public double BestValidationMapAll { get; set; } = double.NegativeInfinity;
    public double TotalTrainSeconds => Epochs.Sum(e => e.TrainSeconds + (e.ValidationSeconds ?? 0));

    [JsonIgnore]
    public int CompletedEpochs => Epochs.Count == 0 ? 0 : Epochs[^1].Epoch;
}
