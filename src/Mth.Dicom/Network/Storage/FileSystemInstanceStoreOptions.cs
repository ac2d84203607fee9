namespace Mth.Dicom.Network.Storage;

/// <summary>Where and how <see cref="FileSystemInstanceStore"/> keeps received instances.</summary>
public sealed class FileSystemInstanceStoreOptions
{
    /// <summary>Folder of the stored Part 10 files: <c>ROOT/&lt;SOP Instance UID&gt;.dcm</c>; partial files live in <c>ROOT/.incoming</c>, the journal in <c>ROOT/.journal</c>.</summary>
    public required string RootDirectory { get; init; }

    public DurabilityMode Durability { get; init; } = DurabilityMode.WriteAheadJournal;

    /// <summary>The journal's segments and checkpoints (<see cref="DurabilityMode.WriteAheadJournal"/> only).</summary>
    public Journal.InstanceJournalOptions Journal { get; init; } = new();

    /// <summary>Most instances made durable by one group commit.</summary>
    public int MaxGroupSize { get; init; } = 256;

    /// <summary>Bytes gathered from the network before each write to the file.</summary>
    public int WriteBufferSize { get; init; } = 256 * 1024;

    /// <summary>Limits used when validating a deflated data set after it is written.</summary>
    public Mth.Dicom.IO.DicomReaderOptions ReaderOptions { get; init; } = Mth.Dicom.IO.DicomReaderOptions.Default;
}
