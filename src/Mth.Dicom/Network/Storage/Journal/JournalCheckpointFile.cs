using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Mth.Dicom.Network.Storage.Journal;

/// <summary>
/// <c>.journal/checkpoint</c>: the journal's identity and layout, and the sequence number up to
/// which every record's file is durable. Two 4 KiB slots written alternately, each with its own
/// CRC, so a write torn by a crash leaves the previous checkpoint readable. Its presence marks a
/// journal whose segments were fully created.
/// </summary>
internal sealed class JournalCheckpointFile : IDisposable
{
    public const string FileName = "checkpoint";
    private const int SlotSize = 4096;
    private const int RecordSize = 40;
    private const uint Magic = 0x4348544D; // "MTHC"
    private const ushort Version = 1;

    private readonly SafeFileHandle _handle;
    private readonly byte[] _slot = new byte[RecordSize];
    private long _writes;

    private JournalCheckpointFile(SafeFileHandle handle, JournalCheckpoint state, long writes)
    {
        _handle = handle;
        State = state;
        _writes = writes;
    }

    public JournalCheckpoint State { get; private set; }

    /// <summary>Opens the checkpoint of <paramref name="directory"/>; null when there is none or neither slot is readable.</summary>
    public static JournalCheckpointFile? TryOpen(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        var buffer = new byte[RecordSize];
        JournalCheckpoint? best = null;
        var bestSlot = 0;
        for (var slot = 0; slot < 2; slot++)
        {
            if (RandomAccess.Read(handle, buffer, slot * SlotSize) == RecordSize && TryDecode(buffer, out var state)
                && (best is null || state.Sequence > best.Value.Sequence))
            {
                best = state;
                bestSlot = slot;
            }
        }

        if (best is null)
        {
            handle.Dispose();
            return null;
        }

        // The next write goes to the other slot, so the newest durable checkpoint is never overwritten.
        return new JournalCheckpointFile(handle, best.Value, bestSlot + 1);
    }

    /// <summary>Writes a new checkpoint file (both slots) under a temporary name, makes it durable, and renames it into place.</summary>
    public static JournalCheckpointFile Create(string directory, JournalCheckpoint state)
    {
        var path = Path.Combine(directory, FileName);
        var temporary = path + ".new";
        using (var handle = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            var page = new byte[2 * SlotSize];
            Encode(state, page);
            Encode(state, page.AsSpan(SlotSize));
            RandomAccess.Write(handle, page, 0);
            FileSystemSync.Flush(handle, "the journal checkpoint");
        }

        File.Move(temporary, path, overwrite: true);
        FileSystemSync.FlushDirectory(directory);
        return TryOpen(directory) ?? throw new IOException("The journal checkpoint just written cannot be read back.");
    }

    /// <summary>Durably records that every record up to <paramref name="sequence"/> no longer needs the journal.</summary>
    public void Write(long sequence)
    {
        var state = State with { Sequence = sequence };
        Encode(state, _slot);
        RandomAccess.Write(_handle, _slot, (_writes % 2) * SlotSize);
        FileSystemSync.FlushData(_handle, "the journal checkpoint");
        _writes++;
        State = state;
    }

    public void Dispose() => _handle.Dispose();

    private static void Encode(JournalCheckpoint state, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], state.JournalId);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], state.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(destination[24..], state.SegmentSize);
        BinaryPrimitives.WriteInt32LittleEndian(destination[32..], state.SegmentCount);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[36..], Crc32C.Compute(destination[..36]));
    }

    private static bool TryDecode(ReadOnlySpan<byte> source, out JournalCheckpoint state)
    {
        state = default;
        if (BinaryPrimitives.ReadUInt32LittleEndian(source) != Magic || BinaryPrimitives.ReadUInt16LittleEndian(source[4..]) != Version
            || BinaryPrimitives.ReadUInt32LittleEndian(source[36..]) != Crc32C.Compute(source[..36]))
        {
            return false;
        }

        state = new JournalCheckpoint(BinaryPrimitives.ReadUInt64LittleEndian(source[8..]), BinaryPrimitives.ReadInt64LittleEndian(source[16..]),
            BinaryPrimitives.ReadInt64LittleEndian(source[24..]), BinaryPrimitives.ReadInt32LittleEndian(source[32..]));
        return state.SegmentSize > 0 && state.SegmentCount > 0 && state.Sequence >= 0;
    }
}

/// <summary>A journal's identity and layout, and its checkpoint sequence number.</summary>
internal readonly record struct JournalCheckpoint(ulong JournalId, long Sequence, long SegmentSize, int SegmentCount);
