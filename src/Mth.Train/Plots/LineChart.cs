using ScottPlot;

namespace Mth.Train.Plots;

/// <summary>
/// Writes line charts as PNG with ScottPlot (SkiaSharp, native assets without system
/// dependencies). Charts are results people look at: loss terms, validation mAP, PR curves.
/// </summary>
public static class LineChart
{
    public const int DefaultWidth = 900;
    public const int DefaultHeight = 600;

    public static void Write(
        string path, string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series,
        (double Min, double Max)? yRange = null, (double Min, double Max)? xRange = null, bool markers = true,
        int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0 || series.All(s => s.X.Count == 0))
        {
            throw new ArgumentException("A chart needs at least one series with points.", nameof(series));
        }

        using var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < series.Count; i++)
        {
            var s = series[i];
            if (s.X.Count != s.Y.Count)
            {
                throw new ArgumentException($"Series '{s.Name}' has {s.X.Count} x and {s.Y.Count} y values.", nameof(series));
            }

            if (s.X.Count == 0)
            {
                continue;
            }

            var scatter = plot.Add.Scatter(s.X.ToArray(), s.Y.ToArray(), palette.GetColor(i));
            scatter.LegendText = s.Name;
            scatter.LineWidth = 2;
            scatter.MarkerSize = markers ? 6 : 0;
        }

        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        if (series.Count > 1)
        {
            plot.ShowLegend(Alignment.LowerLeft);
        }

        if (yRange is { } y)
        {
            plot.Axes.SetLimitsY(y.Min, y.Max);
        }

        if (xRange is { } x)
        {
            plot.Axes.SetLimitsX(x.Min, x.Max);
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        plot.SavePng(path, width, height);
    }
}
