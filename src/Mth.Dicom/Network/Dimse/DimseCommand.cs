namespace Mth.Dicom.Network.Dimse;

/// <summary>
/// A DIMSE command set (group 0000, PS3.7 E.1): the fields C-ECHO and C-STORE use, and those other
/// services carry that a response must echo. Strings are as received, padding removed; UIDs are
/// validated by whoever acts on them.
/// </summary>
public sealed record DimseCommand
{
    /// <summary>(0000,0800) value meaning "no data set follows"; any other value means one does.</summary>
    public const ushort NoDataSet = 0x0101;

    public required CommandField CommandField { get; init; }

    public ushort MessageId { get; init; }

    public ushort? MessageIdBeingRespondedTo { get; init; }

    public string? AffectedSopClassUid { get; init; }

    public string? RequestedSopClassUid { get; init; }

    public string? AffectedSopInstanceUid { get; init; }

    public string? RequestedSopInstanceUid { get; init; }

    public ushort? Priority { get; init; }

    public bool HasDataSet { get; init; }

    public ushort? Status { get; init; }

    public string? ErrorComment { get; init; }

    public ushort? ErrorId { get; init; }

    public string? MoveDestination { get; init; }

    public string? MoveOriginatorAeTitle { get; init; }

    public ushort? MoveOriginatorMessageId { get; init; }

    public static DimseCommand EchoRequest(ushort messageId) => new()
    {
        CommandField = CommandField.CEchoRequest,
        MessageId = messageId,
        AffectedSopClassUid = DicomNetworkUids.Verification,
        HasDataSet = false,
    };

    public static DimseCommand StoreRequest(ushort messageId, string sopClassUid, string sopInstanceUid, ushort priority = 0) => new()
    {
        CommandField = CommandField.CStoreRequest,
        MessageId = messageId,
        AffectedSopClassUid = sopClassUid,
        AffectedSopInstanceUid = sopInstanceUid,
        Priority = priority,
        HasDataSet = true,
    };

    /// <summary>The response to this request with <paramref name="status"/>; no data set.</summary>
    public DimseCommand ToResponse(DimseStatus status) => new()
    {
        CommandField = CommandField.ToResponse(),
        MessageIdBeingRespondedTo = MessageId,
        AffectedSopClassUid = AffectedSopClassUid,
        AffectedSopInstanceUid = AffectedSopInstanceUid,
        HasDataSet = false,
        Status = status.Code,
        ErrorComment = status.ErrorComment,
    };
}
