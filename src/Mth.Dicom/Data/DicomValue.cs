using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Mth.Dicom.Data;

/// <summary>
/// The bytes of one value (or one pixel data fragment), in little-endian order whatever the
/// encoding it was read from. Small values live in memory; large ones stay in the file they
/// came from and are read on demand, so a multi-frame instance is never held whole.
/// </summary>
public abstract class DicomValue
{
    /// <summary>Chunk size used when values are copied between streams.</summary>
    protected const int CopyChunk = 1 << 20;

    public static DicomValue Empty { get; } = new DicomMemoryValue([]);

    public abstract long Length { get; }

    /// <summary>Whether the bytes are held in memory (else they are read from the source file on demand).</summary>
    public abstract bool IsInMemory { get; }

    public static DicomValue FromBytes(byte[] bytes) => new DicomMemoryValue(bytes ?? throw new ArgumentNullException(nameof(bytes)));

    /// <summary>Copies <paramref name="destination"/>.Length bytes starting at <paramref name="offset"/>.</summary>
    public abstract void Read(long offset, Span<byte> destination);

    /// <summary>The whole value as an array (a copy for deferred values; the held array for in-memory ones, not to be modified).</summary>
    public abstract ReadOnlyMemory<byte> GetMemory();

    /// <summary>The value as a new array; refuses values longer than <paramref name="maxLength"/>.</summary>
    public byte[] ToArray(long maxLength = int.MaxValue)
    {
        if (Length > maxLength || Length > Array.MaxLength)
        {
            throw new DicomFormatException($"A value of {Length} bytes is longer than the {maxLength} bytes allowed in memory");
        }

        var bytes = new byte[Length];
        Read(0, bytes);
        return bytes;
    }

    /// <summary>Writes the value to <paramref name="destination"/>, byte-swapping units of <paramref name="swapSize"/> bytes (0: none).</summary>
    public void CopyTo(Stream destination, int swapSize = 0)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var chunk = new byte[(int)Math.Min(Length, CopyChunk)];
        for (long offset = 0; offset < Length;)
        {
            var count = (int)Math.Min(chunk.Length, Length - offset);
            var span = chunk.AsSpan(0, count);
            Read(offset, span);
            DicomByteOrder.Swap(span, swapSize);
            destination.Write(span);
            offset += count;
        }
    }

    /// <inheritdoc cref="CopyTo"/>
    public async ValueTask CopyToAsync(Stream destination, int swapSize = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var chunk = new byte[(int)Math.Min(Length, CopyChunk)];
        for (long offset = 0; offset < Length;)
        {
            var count = (int)Math.Min(chunk.Length, Length - offset);
            Read(offset, chunk.AsSpan(0, count));
            DicomByteOrder.Swap(chunk.AsSpan(0, count), swapSize);
            await destination.WriteAsync(chunk.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
            offset += count;
        }
    }

    protected void CheckRange(long offset, int count)
    {
        if (offset < 0 || count < 0 || offset > Length - count)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"Bytes {offset}..{offset + count} are outside a value of {Length} bytes.");
        }
    }
}

/// <summary>A value held in memory.</summary>
internal sealed class DicomMemoryValue(byte[] bytes) : DicomValue
{
    public override long Length => bytes.Length;

    public override bool IsInMemory => true;

    public override void Read(long offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length);
        bytes.AsSpan((int)offset, destination.Length).CopyTo(destination);
    }

    public override ReadOnlyMemory<byte> GetMemory() => bytes;
}

/// <summary>
/// A value left in its source: read on demand, byte-swapped to little endian on the way when
/// the source is big endian.
/// </summary>
internal sealed class DicomDeferredValue(DicomByteSource source, long sourceOffset, long length, int swapSize) : DicomValue
{
    public override long Length => length;

    public override bool IsInMemory => false;

    public override void Read(long offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length);
        if (swapSize <= 1 || (offset % swapSize == 0 && destination.Length % swapSize == 0))
        {
            source.Read(sourceOffset + offset, destination);
            DicomByteOrder.Swap(destination, swapSize);
            return;
        }

        // Unaligned read of a swapped value: read the enclosing whole units, then slice.
        var start = offset - offset % swapSize;
        var end = Math.Min(length, (offset + destination.Length + swapSize - 1) / swapSize * swapSize);
        var aligned = new byte[end - start];
        source.Read(sourceOffset + start, aligned);
        DicomByteOrder.Swap(aligned, swapSize);
        aligned.AsSpan((int)(offset - start), destination.Length).CopyTo(destination);
    }

    public override ReadOnlyMemory<byte> GetMemory() => ToArray();
}

/// <summary>Where deferred values are read from: a file (thread-safe positional reads) or a seekable stream.</summary>
internal abstract class DicomByteSource : IDisposable
{
    public abstract void Read(long offset, Span<byte> destination);

    public abstract void Dispose();

    public static DicomByteSource For(Stream stream, bool owns) => stream is FileStream file
        ? new FileByteSource(file, owns)
        : new StreamByteSource(stream, owns);

    private sealed class FileByteSource(FileStream file, bool owns) : DicomByteSource
    {
        private readonly SafeFileHandle _handle = file.SafeFileHandle;

        public override void Read(long offset, Span<byte> destination)
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            while (!destination.IsEmpty)
            {
                var read = RandomAccess.Read(_handle, destination, offset);
                if (read == 0)
                {
                    throw new DicomFormatException("The file ended before a value it declares (was it truncated after opening?)", offset);
                }

                destination = destination[read..];
                offset += read;
            }
        }

        public override void Dispose()
        {
            if (owns)
            {
                file.Dispose();
            }
        }
    }

    private sealed class StreamByteSource(Stream stream, bool owns) : DicomByteSource
    {
        private readonly Lock _lock = new();

        public override void Read(long offset, Span<byte> destination)
        {
            lock (_lock)
            {
                stream.Position = offset;
                if (stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false) < destination.Length)
                {
                    throw new DicomFormatException("The stream ended before a value it declares", offset);
                }
            }
        }

        public override void Dispose()
        {
            if (owns)
            {
                stream.Dispose();
            }
        }
    }
}

/// <summary>Byte-order conversion between big-endian encodings and the little-endian model.</summary>
internal static class DicomByteOrder
{
    public static void Swap(Span<byte> bytes, int unit)
    {
        switch (unit)
        {
            case 2:
                var words = MemoryMarshal.Cast<byte, ushort>(bytes);
                BinaryPrimitives.ReverseEndianness(words, words);
                break;
            case 4:
                var doubleWords = MemoryMarshal.Cast<byte, uint>(bytes);
                BinaryPrimitives.ReverseEndianness(doubleWords, doubleWords);
                break;
            case 8:
                var quadWords = MemoryMarshal.Cast<byte, ulong>(bytes);
                BinaryPrimitives.ReverseEndianness(quadWords, quadWords);
                break;
        }
    }
}
