namespace Mth.Dicom.Network.Storage;

/// <summary>How the file-system store makes an instance durable before it answers success.</summary>
public enum DurabilityMode
{
    /// <summary>fsync the file, rename it into place, fsync the directory: two flushes per instance, no waiting on others.</summary>
    FsyncEachInstance,

    /// <summary>
    /// Instances finished at about the same time (on concurrent associations) are made durable
    /// together: one syncfs for their data, the renames, one syncfs for the names (Linux; elsewhere
    /// an fsync per file and per directory within the group).
    /// </summary>
    GroupCommit,
}
