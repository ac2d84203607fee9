namespace Mth.Dicom.Network.Storage.Journal;

/// <summary>Size and rhythm of a store's write-ahead instance journal (<see cref="DurabilityMode.WriteAheadJournal"/>).</summary>
public sealed class InstanceJournalOptions
{
    /// <summary>Bytes of one segment file; written with zeros once when the journal is created.</summary>
    public long SegmentSize { get; init; } = 32L * 1024 * 1024;

    /// <summary>Segments in the ring (at least 2): one is written while the others wait for their checkpoint.</summary>
    public int SegmentCount { get; init; } = 4;

    /// <summary>
    /// Largest instance (Part 10 bytes) gathered in memory and journaled. Bigger instances are
    /// streamed to their file and fsynced as before: their size amortises the flushes, and
    /// memory stays bounded. Journaling writes every byte twice (journal, then file); measured
    /// on our test disk (docs/benchmarks.md, DICOM), that pays for 33 KB instances and not for
    /// 525 KB ones, hence 256 KiB.
    /// </summary>
    public int MaxInstanceSize { get; init; } = 256 * 1024;

    /// <summary>
    /// Bytes of one spool slot: instances above <see cref="MaxInstanceSize"/> and up to this size
    /// (Part 10 bytes) are streamed into a pre-written slot file, made durable with one fdatasync
    /// (no file-system metadata changes), named by a small journal record, and renamed into place.
    /// 1 MiB takes a 512x512 CT (525 KB) and a 512x512 MR. A multiple of 4 KiB.
    /// </summary>
    public long SpoolSlotSize { get; init; } = 1024 * 1024;

    /// <summary>
    /// Slots kept free in <c>ROOT/.spool</c>, created (written and flushed) when the store opens:
    /// their disk space stays taken, 256 MiB by default, enough for a burst of 256 instances (a CT
    /// series). Slots taken are created again in the background once none was taken for 200 ms, or
    /// at once when fewer than a quarter are free. When none is free, an instance is streamed to its
    /// own file and fsynced. 0: no spool.
    /// </summary>
    public int SpoolSlots { get; init; } = 256;

    /// <summary>
    /// Empty files kept ready in <c>ROOT/.blanks</c> for the files of journaled instances, so that
    /// no file is created while a peer waits for its answer (creating one cost about as much as
    /// journaling a small instance on the benchmark VM). Taken files are created again in the
    /// background, as spool slots are. 0: each file is created when its instance arrives.
    /// </summary>
    public int EmptyFiles { get; init; } = 256;

    /// <summary>A checkpoint starts once this many records were appended since the last one …</summary>
    public int CheckpointEveryRecords { get; init; } = 256;

    /// <summary>… or this long after the last one, whichever comes first (and when a segment fills, and on dispose).</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a writer waits for a checkpoint to free a segment when the ring is full, before it writes its instance the slow durable way.</summary>
    public TimeSpan RingFullWait { get; init; } = TimeSpan.FromMilliseconds(100);

    internal void Validate()
    {
        if (SegmentCount < 2 || SegmentSize < 64 * 1024 || SegmentSize % JournalRecordHeader.Alignment != 0)
        {
            throw new ArgumentException("The journal needs at least 2 segments of at least 64 KiB, each a multiple of 4 KiB.");
        }

        if (MaxInstanceSize < 0 || JournalRecordHeader.AlignUp(JournalRecordHeader.Size + JournalRecordHeader.MaxNameLength + (long)MaxInstanceSize) > SegmentSize)
        {
            throw new ArgumentException("MaxInstanceSize must fit in one journal segment with its record header.");
        }

        if (EmptyFiles < 0)
        {
            throw new ArgumentException("EmptyFiles must not be negative.");
        }

        if (SpoolSlots < 0 || SpoolSlotSize < JournalRecordHeader.Alignment || SpoolSlotSize % JournalRecordHeader.Alignment != 0)
        {
            throw new ArgumentException("SpoolSlots must not be negative, and SpoolSlotSize must be a positive multiple of 4 KiB.");
        }

        if (CheckpointEveryRecords < 1 || CheckpointInterval <= TimeSpan.Zero || RingFullWait < TimeSpan.Zero)
        {
            throw new ArgumentException("CheckpointEveryRecords and CheckpointInterval must be positive and RingFullWait not negative.");
        }
    }
}
