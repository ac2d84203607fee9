namespace Mth.Dicom.Network;

/// <summary>
/// A stream that can only be read once, front to back, asynchronously at heart: the shape of a
/// data set arriving over the network. Subclasses implement <see cref="ReadAsync(Memory{byte}, CancellationToken)"/>.
/// </summary>
public abstract class ForwardReadStream : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("A forward-only stream has no length.");

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException("A forward-only stream cannot seek.");
    }

    /// <summary>Bytes delivered so far.</summary>
    public abstract long BytesRead { get; }

    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A forward-only stream cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException("A forward-only stream is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("A forward-only stream is read-only.");
}
