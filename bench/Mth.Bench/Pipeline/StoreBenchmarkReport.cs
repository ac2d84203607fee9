using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mth.Bench.Pipeline;

/// <summary>C-STORE to searchable: how long from the C-STORE response until the query service finds the instance.</summary>
internal sealed record StoreBenchmarkReport(
    double Rate,
    double DurationS,
    int Sent,
    int Stored,
    int Searchable,
    double SentPerSecond,
    double SearchableP50Ms,
    double SearchableP95Ms,
    double SearchableP99Ms,
    double SearchableMaxMs,
    double StoreRttP50Ms,
    double StoreRttP95Ms,
    double PollIntervalMs,
    string Model,
    string Search,
    string Machine,
    IReadOnlyList<string> Notes)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public bool Passed => Sent > 0 && Stored == Sent && Searchable == Stored;

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public string ToText()
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(inv, $"store-to-searchable benchmark: {Rate:F1} instances/s for {DurationS:F0} s, model {Model}, Query:Search={Search}");
        text.AppendLine(inv, $"machine: {Machine}");
        text.AppendLine(inv, $"sent {Sent}, stored (C-STORE success) {Stored}, searchable {Searchable}; achieved {SentPerSecond:F2} instances/s");
        text.AppendLine(inv, $"C-STORE response -> searchable: p50 {SearchableP50Ms:F0} ms, p95 {SearchableP95Ms:F0} ms, p99 {SearchableP99Ms:F0} ms, max {SearchableMaxMs:F0} ms (polled every {PollIntervalMs:F0} ms)");
        text.AppendLine(inv, $"C-STORE round trip (reference, same run): p50 {StoreRttP50Ms:F1} ms, p95 {StoreRttP95Ms:F1} ms");
        foreach (var note in Notes)
        {
            text.AppendLine(inv, $"note: {note}");
        }

        return text.ToString();
    }
}
