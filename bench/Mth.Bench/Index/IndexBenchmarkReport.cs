using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mth.Bench.Index;

/// <summary>One method's figures. <c>exact</c>: every answer equal to the linear scan's (ids and distances, in order).</summary>
internal sealed record MethodReport(
    string Name,
    double P50Ms,
    double P99Ms,
    double MeanMs,
    double BuildS,
    double? BytesPerItem,
    bool Exact,
    string? Note = null);

internal sealed record IndexBenchmarkReport(
    int N,
    int Bits,
    int K,
    int Queries,
    bool Clustered,
    int Seed,
    string Machine,
    IReadOnlyList<MethodReport> Methods,
    IReadOnlyDictionary<string, double> Ratios,
    IReadOnlyList<string> Notes)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public bool AllExact => Methods.All(m => m.Exact);

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public string ToText()
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"index benchmark: n={N:N0} bits={Bits} k={K} queries={Queries} {(Clustered ? "clustered" : "uniform")} seed={Seed}");
        text.AppendLine(inv, $"machine: {Machine}");
        text.AppendLine(inv, $"{"method",-18} {"p50 ms",9} {"p99 ms",9} {"mean ms",9} {"build s",9} {"B/item",9}  exact");
        foreach (var m in Methods)
        {
            var bytes = m.BytesPerItem is { } b ? b.ToString("F1", inv) : "-";
            text.AppendLine(inv, $"{m.Name,-18} {m.P50Ms,9:F4} {m.P99Ms,9:F4} {m.MeanMs,9:F4} {m.BuildS,9:F2} {bytes,9}  {(m.Exact ? "yes" : "NO")}{(m.Note is null ? "" : "  (" + m.Note + ")")}");
        }

        foreach (var (name, value) in Ratios)
        {
            text.AppendLine(inv, $"{name}: {value:F2}");
        }

        foreach (var note in Notes)
        {
            text.AppendLine(inv, $"note: {note}");
        }

        return text.ToString().TrimEnd();
    }
}
