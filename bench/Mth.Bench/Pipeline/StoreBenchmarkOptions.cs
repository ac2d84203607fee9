namespace Mth.Bench.Pipeline;

/// <summary>What <c>./mth bench pipeline store</c> measures (see <see cref="PipelineBenchmarkCommand"/>).</summary>
internal sealed record StoreBenchmarkOptions
{
    /// <summary>Redis endpoints: one for a single node, several seeds for a cluster.</summary>
    public required IReadOnlyList<string> Redis { get; init; }

    /// <summary>amqp://user:password@host:port/ of the RabbitMQ the services share.</summary>
    public required string RabbitMqUri { get; init; }

    /// <summary>C-STORE requests per second, one association, as a modality sends during an acquisition.</summary>
    public double Rate { get; init; } = 20;

    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Instances sent and waited for before timing (JIT, first batches, the replica's first load).</summary>
    public int Warmup { get; init; } = 40;

    /// <summary>A released model folder (model.onnx + manifest.json) to run; null: a tiny generated model.</summary>
    public string? Model { get; init; }

    /// <summary>A DICOM Part 10 file copied for every instance (fresh SOP Instance UID each); null: a generated 256x256 MR image.</summary>
    public string? Template { get; init; }

    /// <summary>How often each instance not yet searchable is asked for (the figures overstate by half of it on average).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(25);

    /// <summary>Query:Search of the query service.</summary>
    public string Search { get; init; } = "Replica";

    /// <summary>First of four ports: DICOM (Ingest), then the HTTP ports of Ingest, Encoder and Query.</summary>
    public int BasePort { get; init; } = 11460;

    public bool Json { get; init; }
}
