using Mth.Dicom.Network.Dimse;

namespace Mth.Dicom.Network.Server;

/// <summary>
/// The received data set was refused: malformed, or not the instance its C-STORE command names.
/// A store handler sees it as a failed read and must discard what it wrote; the SCP answers
/// with <see cref="Status"/>.
/// </summary>
public sealed class DataSetRejectedException : DicomNetworkException
{
    public DataSetRejectedException(DimseStatus status, string message, Exception? innerException = null)
        : base(message, innerException ?? new InvalidDataException(message))
    {
        Status = status;
    }

    public DataSetRejectedException()
    {
    }

    public DataSetRejectedException(string message)
        : base(message)
    {
    }

    public DataSetRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DimseStatus Status { get; } = DimseStatus.CannotUnderstand;
}
