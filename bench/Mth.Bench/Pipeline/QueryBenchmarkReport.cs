using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mth.Bench.Pipeline;

/// <summary>One method's figures under the concurrent load. <c>Exact</c>: every answer equal to the in-process Redis MIH's.</summary>
internal sealed record QueryMethodReport(
    string Name,
    double P50Ms,
    double P99Ms,
    double MeanMs,
    double QueriesPerSecond,
    int Failures,
    bool Exact,
    string? Note = null,
    string? Load = null,
    string? FirstFailure = null);

internal sealed record QueryBenchmarkReport(
    int N,
    int Bits,
    int K,
    int Clients,
    int Queries,
    bool Clustered,
    string Machine,
    IReadOnlyList<QueryMethodReport> Methods,
    IReadOnlyList<string> Notes)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public bool Passed => Methods.All(m => m.Exact && m.Failures == 0);

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public string ToText()
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"query benchmark: n={N:N0} bits={Bits} k={K} clients={Clients} queries={Queries} {(Clustered ? "clustered" : "uniform")}");
        text.AppendLine(inv, $"machine: {Machine}");
        text.AppendLine(inv, $"{"method",-28} {"p50 ms",8} {"p99 ms",8} {"mean ms",8} {"q/s",8} {"fail",5}  exact");
        foreach (var m in Methods)
        {
            text.AppendLine(inv, $"{m.Name,-28} {m.P50Ms,8:F2} {m.P99Ms,8:F2} {m.MeanMs,8:F2} {m.QueriesPerSecond,8:F0} {m.Failures,5}  {(m.Exact ? "yes" : "NO")}{(m.Note is null ? "" : "  (" + m.Note + ")")}{(m.Load is null ? "" : " [" + m.Load + "]")}{(m.FirstFailure is null ? "" : " first failure: " + m.FirstFailure)}");
        }

        foreach (var note in Notes)
        {
            text.AppendLine(inv, $"note: {note}");
        }

        return text.ToString();
    }
}
