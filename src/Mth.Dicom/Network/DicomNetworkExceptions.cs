using Mth.Dicom.Network.UpperLayer;

namespace Mth.Dicom.Network;

/// <summary>Base of every error the DICOM network layer raises about a peer or a connection.</summary>
public class DicomNetworkException : Exception
{
    public DicomNetworkException(string message)
        : base(message)
    {
    }

    public DicomNetworkException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DicomNetworkException()
    {
    }
}

/// <summary>The peer broke the upper-layer protocol; the association is answered with an A-ABORT carrying <see cref="Reason"/>.</summary>
public sealed class DicomProtocolException : DicomNetworkException
{
    public DicomProtocolException(AbortReason reason, string message)
        : base(message)
    {
        Reason = reason;
    }

    public DicomProtocolException()
    {
    }

    public DicomProtocolException(string message)
        : base(message)
    {
    }

    public DicomProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AbortReason Reason { get; } = AbortReason.NotSpecified;
}

/// <summary>The peer sent an A-ABORT.</summary>
public sealed class AssociationAbortedException : DicomNetworkException
{
    public AssociationAbortedException(AbortPdu abort)
        : base($"The peer aborted the association ({abort}).")
    {
        Abort = abort;
    }

    public AssociationAbortedException()
    {
    }

    public AssociationAbortedException(string message)
        : base(message)
    {
    }

    public AssociationAbortedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AbortPdu Abort { get; }
}

/// <summary>The peer answered our A-ASSOCIATE-RQ with an A-ASSOCIATE-RJ.</summary>
public sealed class AssociationRejectedException : DicomNetworkException
{
    public AssociationRejectedException(AssociateReject reject)
        : base($"The peer rejected the association: {reject.Describe()}.")
    {
        Reject = reject;
    }

    public AssociationRejectedException()
    {
    }

    public AssociationRejectedException(string message)
        : base(message)
    {
    }

    public AssociationRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AssociateReject Reject { get; }
}

/// <summary>The transport closed, or went silent past a timeout, where the protocol expected more.</summary>
public sealed class PeerConnectionLostException : DicomNetworkException
{
    public PeerConnectionLostException(string message)
        : base(message)
    {
    }

    public PeerConnectionLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public PeerConnectionLostException()
    {
    }
}
