using System.ComponentModel.DataAnnotations;
using Mth.Encoding.Inference;

namespace Mth.Encoder.Options;

/// <summary>Configuration section <c>Encoder</c> (docs/encoder.md has the table). Defaults suit one encoder on a few CPU cores.</summary>
public sealed class EncoderOptions
{
    public const string Section = "Encoder";

    /// <summary>N: images per inference batch.</summary>
    [Range(1, 1024)]
    public int BatchSize { get; set; } = 32;

    /// <summary>T: how long a batch waits for more images after its first one arrived, in milliseconds.</summary>
    [Range(0, 60_000)]
    public int BatchWindowMilliseconds { get; set; } = 20;

    /// <summary>InstanceStored messages held unacknowledged per encoder (RabbitMQ prefetch); 0: twice the batch size.</summary>
    [Range(0, 65_535)]
    public int PrefetchCount { get; set; }

    /// <summary>Retries of a message that failed for a transient reason (Redis or the file system unavailable), with exponential backoff.</summary>
    [Range(0, 100)]
    public int RetryLimit { get; set; } = 6;

    [Range(1, 3600)]
    public int RetryMinSeconds { get; set; } = 1;

    [Range(1, 3600)]
    public int RetryMaxSeconds { get; set; } = 30;

    /// <summary>The model made active when the index has no active version (a new deployment, or Redis lost without persistence);
    /// unset: the registry's newest model (latest created_utc).</summary>
    [RegularExpression("^[A-Za-z0-9._-]{1,64}$")]
    public string? Model { get; set; }

    public ExecutionProviderPreference ExecutionProvider { get; set; } = ExecutionProviderPreference.Automatic;

    [Range(0, 64)]
    public int CudaDeviceId { get; set; }

    /// <summary>Threads of one CPU inference; 0 lets ONNX Runtime use every core.</summary>
    [Range(0, 1024)]
    public int InferenceThreads { get; set; }

    /// <summary>Stored instances per re-encoding chunk (one command message, the unit of work shared among encoders).</summary>
    [Range(1, 100_000)]
    public int ReencodeChunkSize { get; set; } = 256;

    /// <summary>Chunks planned per planning step (the instance store is listed this much at a time).</summary>
    [Range(1, 10_000)]
    public int ReencodeChunksPerPlanStep { get; set; } = 8;

    /// <summary>How long the previous index version stays after the active pointer moved (queries that read the pointer just before finish on it).</summary>
    [Range(0, 30 * 24 * 3600)]
    public int DropGraceSeconds { get; set; } = 600;

    /// <summary>How often each encoder checks the shared state (bootstrap, finished or stalled jobs, versions to drop).</summary>
    [Range(1, 3600)]
    public int SupervisorIntervalSeconds { get; set; } = 5;

    /// <summary>A running re-encoding without progress for this long has its unfinished chunks published again.</summary>
    [Range(10, 7 * 24 * 3600)]
    public int StallTimeoutSeconds { get; set; } = 600;

    /// <summary>Least time between two progress reports (log line and ReencodingProgress message) of one encoder.</summary>
    [Range(0, 3600)]
    public int ProgressIntervalSeconds { get; set; } = 5;

    /// <summary>Names this encoder in logs and in its own model-release queue; unset: host name and process id.</summary>
    [RegularExpression("^[A-Za-z0-9-]{1,40}$")]
    public string? InstanceName { get; set; }

    public int EffectivePrefetchCount => PrefetchCount > 0 ? PrefetchCount : 2 * BatchSize;

    public HashEncoderOptions ToHashEncoderOptions() => new()
    {
        ExecutionProvider = ExecutionProvider,
        CudaDeviceId = CudaDeviceId,
        MaxBatchSize = BatchSize,
        IntraOpThreads = InferenceThreads,
    };
}

/// <summary>Configuration section <c>Models</c>: the model registry (a folder or file:// URI) that releases are published into.</summary>
public sealed class ModelsOptions
{
    public const string Section = "Models";

    [Required]
    public string Registry { get; set; } = "models";
}
