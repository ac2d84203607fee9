using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Mth.Core.Embedded;

/// <summary>
/// The files of one version folder: <c>version.json</c> (bits, substrings), <c>snapshot-NNNNNNNN.bin</c>
/// (every item at the moment sequence N began) and <c>log-NNNNNNNN.bin</c> (changes since snapshot N).
/// Files are written to a .tmp name, fsync'd and renamed, so a crash leaves either the old or the new file.
/// </summary>
internal static class VersionFiles
{
    public static readonly byte[] LogMagic = "MTHLOG01"u8.ToArray();
    public static readonly byte[] SnapshotMagic = "MTHSNP01"u8.ToArray();
    public const int FileHeaderSize = 16;

    public static string Log(string folder, int sequence) => Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"log-{sequence:D8}.bin"));

    public static string Snapshot(string folder, int sequence) => Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"snapshot-{sequence:D8}.bin"));

    public static IEnumerable<int> Sequences(string folder, string kind) =>
        Directory.EnumerateFiles(folder, kind + "-*.bin")
            .Select(f => Path.GetFileNameWithoutExtension(f)[(kind.Length + 1)..])
            .Where(s => s.Length == 8 && s.All(char.IsAsciiDigit))
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture))
            .Order();

    public static byte[] Header(byte[] magic, int bits)
    {
        var header = new byte[FileHeaderSize];
        magic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), bits);
        return header;
    }

    /// <summary>Writes a file durably: temporary name, fsync, rename over the target.</summary>
    public static void WriteDurably(string path, Action<Stream> write)
    {
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public static void WriteSnapshot(string path, int bits, string[] ids, ulong[] codes, int wordsPerCode)
    {
        WriteDurably(path, stream =>
        {
            var crc = 0u;
            void Put(ReadOnlySpan<byte> bytes)
            {
                crc = Crc32.Compute(bytes, crc);
                stream.Write(bytes);
            }

            Put(Header(SnapshotMagic, bits));
            Span<byte> number = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(number, ids.Length);
            Put(number);
            var code = new byte[bits / 8];
            var record = new byte[2 + IndexingLimits.MaxIdLength + code.Length];
            for (var i = 0; i < ids.Length; i++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(record, (ushort)ids[i].Length);
                var idLength = Encoding.ASCII.GetBytes(ids[i], record.AsSpan(2));
                Codes.BinaryCode.UnpackWords(codes.AsSpan(i * wordsPerCode, wordsPerCode), record.AsSpan(2 + idLength, code.Length));
                Put(record.AsSpan(0, 2 + idLength + code.Length));
            }

            BinaryPrimitives.WriteUInt32LittleEndian(number, crc);
            stream.Write(number[..4]);
        });
    }

    /// <summary>Reads a whole snapshot; throws <see cref="InvalidDataException"/> when it is damaged.</summary>
    public static IEnumerable<(string Id, byte[] Code)> ReadSnapshot(string path, int bits)
    {
        var data = File.ReadAllBytes(path);
        if (data.Length < FileHeaderSize + 12 || !data.AsSpan(0, 8).SequenceEqual(SnapshotMagic)
            || BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(8)) != bits
            || Crc32.Compute(data.AsSpan(0, data.Length - 4)) != BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(data.Length - 4)))
        {
            throw new InvalidDataException($"Snapshot {path} is damaged (header or checksum).");
        }

        var count = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(FileHeaderSize));
        var at = FileHeaderSize + 8;
        var codeBytes = bits / 8;
        var items = new List<(string, byte[])>((int)Math.Min(count, 1 << 24));
        for (long i = 0; i < count; i++)
        {
            var idLength = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(at));
            var id = Encoding.ASCII.GetString(data, at + 2, idLength);
            items.Add((id, data.AsSpan(at + 2 + idLength, codeBytes).ToArray()));
            at += 2 + idLength + codeBytes;
        }

        if (at != data.Length - 4)
        {
            throw new InvalidDataException($"Snapshot {path} is damaged (length).");
        }

        return items;
    }
}

/// <summary>Limits shared by the file formats.</summary>
internal static class IndexingLimits
{
    public const int MaxIdLength = Indexing.IndexNames.MaxIdLength;
}
