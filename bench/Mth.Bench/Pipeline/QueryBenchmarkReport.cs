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

/// <summary>One row's figures over its reference row's (see <see cref="QueryBenchmarkReport.Ratios"/>).</summary>
internal sealed record QueryRatio(string Method, string Reference, double P50, double P99, double QueriesPerSecond);

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

    /// <summary>
    /// Each HTTP row over the in-process row that searches the same index the same way (Query:Search=Redis over
    /// "redis-mih, in process", Replica over "replica-mih, in process"): what the service adds, as ratios of one command.
    /// </summary>
    public IReadOnlyList<QueryRatio> Ratios =>
    [
        .. Methods.Where(m => m.Name.StartsWith("http, Query:Search=", StringComparison.Ordinal))
            .Select(m => (Http: m, Mode: m.Name["http, Query:Search=".Length..]))
            .Select(p => (p.Http, Reference: Methods.FirstOrDefault(r => r.Name.StartsWith(p.Mode.ToLowerInvariant() + "-mih, in process", StringComparison.Ordinal))))
            .Where(p => p.Reference is not null)
            .Select(p => new QueryRatio(p.Http.Name, p.Reference!.Name, p.Http.P50Ms / p.Reference.P50Ms, p.Http.P99Ms / p.Reference.P99Ms,
                p.Http.QueriesPerSecond / p.Reference.QueriesPerSecond)),
    ];

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

        foreach (var ratio in Ratios)
        {
            text.AppendLine(inv, $"ratio: {ratio.Method} / {ratio.Reference}: p50 {ratio.P50:F1}x, p99 {ratio.P99:F1}x, q/s {ratio.QueriesPerSecond:F2}x");
        }

        foreach (var note in Notes)
        {
            text.AppendLine(inv, $"note: {note}");
        }

        return text.ToString();
    }
}
