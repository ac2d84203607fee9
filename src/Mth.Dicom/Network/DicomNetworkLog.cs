namespace Mth.Dicom.Network;

public enum DicomLogLevel
{
    Debug,
    Information,
    Warning,
    Error,
}

/// <summary>
/// Where the network layer reports what happened on associations. Kept to one method so the
/// library needs no logging package; a host adapts it to its own logger. Messages carry AE
/// titles, addresses, statuses and reasons, never patient data.
/// </summary>
public interface IDicomNetworkLog
{
    void Write(DicomLogLevel level, string message, Exception? exception = null);
}

/// <summary>Discards everything.</summary>
public sealed class NullDicomNetworkLog : IDicomNetworkLog
{
    public static NullDicomNetworkLog Instance { get; } = new();

    public void Write(DicomLogLevel level, string message, Exception? exception = null)
    {
    }
}
