namespace Mth.Train.Plots;

/// <summary>One named line of a chart.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y)
{
    public static ChartSeries PerEpoch(string name, IReadOnlyList<double> values) =>
        new(name, Enumerable.Range(1, values.Count).Select(e => (double)e).ToArray(), values);
}
