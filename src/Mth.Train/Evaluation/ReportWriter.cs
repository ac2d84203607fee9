using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mth.Train.Plots;

namespace Mth.Train.Evaluation;

/// <summary>Prints retrieval reports for people and scripts, and writes the PR curve as CSV and PNG.</summary>
public static class ReportWriter
{
    public static string Describe(RetrievalReport report)
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"database {report.DatabaseCount} codes ({report.DistinctDatabaseCodes} distinct), queries {report.QueryCount}, {report.Bits} bits; ties broken by permutation seed {report.TieBreakSeed}");
        text.AppendLine(c, $"mAP@all     {report.MapAll:F4}   (tie-aware {report.TieAwareMapAll:F4})");
        text.AppendLine(c, $"mAP@{report.MapCutoff,-7} {report.MapAtCutoff:F4}   (tie-aware {report.TieAwareMapAtCutoff:F4})");
        foreach (var (k, value) in report.PrecisionAt.OrderBy(p => p.Key))
        {
            text.AppendLine(c, $"P@{k,-9} {value:F4}   (tie-aware {report.TieAwarePrecisionAt[k]:F4})");
        }

        text.AppendLine("per-class mAP@all:");
        foreach (var cls in report.PerClass)
        {
            text.AppendLine(c, $"  {cls.ClassName,-20} {cls.MapAll:F4}  ({cls.Queries} queries, tie-aware {cls.TieAwareMapAll:F4})");
        }

        return text.ToString();
    }

    /// <summary>One JSON object: map_all, map_100 (map_&lt;K&gt;), p_at_10, p_at_100, tie-aware figures, per-class mAP, counts.</summary>
    public static JsonObject ToJson(RetrievalReport report)
    {
        var json = new JsonObject
        {
            ["map_all"] = report.MapAll,
            [$"map_{report.MapCutoff}"] = report.MapAtCutoff,
        };
        foreach (var (k, value) in report.PrecisionAt.OrderBy(p => p.Key))
        {
            json[$"p_at_{k}"] = value;
        }

        json["tie_aware_map_all"] = report.TieAwareMapAll;
        json[$"tie_aware_map_{report.MapCutoff}"] = report.TieAwareMapAtCutoff;
        foreach (var (k, value) in report.TieAwarePrecisionAt.OrderBy(p => p.Key))
        {
            json[$"tie_aware_p_at_{k}"] = value;
        }

        var perClass = new JsonObject();
        foreach (var cls in report.PerClass)
        {
            perClass[cls.ClassName] = cls.MapAll;
        }

        json["per_class_map_all"] = perClass;
        json["bits"] = report.Bits;
        json["database"] = report.DatabaseCount;
        json["queries"] = report.QueryCount;
        json["distinct_database_codes"] = report.DistinctDatabaseCodes;
        json["tie_break_seed"] = report.TieBreakSeed;
        return json;
    }

    /// <summary>The report's headline figures as manifest metrics: "&lt;prefix&gt;.map_all", "&lt;prefix&gt;.map_100", "&lt;prefix&gt;.p_at_10", ….</summary>
    public static IReadOnlyDictionary<string, double> ToManifestMetrics(RetrievalReport report, string prefix)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [$"{prefix}.map_all"] = report.MapAll,
            [$"{prefix}.map_{report.MapCutoff}"] = report.MapAtCutoff,
            [$"{prefix}.tie_aware_map_all"] = report.TieAwareMapAll,
        };
        foreach (var (k, value) in report.PrecisionAt)
        {
            metrics[$"{prefix}.p_at_{k}"] = value;
        }

        return metrics;
    }

    public static string ToJsonLine(RetrievalReport report) => ToJson(report).ToJsonString(new JsonSerializerOptions { WriteIndented = false });

    /// <summary>Writes &lt;stem&gt;.csv (radius,precision,recall) and &lt;stem&gt;.png; returns both paths.</summary>
    public static (string Csv, string Png) WritePrecisionRecall(string directory, string stem, IReadOnlyList<(string Method, RetrievalReport Report)> methods)
    {
        Directory.CreateDirectory(directory);
        var csv = Path.Combine(directory, stem + ".csv");
        var lines = new List<string> { "method,radius,precision,recall" };
        foreach (var (method, report) in methods)
        {
            lines.AddRange(report.PrecisionRecall.Select(p => string.Create(CultureInfo.InvariantCulture, $"{Csv(method)},{p.Radius},{p.Precision:R},{p.Recall:R}")));
        }

        File.WriteAllLines(csv, lines);
        var png = Path.Combine(directory, stem + ".png");
        TrainingCharts.WritePrecisionRecall(png, methods.Select(m => (m.Method, m.Report.PrecisionRecall)).ToArray());
        return (csv, png);
    }

    /// <summary>A CSV field, quoted when it holds a comma, quote or line break.</summary>
    public static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
