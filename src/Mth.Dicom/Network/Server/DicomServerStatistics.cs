namespace Mth.Dicom.Network.Server;

/// <summary>Running counts of what the server did; safe to read while it runs.</summary>
public sealed class DicomServerStatistics
{
    private long _associationsAccepted;
    private long _associationsRejected;
    private long _associationsAborted;
    private long _echoes;
    private long _instancesStored;
    private long _storeFailures;
    private long _bytesReceived;

    public long AssociationsAccepted => Interlocked.Read(ref _associationsAccepted);

    public long AssociationsRejected => Interlocked.Read(ref _associationsRejected);

    /// <summary>Associations that ended in an A-ABORT (either side), a lost connection or a timeout.</summary>
    public long AssociationsAborted => Interlocked.Read(ref _associationsAborted);

    public long Echoes => Interlocked.Read(ref _echoes);

    /// <summary>C-STORE requests answered with success or warning.</summary>
    public long InstancesStored => Interlocked.Read(ref _instancesStored);

    /// <summary>C-STORE requests answered with a failure status.</summary>
    public long StoreFailures => Interlocked.Read(ref _storeFailures);

    /// <summary>Data set bytes received in C-STORE requests.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    internal void AssociationAccepted() => Interlocked.Increment(ref _associationsAccepted);

    internal void AssociationRejected() => Interlocked.Increment(ref _associationsRejected);

    internal void AssociationAborted() => Interlocked.Increment(ref _associationsAborted);

    internal void Echo() => Interlocked.Increment(ref _echoes);

    internal void Stored(bool succeeded, long bytes)
    {
        Interlocked.Increment(ref succeeded ? ref _instancesStored : ref _storeFailures);
        Interlocked.Add(ref _bytesReceived, bytes);
    }
}
