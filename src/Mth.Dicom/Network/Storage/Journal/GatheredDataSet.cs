using System.Buffers;

namespace Mth.Dicom.Network.Storage.Journal;

/// <summary>
/// A data set gathered in memory as it streams in, in pooled 128 KiB chunks (no copy to grow,
/// written out with one gathering write), up to a limit past which the caller streams the rest
/// to a file instead.
/// </summary>
internal sealed class GatheredDataSet : IDisposable
{
    private const int ChunkSize = 128 * 1024;
    private readonly List<byte[]> _chunks = [];
    private int _lastChunkFilled;

    public long Length { get; private set; }

    /// <summary>The gathered bytes, in order.</summary>
    public IEnumerable<ReadOnlyMemory<byte>> Chunks => _chunks.Select((chunk, i) => (ReadOnlyMemory<byte>)chunk.AsMemory(0, i == _chunks.Count - 1 ? _lastChunkFilled : chunk.Length));

    /// <summary>
    /// Reads <paramref name="source"/> to its end and returns true, or stops as soon as more than
    /// <paramref name="limit"/> bytes are gathered and returns false (the rest is still in the source).
    /// </summary>
    public async Task<bool> FillAsync(Stream source, long limit, CancellationToken cancellationToken)
    {
        while (Length <= limit)
        {
            if (_chunks.Count == 0 || _lastChunkFilled == ChunkSize)
            {
                _chunks.Add(ArrayPool<byte>.Shared.Rent(ChunkSize));
                _lastChunkFilled = 0;
            }

            var read = await source.ReadAsync(_chunks[^1].AsMemory(_lastChunkFilled, ChunkSize - _lastChunkFilled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return true;
            }

            _lastChunkFilled += read;
            Length += read;
        }

        return false;
    }

    /// <summary>The gathered bytes, then (when given) the rest of <paramref name="rest"/>, as one stream.</summary>
    public Stream OpenRead(Stream? rest = null) => new GatheredStream(this, rest);

    public void Dispose()
    {
        foreach (var chunk in _chunks)
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        _chunks.Clear();
    }

    private sealed class GatheredStream(GatheredDataSet gathered, Stream? rest) : Stream
    {
        private readonly List<ReadOnlyMemory<byte>> _chunks = [.. gathered.Chunks];
        private int _chunk;
        private int _offset;
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (!TryTakeGathered(buffer.Length, out var taken))
            {
                return rest?.Read(buffer) is { } read ? Advance(read) : 0;
            }

            taken.Span.CopyTo(buffer);
            return Advance(taken.Length);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!TryTakeGathered(buffer.Length, out var taken))
            {
                return rest is null ? 0 : Advance(await rest.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));
            }

            taken.CopyTo(buffer);
            return Advance(taken.Length);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private bool TryTakeGathered(int most, out ReadOnlyMemory<byte> taken)
        {
            while (_chunk < _chunks.Count && _offset == _chunks[_chunk].Length)
            {
                _chunk++;
                _offset = 0;
            }

            if (_chunk == _chunks.Count || most == 0)
            {
                taken = default;
                return _chunk < _chunks.Count;
            }

            var length = Math.Min(most, _chunks[_chunk].Length - _offset);
            taken = _chunks[_chunk].Slice(_offset, length);
            _offset += length;
            return true;
        }

        private int Advance(int read)
        {
            _position += read;
            return read;
        }
    }
}
