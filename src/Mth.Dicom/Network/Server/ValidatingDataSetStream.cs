using Mth.Dicom.IO;
using Mth.Dicom.Network.Dimse;

namespace Mth.Dicom.Network.Server;

/// <summary>
/// Passes a C-STORE data set through while checking it, in constant memory, with the data
/// layer's push validator: it must be well formed, and its SOP Class and SOP Instance UIDs must
/// be those of the command. The end of the stream is only reported once both hold; otherwise
/// the read throws <see cref="DataSetRejectedException"/> and <see cref="Rejection"/> holds the
/// status to answer. Deflated data sets are passed through unchecked here (the push validator
/// does not inflate); the store validates them once written.
/// </summary>
public sealed class ValidatingDataSetStream : ForwardReadStream
{
    private readonly Stream _inner;
    private readonly DicomDataSetValidator? _validator;
    private readonly string _sopClassUid;
    private readonly string _sopInstanceUid;
    private bool _ended;
    private long _bytesRead;

    public ValidatingDataSetStream(Stream inner, TransferSyntax transferSyntax, string sopClassUid, string sopInstanceUid, DicomReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(transferSyntax);
        _inner = inner;
        _sopClassUid = sopClassUid;
        _sopInstanceUid = sopInstanceUid;
        _validator = transferSyntax.IsDeflated ? null : new DicomDataSetValidator(transferSyntax, options);
    }

    /// <summary>Why the data set was refused, once it was.</summary>
    public DataSetRejectedException? Rejection { get; private set; }

    /// <summary>What validation learned, after the end was reached (null for deflated data sets).</summary>
    public DicomDataSetSummary? Summary { get; private set; }

    public override long BytesRead => _bytesRead;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Rejection is not null)
        {
            throw Rejection;
        }

        if (_ended || buffer.IsEmpty)
        {
            return 0;
        }

        var read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        try
        {
            if (read > 0)
            {
                _validator?.Append(buffer.Span[..read]);
                _bytesRead += read;
                return read;
            }

            if (_validator is not null)
            {
                var summary = _validator.Complete();
                CheckIdentity(summary);
                Summary = summary;
            }

            _ended = true;
            return 0;
        }
        catch (DicomFormatException ex)
        {
            Rejection = new DataSetRejectedException(DimseStatus.CannotUnderstand.WithComment("Data set is not well-formed DICOM"),
                "The data set is not well-formed: " + ex.Message, ex);
            throw Rejection;
        }
        catch (DataSetRejectedException ex)
        {
            Rejection = ex;
            throw;
        }
    }

    /// <summary>Checks that a data set is the instance the command names; throws <see cref="DataSetRejectedException"/> otherwise.</summary>
    public static void CheckIdentity(DicomDataSetSummary summary, string sopClassUid, string sopInstanceUid)
    {
        ArgumentNullException.ThrowIfNull(summary);
        if (summary.SopInstanceUid != sopInstanceUid)
        {
            throw new DataSetRejectedException(
                DimseStatus.DataSetDoesNotMatchSopClass.WithComment("SOP Instance UID differs from the command"),
                "The data set's SOP Instance UID is missing or differs from the C-STORE command's.");
        }

        if (summary.SopClassUid != sopClassUid)
        {
            throw new DataSetRejectedException(
                DimseStatus.DataSetDoesNotMatchSopClass.WithComment("SOP Class UID differs from the command"),
                "The data set's SOP Class UID is missing or differs from the C-STORE command's.");
        }
    }

    private void CheckIdentity(DicomDataSetSummary summary) => CheckIdentity(summary, _sopClassUid, _sopInstanceUid);
}
