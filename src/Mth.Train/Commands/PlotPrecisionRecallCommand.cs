using System.CommandLine;
using System.Globalization;
using Mth.Train.Data;
using Mth.Train.Evaluation;
using Mth.Train.Plots;

namespace Mth.Train.Commands;

/// <summary>
/// <c>mth train plot-pr --out chart.png a.csv b.csv …</c>: several methods' precision-recall curves
/// (the CSVs that evaluate and baseline write) on one chart.
/// </summary>
internal static class PlotPrecisionRecallCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("csv") { Description = "precision-recall CSV files (method,radius,precision,recall)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "PNG to write", Required = true };
        var title = new Option<string>("--title") { Description = "Chart title", DefaultValueFactory = _ => "Precision-recall (Hamming radius 0..k)" };
        var command = new Command("plot-pr", "Draw the precision-recall curves of several evaluations on one PNG chart.") { files, output, title };
        command.SetAction((result, cancellationToken) => CommandErrors.RunAsync(result, async () =>
        {
            var curves = new List<(string Method, IReadOnlyList<PrecisionRecallPoint> Curve)>();
            foreach (var file in result.GetValue(files)!)
            {
                curves.AddRange(Read(file, await File.ReadAllLinesAsync(file, cancellationToken)));
            }

            var path = result.GetValue(output)!;
            TrainingCharts.WritePrecisionRecall(path, curves, result.GetValue(title)!);
            result.InvocationConfiguration.Output.WriteLine($"{curves.Count} curves written to {path}");
            return 0;
        }));
        return command;
    }

    internal static IEnumerable<(string Method, IReadOnlyList<PrecisionRecallPoint> Curve)> Read(string file, string[] lines)
    {
        if (lines.Length == 0 || lines[0] != "method,radius,precision,recall")
        {
            throw new FormatException($"{file} is not a precision-recall CSV (header method,radius,precision,recall).");
        }

        var points = new List<(string Method, PrecisionRecallPoint Point)>();
        for (var n = 1; n < lines.Length; n++)
        {
            var fields = LabelsCsvSource.SplitCsvLine(lines[n]);
            if (fields.Count != 4
                || !int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var radius)
                || !double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var precision)
                || !double.TryParse(fields[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var recall))
            {
                throw new FormatException($"{file}:{n + 1}: expected method,radius,precision,recall.");
            }

            points.Add((fields[0], new PrecisionRecallPoint(radius, precision, recall)));
        }

        return points.GroupBy(p => p.Method, StringComparer.Ordinal)
            .Select(g => (g.Key, (IReadOnlyList<PrecisionRecallPoint>)g.Select(p => p.Point).OrderBy(p => p.Radius).ToArray()));
    }
}
