namespace Mth.Contracts.V1;

/// <summary>An encoder wrote an instance's code into an index version (or skipped it, with the reason).</summary>
public sealed record InstanceEncoded
{
    public required string SopInstanceUid { get; init; }
    public required string StudyInstanceUid { get; init; }
    public required string ModelVersion { get; init; }

    /// <summary>The code in hex (byte i holds bits 8i..8i+7, most significant bit first); empty when skipped.</summary>
    public string Code { get; init; } = "";

    /// <summary>Why no code was written (for example an object without pixel data); null when encoded.</summary>
    public string? SkippedReason { get; init; }

    public required DateTimeOffset EncodedAt { get; init; }
}
