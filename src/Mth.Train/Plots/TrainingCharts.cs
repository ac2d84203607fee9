using Mth.Train.Evaluation;

namespace Mth.Train.Plots;

/// <summary>The project's standard charts.</summary>
public static class TrainingCharts
{
    /// <summary>Each loss term (and the total) per epoch.</summary>
    public static void WriteLossTerms(string path, IReadOnlyDictionary<string, IReadOnlyList<double>> termsPerEpoch, string title = "Training loss per epoch") =>
        LineChart.Write(path, title, "epoch", "loss", termsPerEpoch.Select(t => ChartSeries.PerEpoch(t.Key, t.Value)).ToArray());

    /// <summary>Validation mAP per epoch (several runs or metrics may share the chart).</summary>
    public static void WriteValidationMap(string path, IReadOnlyDictionary<string, IReadOnlyList<double>> mapPerEpoch, string title = "Validation mAP per epoch") =>
        LineChart.Write(path, title, "epoch", "mAP", mapPerEpoch.Select(t => ChartSeries.PerEpoch(t.Key, t.Value)).ToArray(), yRange: (0, 1));

    /// <summary>Precision against recall by Hamming radius, one line per method.</summary>
    public static void WritePrecisionRecall(string path, IReadOnlyList<(string Method, IReadOnlyList<PrecisionRecallPoint> Curve)> curves, string title = "Precision-recall (Hamming radius 0..k)") =>
        LineChart.Write(
            path, title, "recall", "precision",
            curves.Select(c => new ChartSeries(c.Method, c.Curve.Select(p => p.Recall).ToArray(), c.Curve.Select(p => p.Precision).ToArray())).ToArray(),
            yRange: (0, 1.02), xRange: (0, 1.02));
}
