using Mth.Imaging;
using Mth.Train.Evaluation;
using Mth.Train.Plots;
using Mth.Train.Tests.Data;

namespace Mth.Train.Tests.Plots;

public sealed class ChartTests
{
    [Fact]
    public void A_precision_recall_chart_is_a_png_of_the_requested_size_with_drawn_lines()
    {
        var path = Path.Combine(TestData.TempDirectory(), "pr.png");
        IReadOnlyList<PrecisionRecallPoint> good = [new(0, 1.0, 0.2), new(1, 0.9, 0.6), new(2, 0.6, 1.0)];
        IReadOnlyList<PrecisionRecallPoint> poor = [new(0, 0.5, 0.1), new(1, 0.4, 0.5), new(2, 0.25, 1.0)];

        TrainingCharts.WritePrecisionRecall(path, [("MTH", good), ("LSH", poor)]);

        var image = StbImageSharp.ImageResult.FromMemory(File.ReadAllBytes(path), StbImageSharp.ColorComponents.RedGreenBlue);
        Assert.Equal((LineChart.DefaultWidth, LineChart.DefaultHeight), (image.Width, image.Height));
        // Lines in colour, not only a white canvas with black axes.
        var coloured = Enumerable.Range(0, image.Width * image.Height)
            .Count(p => Math.Abs(image.Data[p * 3] - image.Data[p * 3 + 2]) > 60);
        Assert.True(coloured > 500, $"only {coloured} coloured pixels");
    }

    [Fact]
    public void Loss_and_map_charts_are_written_per_epoch()
    {
        var directory = TestData.TempDirectory();
        TrainingCharts.WriteLossTerms(Path.Combine(directory, "loss.png"), new Dictionary<string, IReadOnlyList<double>>
        {
            ["total"] = [3.0, 2.0, 1.5],
            ["L_h"] = [2.0, 1.2, 0.9],
        });
        TrainingCharts.WriteValidationMap(Path.Combine(directory, "map.png"), new Dictionary<string, IReadOnlyList<double>> { ["validation mAP@all"] = [0.5, 0.7, 0.8] });

        Assert.True(new FileInfo(Path.Combine(directory, "loss.png")).Length > 1000);
        Assert.True(new FileInfo(Path.Combine(directory, "map.png")).Length > 1000);
    }

    [Fact]
    public void Precision_recall_csv_written_by_evaluation_reads_back_per_method()
    {
        var directory = TestData.TempDirectory();
        var report = RetrievalEvaluator.Evaluate(
            CodeSet.FromBytes(8, [[0x00], [0x0F], [0xFF]]), [0, 1, 0], CodeSet.FromBytes(8, [[0x01]]), [0], ["a", "b"]);
        var (csv, png) = ReportWriter.WritePrecisionRecall(directory, "pr", [("MTH, 48 bits", report), ("LSH", report)]);

        var curves = Mth.Train.Commands.PlotPrecisionRecallCommand.Read(csv, File.ReadAllLines(csv)).ToArray();

        Assert.Equal(["MTH, 48 bits", "LSH"], curves.Select(c => c.Method));
        Assert.Equal(report.PrecisionRecall, curves[0].Curve);
        Assert.True(File.Exists(png));
        Assert.Throws<FormatException>(() => Mth.Train.Commands.PlotPrecisionRecallCommand.Read("x.csv", ["radius,precision"]).ToArray());
    }

    [Fact]
    public void A_chart_without_points_is_refused()
    {
        Assert.Throws<ArgumentException>(() => LineChart.Write(Path.Combine(TestData.TempDirectory(), "x.png"), "t", "x", "y", [new ChartSeries("empty", [], [])]));
    }
}
