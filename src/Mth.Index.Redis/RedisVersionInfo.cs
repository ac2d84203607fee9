using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mth.Index.Redis;

/// <summary>A version's entry in the catalog hash (JSON), fixed at creation except for its state.</summary>
internal sealed record RedisVersionInfo(
    [property: JsonPropertyName("bits")] int Bits,
    [property: JsonPropertyName("substrings")] int Substrings,
    [property: JsonPropertyName("shards")] int Shards,
    [property: JsonPropertyName("state")] string State)
{
    public const string Creating = "creating";
    public const string Ready = "ready";
    public const string Dropping = "dropping";

    public string ToJson() => JsonSerializer.Serialize(this);

    public static RedisVersionInfo Parse(string json) =>
        JsonSerializer.Deserialize<RedisVersionInfo>(json) ?? throw new FormatException("Empty version metadata.");

    public bool SameLayout(RedisVersionInfo other) => Bits == other.Bits && Substrings == other.Substrings && Shards == other.Shards;
}
