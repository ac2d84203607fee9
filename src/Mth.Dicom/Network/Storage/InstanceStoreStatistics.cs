namespace Mth.Dicom.Network.Storage;

/// <summary>What a <see cref="FileSystemInstanceStore"/> did since it was opened: which durable path each instance took, and the journal's work.</summary>
public sealed class InstanceStoreStatistics
{
    private long _journaled;
    private long _writtenDirectly;
    private long _ringFull;
    private long _spooled;
    private long _spoolEmpty;
    private long _recovered;
    private long _checkpoints;
    private long _filesCreated;

    /// <summary>Instances acknowledged after their journal record was durable.</summary>
    public long InstancesJournaled => Volatile.Read(ref _journaled);

    /// <summary>Instances acknowledged after their own file was fsynced (FsyncEach, GroupCommit; with the journal: instances bigger than a spool slot, no free slot, ring full).</summary>
    public long InstancesWrittenDirectly => Volatile.Read(ref _writtenDirectly);

    /// <summary>Instances acknowledged after their bytes were durable in a spool slot and a journal record named it.</summary>
    public long InstancesSpooled => Volatile.Read(ref _spooled);

    /// <summary>Instances of a spool slot's size written directly because no slot was free.</summary>
    public long SpoolEmptyFallbacks => Volatile.Read(ref _spoolEmpty);

    /// <summary>Journal-sized instances written directly because no journal segment was free in time.</summary>
    public long RingFullFallbacks => Volatile.Read(ref _ringFull);

    /// <summary>Instances rewritten from journal records at start (their files were not known to be durable).</summary>
    public long InstancesRecovered => Volatile.Read(ref _recovered);

    /// <summary>Checkpoints recorded (materialised files made durable and their records released).</summary>
    public long Checkpoints => Volatile.Read(ref _checkpoints);

    /// <summary>Journaled instances whose file had to be created while the peer waited: no empty file was ready (<see cref="Journal.InstanceJournalOptions.EmptyFiles"/>).</summary>
    public long FilesCreatedWhileWaiting => Volatile.Read(ref _filesCreated);

    internal void CountJournaled() => Interlocked.Increment(ref _journaled);

    internal void CountWrittenDirectly() => Interlocked.Increment(ref _writtenDirectly);

    internal void CountSpooled() => Interlocked.Increment(ref _spooled);

    internal void CountSpoolEmpty() => Interlocked.Increment(ref _spoolEmpty);

    internal void CountRingFull() => Interlocked.Increment(ref _ringFull);

    internal void CountRecovered() => Interlocked.Increment(ref _recovered);

    internal void CountCheckpoint() => Interlocked.Increment(ref _checkpoints);

    internal void CountFileCreated() => Interlocked.Increment(ref _filesCreated);
}
