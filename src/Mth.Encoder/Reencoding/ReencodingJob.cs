using System.Text.Json.Serialization;

namespace Mth.Encoder.Reencoding;

/// <summary>Why a re-encoding runs.</summary>
public enum ReencodingKind
{
    /// <summary>A new model was published: fill its version, then switch the active pointer to it.</summary>
    Release,

    /// <summary>Fill a version from the stored instances without switching (a reindex, or a rebuild after the index was lost).</summary>
    Rebuild,
}

public enum ReencodingJobPhase
{
    /// <summary>Chunks are being planned and encoded; live writes go into the target too.</summary>
    Running,

    /// <summary>Every chunk is done and the active pointer moved to the target; the previous version is dropped after the grace period.</summary>
    Activated,

    /// <summary>Done (and, after a switch, the previous version dropped).</summary>
    Completed,

    /// <summary>A newer release started before this one finished; its version is dropped.</summary>
    Superseded,

    /// <summary>It could not finish (see <see cref="ReencodingJob.FailureReason"/>).</summary>
    Failed,
}

/// <summary>
/// The shared record of one re-encoding (a coordination document, <c>reencoding/job/&lt;target&gt;</c>): what it
/// does, how far planning and encoding are, and its progress counts. Every encoder reads it; changes are
/// compare-and-set writes (<see cref="ReencodingJobStore"/>), so concurrent encoders never lose each other's work.
/// </summary>
public sealed record ReencodingJob
{
    /// <summary>Unique per run: messages of an earlier run for the same target are recognised and ignored.</summary>
    public required string JobId { get; init; }

    /// <summary>The index version being filled, named after its model version.</summary>
    public required string Target { get; init; }

    /// <summary>The active version when the job began: the compare-and-set's expected value at the switch.</summary>
    public string? Previous { get; init; }

    public ReencodingKind Kind { get; init; }

    /// <summary>There was no active version, so the target became active at once (a new deployment, or an index rebuilt after a loss).</summary>
    public bool ActivatedAtStart { get; init; }

    public ReencodingJobPhase Phase { get; init; } = ReencodingJobPhase.Running;

    /// <summary>Chunks recorded by planning so far (chunk indexes 0 .. PlannedChunks-1).</summary>
    public int PlannedChunks { get; init; }

    /// <summary>Chunks whose command messages have been published.</summary>
    public int DispatchedChunks { get; init; }

    /// <summary>The storage key planning continues after (null: from the start).</summary>
    public string? PlanCursor { get; init; }

    /// <summary>The whole instance store has been listed.</summary>
    public bool PlanComplete { get; init; }

    /// <summary>Bit i set: chunk i is done (JSON: base64).</summary>
    public byte[] DoneChunks { get; init; } = [];

    public int DoneCount { get; init; }

    /// <summary>Instances planned (the sum of the chunks' sizes).</summary>
    public long Total { get; init; }

    public long Encoded { get; init; }

    public long Skipped { get; init; }

    public long Failed { get; init; }

    public int Resumes { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset LastProgressAt { get; init; }

    public DateTimeOffset? ActivatedAt { get; init; }

    /// <summary>When the previous version may be dropped (activation + grace period).</summary>
    public DateTimeOffset? DropAfter { get; init; }

    public bool PreviousDropped { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public string? FailureReason { get; init; }

    [JsonIgnore]
    public bool AllDone => PlanComplete && DoneCount == PlannedChunks;

    [JsonIgnore]
    public long Processed => Encoded + Skipped + Failed;

    public bool IsDone(int chunk) => chunk >= 0 && chunk / 8 < DoneChunks.Length && (DoneChunks[chunk / 8] & (1 << (chunk % 8))) != 0;

    /// <summary>This job with chunk <paramref name="chunk"/> marked done and its counts added.</summary>
    public ReencodingJob WithChunkDone(int chunk, long encoded, long skipped, long failed, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chunk);
        var bits = new byte[Math.Max(DoneChunks.Length, chunk / 8 + 1)];
        DoneChunks.CopyTo(bits, 0);
        bits[chunk / 8] |= (byte)(1 << (chunk % 8));
        return this with
        {
            DoneChunks = bits,
            DoneCount = DoneCount + 1,
            Encoded = Encoded + encoded,
            Skipped = Skipped + skipped,
            Failed = Failed + failed,
            LastProgressAt = now,
        };
    }
}

/// <summary>One chunk of a plan step: the storage keys from <see cref="First"/> to <see cref="Last"/> (both included) as listed then.</summary>
public sealed record PlannedChunk(string First, string Last, int Count);

/// <summary>The chunks a planning step recorded (a coordination document, <c>reencoding/plan/&lt;target&gt;/&lt;first chunk&gt;</c>).</summary>
public sealed record PlanStep(string JobId, int FirstChunk, IReadOnlyList<PlannedChunk> Chunks)
{
    [JsonIgnore]
    public int Count => Chunks.Count;

    [JsonIgnore]
    public long Instances => Chunks.Sum(c => (long)c.Count);
}
