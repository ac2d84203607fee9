namespace Mth.Dicom.Network.Storage;

/// <summary>How the file-system store makes an instance durable before it answers success.</summary>
public enum DurabilityMode
{
    /// <summary>fsync the file, rename it into place, fsync the directory: two flushes per instance, no waiting on others.</summary>
    FsyncEachInstance,

    /// <summary>
    /// Instances finished at about the same time (on concurrent associations) are made durable
    /// together by one committer: their files flushed back to back, then renamed, then each
    /// directory flushed once for the whole group.
    /// </summary>
    GroupCommit,

    /// <summary>
    /// An instance up to the journal's size limit is appended to a pre-written write-ahead journal
    /// and made durable there with one data flush (no file-system metadata to commit); its file is
    /// then written without a flush, and made durable in bulk by a background checkpoint. Larger
    /// instances take the fsync-each path. Recovery at start rewrites files from the journal.
    /// </summary>
    WriteAheadJournal,
}
