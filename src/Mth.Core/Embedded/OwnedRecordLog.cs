namespace Mth.Core.Embedded;

/// <summary>
/// A <see cref="RecordLog"/> in a folder that one process owns (an exclusive <c>.lock</c> file), rewritten with
/// the live records once it is larger than a threshold and twice its size after the last compaction, so that
/// a long-lived store replays in time proportional to what it holds, not to its history.
/// </summary>
internal sealed class OwnedRecordLog : IDisposable
{
    private readonly RecordLog _log;
    private readonly FileStream _lockFile;
    private readonly long _compactAfterBytes;
    private long _compactedLength;

    private OwnedRecordLog(RecordLog log, FileStream lockFile, long compactAfterBytes)
    {
        _log = log;
        _lockFile = lockFile;
        _compactAfterBytes = compactAfterBytes;
        _compactedLength = log.Length;
    }

    /// <summary>Takes the folder's lock, then opens (or creates) <paramref name="fileName"/> in it and replays every record.</summary>
    /// <exception cref="IOException">Another process holds the folder; <paramref name="owner"/> names the store in the message.</exception>
    public static OwnedRecordLog Open(
        string folder, string fileName, ReadOnlySpan<byte> magic, Action<ReadOnlySpan<byte>> replay, long compactAfterBytes, string owner)
    {
        var lockFile = FolderLock.Acquire(folder, owner);
        try
        {
            return new OwnedRecordLog(RecordLog.Open(Path.Combine(folder, fileName), magic, replay), lockFile, compactAfterBytes);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    public void Append(byte[] payload) => _log.Append(payload);

    public void Append(IReadOnlyList<byte[]> payloads) => _log.Append(payloads);

    /// <summary>Rewrites the log with <paramref name="liveRecords"/> when it has grown past the policy's bound.</summary>
    public void CompactIfLarge(Func<IEnumerable<byte[]>> liveRecords)
    {
        if (_log.Length > _compactAfterBytes && _log.Length > 2 * _compactedLength)
        {
            _log.Rewrite(liveRecords());
            _compactedLength = _log.Length;
        }
    }

    public void Dispose()
    {
        _log.Dispose();
        _lockFile.Dispose();
    }
}

/// <summary>The exclusive lock file that makes one process the owner of an embedded store's folder.</summary>
internal static class FolderLock
{
    /// <summary>Creates <paramref name="folder"/> if needed and holds its <c>.lock</c> file open without sharing.</summary>
    public static FileStream Acquire(string folder, string owner)
    {
        Directory.CreateDirectory(folder);
        try
        {
            return new FileStream(Path.Combine(folder, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"The {owner} folder {folder} is in use by another process.", e);
        }
    }
}
