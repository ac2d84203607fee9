namespace Mth.Bench.Pipeline;

/// <summary>What <c>./mth bench pipeline query</c> measures (see <see cref="PipelineBenchmarkCommand"/>).</summary>
internal sealed record QueryBenchmarkOptions
{
    public int N { get; init; } = 1_000_000;

    public int Bits { get; init; } = 64;

    public int K { get; init; } = 10;

    public int Clients { get; init; } = 32;

    /// <summary>Timed queries per method (after <see cref="Warmup"/> untimed ones).</summary>
    public int Queries { get; init; } = 20_000;

    public int Warmup { get; init; } = 500;

    public bool Clustered { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>Redis endpoints: one for a single node, several seeds for a cluster.</summary>
    public required IReadOnlyList<string> Redis { get; init; }

    /// <summary>Key prefix of the benchmark's index and instance catalog (kept between runs with --keep, so a rerun skips the load).</summary>
    public string Prefix { get; init; } = "mthbenchq";

    public bool Keep { get; init; }

    /// <summary>Query service search modes timed over HTTP (Query:Search).</summary>
    public IReadOnlyList<string> Modes { get; init; } = ["Redis", "Replica"];

    /// <summary>Port of the query service the benchmark starts.</summary>
    public int Port { get; init; } = 11450;

    public bool Json { get; init; }
}
