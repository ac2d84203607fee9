using System.Buffers.Binary;

namespace Mth.Core.Embedded;

/// <summary>
/// An append-only file of checksummed records, the storage of the embedded catalogs beside the index:
/// a 16-byte header (8-byte magic, format 1), then records <c>[u32 payload length][u32 CRC-32 of payload][payload]</c>.
/// An append is written and fsync'd before it returns. Opening replays every record; a last record cut short or
/// failing its CRC is a torn tail (a crash mid-append, never acknowledged) and is cut off; damage before the
/// last record is reported as <see cref="InvalidDataException"/>. <see cref="Rewrite"/> compacts the file
/// (new file, fsync, rename over). Not thread-safe: the owner serialises calls.
/// </summary>
internal sealed class RecordLog : IDisposable
{
    private const int HeaderSize = 16;
    private const int FrameSize = 8;
    private const int MaxPayload = 64 << 20;

    private readonly string _path;
    private readonly byte[] _magic;
    private FileStream _stream;

    private RecordLog(string path, byte[] magic, FileStream stream)
    {
        _path = path;
        _magic = magic;
        _stream = stream;
    }

    /// <summary>Bytes in the file, header included.</summary>
    public long Length => _stream.Length;

    /// <summary>Opens or creates the file and hands every intact record's payload to <paramref name="replay"/>, in order.</summary>
    public static RecordLog Open(string path, ReadOnlySpan<byte> magic, Action<ReadOnlySpan<byte>> replay)
    {
        ArgumentNullException.ThrowIfNull(replay);
        if (magic.Length != 8)
        {
            throw new ArgumentException("The magic must be 8 bytes.", nameof(magic));
        }

        var magicBytes = magic.ToArray();
        var temporary = path + ".tmp";
        if (File.Exists(temporary))
        {
            File.Delete(temporary); // a compaction interrupted before its rename
        }

        if (!File.Exists(path))
        {
            VersionFiles.WriteDurably(path, stream => stream.Write(Header(magicBytes)));
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 1 << 16);
        try
        {
            var good = Replay(stream, path, magicBytes, replay);
            if (good < stream.Length)
            {
                stream.SetLength(good);
                stream.Flush(flushToDisk: true);
            }

            stream.Seek(0, SeekOrigin.End);
            return new RecordLog(path, magicBytes, stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Appends the payloads with one write and one fsync.</summary>
    public void Append(IReadOnlyList<byte[]> payloads)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        if (payloads.Count == 0)
        {
            return;
        }

        var buffer = Frame(payloads);
        var at = _stream.Length;
        try
        {
            _stream.Write(buffer);
            _stream.Flush(flushToDisk: true);
        }
        catch
        {
            // Leave no partial record behind a failed write (full disk): later appends stay readable.
            _stream.SetLength(at);
            _stream.Seek(0, SeekOrigin.End);
            throw;
        }
    }

    public void Append(byte[] payload) => Append([payload]);

    /// <summary>Replaces the whole file by these payloads (compaction), atomically.</summary>
    public void Rewrite(IEnumerable<byte[]> payloads)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        VersionFiles.WriteDurably(_path, stream =>
        {
            stream.Write(Header(_magic));
            foreach (var batch in payloads.Chunk(1024))
            {
                stream.Write(Frame(batch));
            }
        });
        _stream.Dispose();
        _stream = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 1 << 16);
        _stream.Seek(0, SeekOrigin.End);
    }

    public void Dispose() => _stream.Dispose();

    private static byte[] Header(byte[] magic)
    {
        var header = new byte[HeaderSize];
        magic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), 1);
        return header;
    }

    private static byte[] Frame(IReadOnlyList<byte[]> payloads)
    {
        var size = payloads.Sum(p => (long)FrameSize + p.Length);
        var buffer = new byte[size];
        var at = 0;
        foreach (var payload in payloads)
        {
            if (payload.Length > MaxPayload)
            {
                throw new ArgumentException($"A record holds at most {MaxPayload} bytes.", nameof(payloads));
            }

            BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(at), (uint)payload.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(at + 4), Crc32.Compute(payload));
            payload.CopyTo(buffer, at + FrameSize);
            at += FrameSize + payload.Length;
        }

        return buffer;
    }

    /// <summary>Returns the length of the intact prefix.</summary>
    private static long Replay(FileStream stream, string path, byte[] magic, Action<ReadOnlySpan<byte>> replay)
    {
        var header = new byte[HeaderSize];
        if (stream.Length < HeaderSize || stream.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false) < HeaderSize
            || !header.AsSpan(0, 8).SequenceEqual(magic))
        {
            throw new InvalidDataException($"{path} is not a {System.Text.Encoding.ASCII.GetString(magic)} file (header).");
        }

        var length = stream.Length;
        long at = HeaderSize;
        var frame = new byte[FrameSize];
        var payload = new byte[4096];
        while (at < length)
        {
            if (length - at < FrameSize)
            {
                return at; // torn frame header
            }

            stream.ReadExactly(frame);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(frame);
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(4));
            if (size > MaxPayload || at + FrameSize + size > length)
            {
                return at; // cut short
            }

            if (payload.Length < size)
            {
                payload = new byte[Math.Max(size, payload.Length * 2)];
            }

            var span = payload.AsSpan(0, (int)size);
            stream.ReadExactly(span);
            if (Crc32.Compute(span) != crc)
            {
                if (at + FrameSize + size == length)
                {
                    return at; // the last record, damaged mid-write
                }

                throw new InvalidDataException($"{path} is damaged at byte {at} (checksum), before its last record.");
            }

            replay(span);
            at += FrameSize + size;
        }

        return at;
    }
}
