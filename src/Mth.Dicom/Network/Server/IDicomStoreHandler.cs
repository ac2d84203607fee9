using System.Net;
using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.UpperLayer;

namespace Mth.Dicom.Network.Server;

/// <summary>Who is on the other end of an association, as negotiated.</summary>
public sealed record AssociationContext(
    long Id,
    string CallingAeTitle,
    string CalledAeTitle,
    EndPoint? RemoteEndPoint,
    string PeerImplementationClassUid,
    string? PeerImplementationVersionName);

/// <summary>One C-STORE request, its UIDs already checked: valid DICOM UIDs, the SOP class that of the presentation context.</summary>
public sealed record DicomStoreRequest(
    AssociationContext Association,
    AcceptedPresentationContext PresentationContext,
    string SopClassUid,
    string SopInstanceUid,
    ushort MessageId)
{
    public ushort Priority { get; init; }

    /// <summary>Set when the store is a sub-operation of a C-MOVE.</summary>
    public string? MoveOriginatorAeTitle { get; init; }

    public ushort? MoveOriginatorMessageId { get; init; }

    /// <summary>The transfer syntax the data set bytes are encoded in.</summary>
    public TransferSyntax TransferSyntax => PresentationContext.TransferSyntax;
}

/// <summary>
/// Where the storage SCP puts each received instance (the Ingest service implements this).
/// <para>
/// <paramref name="dataSet"/> delivers the data set bytes, in the request's transfer syntax and
/// without file meta, as they arrive from the network; it is never held whole in memory. Read
/// it to its end before making the instance durable: only a read that returns 0 proves the data
/// set arrived whole (and, where the SCP validates, that it is valid). A read that throws means
/// the association broke or the data set was refused: discard everything written for it.
/// </para>
/// <para>
/// Return <see cref="DimseStatus.Success"/> only once the instance is durable; the SCP sends it
/// to the peer as is. A success returned before the data set was read to its end is turned into
/// a failure. Exceptions become failure statuses (an <see cref="IOException"/> is "out of resources").
/// </para>
/// </summary>
public interface IDicomStoreHandler
{
    ValueTask<DimseStatus> StoreAsync(DicomStoreRequest request, Stream dataSet, CancellationToken cancellationToken);
}
