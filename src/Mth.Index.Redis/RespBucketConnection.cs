using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mth.Index.Redis;

/// <summary>Receives the elements of array replies (MGET buckets, HMGET ids) as views into the reader's buffer (valid only during the call).</summary>
internal interface IArrayReplySink
{
    /// <summary>
    /// A non-empty element; <paramref name="index"/> counts elements from the first reply read, nulls and empty
    /// strings included (they are not handed over).
    /// </summary>
    void Element(int shard, int index, ReadOnlySpan<byte> value);
}

/// <summary>The server answered a command with an error (MOVED, ASK, NOAUTH, ...): the caller reads another way.</summary>
internal sealed class RespErrorReplyException(string message) : Exception(message);

/// <summary>
/// One plain TCP connection speaking RESP2, for a search's reads only: pipelined MGETs of buckets (and the HMGET of
/// the winners' ids) go out from one pooled buffer and their replies (arrays of bulk strings) are parsed in place
/// from another, each element handed to an <see cref="IArrayReplySink"/> without being copied. StackExchange.Redis gives every bucket of an MGET reply its own
/// array (about 1.3 MB of garbage per uniform 64-bit search on 1M codes, docs/benchmarks.md); this allocates nothing
/// per search once its buffers have grown. It understands nothing but arrays of bulk strings: any error reply or unexpected byte throws,
/// and the connection is then unusable (the caller disposes it and reads through StackExchange.Redis).
/// Not thread-safe: one search at a time (<see cref="RespBucketConnections"/> lends it out).
/// </summary>
internal sealed class RespBucketConnection : IDisposable
{
    private static ReadOnlySpan<byte> MgetHeader => "\r\n$4\r\nMGET\r\n"u8;

    private static ReadOnlySpan<byte> HmgetHeader => "\r\n$5\r\nHMGET\r\n"u8;

    private readonly Socket _socket;
    private readonly CancellationTokenSource _deadline = new();
    private byte[] _receive;
    private int _start;
    private int _end;
    private byte[] _send;
    private int _sendLength;
    private int _commands;

    private RespBucketConnection(Socket socket, EndPoint endPoint)
    {
        _socket = socket;
        EndPoint = endPoint;
        _receive = ArrayPool<byte>.Shared.Rent(256 * 1024);
        _send = ArrayPool<byte>.Shared.Rent(64 * 1024);
    }

    public EndPoint EndPoint { get; }

    /// <summary>
    /// How long a read first waits blocked (poll) for more of a reply before awaiting it asynchronously. Redis sends a
    /// large reply in parts; an asynchronous wait for each costs two thread wake-ups (the socket engine's thread, then
    /// a pool thread), a blocked one costs one, and on a busy machine every wake-up may wait for a core.
    /// </summary>
    public int BlockingWaitMicroseconds { get; set; }

    /// <summary>Set once anything went wrong: the stream's position in the protocol is unknown.</summary>
    public bool Broken { get; private set; }

    /// <summary>Connects, then authenticates and selects the database when asked to (each answered +OK or it throws).</summary>
    public static async Task<RespBucketConnection> ConnectAsync(EndPoint endPoint, string? user, string? password, int database, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connection = new RespBucketConnection(socket, endPoint);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            await socket.ConnectAsync(endPoint, deadline.Token).ConfigureAwait(false);
            var handshake = 0;
            if (password is not null)
            {
                connection.AppendCommand(user is null ? ["AUTH", password] : ["AUTH", user, password]);
                handshake++;
            }

            if (database != 0)
            {
                connection.AppendCommand(["SELECT", database.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                handshake++;
            }

            // Named, so that operators (and tests) can tell these connections apart in CLIENT LIST.
            connection.AppendCommand(["CLIENT", "SETNAME", "mth-buckets"]);
            handshake++;
            await connection.FlushAsync(deadline.Token).ConfigureAwait(false);
            for (var i = 0; i < handshake; i++)
            {
                await connection.ReadOkAsync(deadline.Token).ConfigureAwait(false);
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Appends one MGET of bucket keys of a shard to the pending request (nothing is sent yet).</summary>
    public void AppendBucketMget(ShardKeys shard, ReadOnlySpan<(int Table, uint Value)> buckets)
    {
        // Per key at most "$" + 10 digits + CRLF + key + CRLF; the header at most 32 bytes.
        EnsureSendRoom(32 + buckets.Length * (shard.MaxBucketKeyBytes + 15));
        var span = _send.AsSpan(_sendLength);
        var at = 0;
        span[at++] = (byte)'*';
        at += Format(buckets.Length + 1, span[at..]);
        MgetHeader.CopyTo(span[at..]);
        at += MgetHeader.Length;
        foreach (var (table, value) in buckets)
        {
            // The key is written in place, straight after its bulk-string header.
            at += WriteBulkHeader(shard.BucketKeyLength(table, value), span[at..]);
            at += shard.WriteBucket(table, value, span[at..]);
            at += WriteCrlf(span[at..]);
        }

        _sendLength += at;
        _commands++;
    }

    /// <summary>Appends one HMGET of the shard's ordinals hash for the given ordinals (decimal fields, as stored).</summary>
    public void AppendOrdinalsHmget(ShardKeys shard, ReadOnlySpan<uint> ordinals)
    {
        var key = shard.OrdinalsBytes;
        EnsureSendRoom(48 + key.Length + ordinals.Length * 20);
        var span = _send.AsSpan(_sendLength);
        var at = 0;
        span[at++] = (byte)'*';
        at += Format(ordinals.Length + 2, span[at..]);
        HmgetHeader.CopyTo(span[at..]);
        at += HmgetHeader.Length;
        at += WriteBulk(key, span[at..]);
        Span<byte> digits = stackalloc byte[10];
        foreach (var ordinal in ordinals)
        {
            ordinal.TryFormat(digits, out var length, provider: System.Globalization.CultureInfo.InvariantCulture);
            at += WriteBulk(digits[..length], span[at..]);
        }

        _sendLength += at;
        _commands++;
    }

    /// <summary>Sends the pending request.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            var sent = 0;
            while (sent < _sendLength)
            {
                sent += await _socket.SendAsync(_send.AsMemory(sent, _sendLength - sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }

            _sendLength = 0;
        }
        catch
        {
            Broken = true;
            throw;
        }
    }

    /// <summary>
    /// Reads the replies of the commands sent (in order), handing each non-empty element to <paramref name="sink"/>.
    /// Throws <see cref="RespErrorReplyException"/> on an error reply, <see cref="OperationCanceledException"/> when
    /// <paramref name="cancellationToken"/> fires, <see cref="TimeoutException"/> past <paramref name="timeout"/>.
    /// </summary>
    public async ValueTask ReadArrayRepliesAsync(IArrayReplySink sink, int shard, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var replies = _commands;
        _commands = 0;
        var elements = 0;
        var bulk = -1;
        var index = 0;
        _deadline.CancelAfter(timeout);
        var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _deadline)
            : default;
        try
        {
            while (!Consume(sink, shard, ref replies, ref elements, ref bulk, ref index))
            {
                await ReceiveAsync(bulk, _deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Broken = true;
            throw new TimeoutException($"No complete reply from {EndPoint} within {timeout}.");
        }
        catch
        {
            Broken = true;
            throw;
        }
        finally
        {
            registration.Dispose();
        }

        if (!_deadline.TryReset())
        {
            Broken = true;
        }
    }

    /// <summary>Parses what the buffer holds; true when every reply is complete. State: replies left, elements left in the current array, length of a bulk string whose header was read (-1: none).</summary>
    private bool Consume(IArrayReplySink sink, int shard, ref int replies, ref int elements, ref int bulk, ref int index)
    {
        var span = _receive.AsSpan(_start, _end - _start);
        var at = 0;
        try
        {
            while (replies > 0)
            {
                if (bulk >= 0)
                {
                    if (span.Length - at < bulk + 2)
                    {
                        return false;
                    }

                    if (bulk > 0)
                    {
                        sink.Element(shard, index, span.Slice(at, bulk));
                    }

                    index++;
                    at += bulk + 2;
                    bulk = -1;
                    if (--elements == 0)
                    {
                        replies--;
                    }

                    continue;
                }

                var lineFeed = span[at..].IndexOf((byte)'\n');
                if (lineFeed < 0)
                {
                    return false;
                }

                var line = span.Slice(at, lineFeed);
                at += lineFeed + 1;
                if (line.Length < 2 || line[^1] != (byte)'\r')
                {
                    throw new InvalidDataException($"Malformed RESP line from {EndPoint}.");
                }

                line = line[..^1];
                switch ((char)line[0])
                {
                    case '*' when elements == 0:
                        var count = ParseInteger(line[1..]);
                        if (count <= 0)
                        {
                            replies--;
                        }
                        else
                        {
                            elements = checked((int)count);
                        }

                        break;
                    case '$' when elements > 0:
                        var length = ParseInteger(line[1..]);
                        if (length < 0)
                        {
                            index++;
                            if (--elements == 0)
                            {
                                replies--;
                            }
                        }
                        else
                        {
                            bulk = checked((int)length);
                        }

                        break;
                    case '-':
                        throw new RespErrorReplyException($"{EndPoint}: {Encoding.UTF8.GetString(line[1..])}");
                    default:
                        throw new InvalidDataException($"Unexpected RESP reply type '{(char)line[0]}' from {EndPoint}.");
                }
            }

            return true;
        }
        finally
        {
            _start += at;
        }
    }

    private async ValueTask ReadOkAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var lineFeed = _receive.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (lineFeed >= 0)
            {
                var line = Encoding.UTF8.GetString(_receive, _start, lineFeed).TrimEnd('\r');
                _start += lineFeed + 1;
                if (line != "+OK")
                {
                    Broken = true;
                    throw new RespErrorReplyException($"{EndPoint}: {line.TrimStart('-')}");
                }

                return;
            }

            await ReceiveAsync(-1, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Receives more bytes, first making room: unread bytes move to the front, and the buffer grows when a bulk string needs it.</summary>
    private async ValueTask ReceiveAsync(int bulk, CancellationToken cancellationToken)
    {
        var needed = Math.Max(bulk + 2 + 32, 4096);
        if (_start > 0 && _receive.Length - _end < needed)
        {
            _receive.AsSpan(_start, _end - _start).CopyTo(_receive);
            _end -= _start;
            _start = 0;
        }

        if (_receive.Length - _end < needed)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_receive.Length * 2, _end + needed));
            _receive.AsSpan(0, _end).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_receive);
            _receive = larger;
        }

        if (BlockingWaitMicroseconds > 0 && _socket.Available == 0)
        {
            // Readable, closed or timed out: the receive below then completes at once, or goes asynchronous.
            _socket.Poll(BlockingWaitMicroseconds, SelectMode.SelectRead);
        }

        var received = await _socket.ReceiveAsync(_receive.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        if (received == 0)
        {
            throw new IOException($"{EndPoint} closed the connection.");
        }

        _end += received;
    }

    private void AppendCommand(string[] parts)
    {
        EnsureSendRoom(16 + parts.Sum(p => 16 + Encoding.UTF8.GetByteCount(p)));
        var span = _send.AsSpan(_sendLength);
        var at = 0;
        span[at++] = (byte)'*';
        at += Format(parts.Length, span[at..]);
        at += WriteCrlf(span[at..]);
        foreach (var part in parts)
        {
            at += WriteBulk(Encoding.UTF8.GetBytes(part), span[at..]);
        }

        _sendLength += at;
    }

    private void EnsureSendRoom(int bytes)
    {
        if (_send.Length - _sendLength < bytes)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_send.Length * 2, _sendLength + bytes));
            _send.AsSpan(0, _sendLength).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_send);
            _send = larger;
        }
    }

    /// <summary>Writes a RESP bulk string (length header, bytes, CRLF); returns the bytes written.</summary>
    private static int WriteBulk(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        var at = WriteBulkHeader(value.Length, destination);
        value.CopyTo(destination[at..]);
        at += value.Length;
        return at + WriteCrlf(destination[at..]);
    }

    /// <summary>Writes a RESP bulk string's header, "$" length CRLF; returns the bytes written.</summary>
    private static int WriteBulkHeader(int length, Span<byte> destination)
    {
        destination[0] = (byte)'$';
        var at = 1 + Format(length, destination[1..]);
        return at + WriteCrlf(destination[at..]);
    }

    private static int WriteCrlf(Span<byte> destination)
    {
        destination[0] = (byte)'\r';
        destination[1] = (byte)'\n';
        return 2;
    }

    private static int Format(int value, Span<byte> destination) =>
        value.TryFormat(destination, out var written, provider: System.Globalization.CultureInfo.InvariantCulture) ? written : throw new InvalidOperationException("RESP buffer too small.");

    private long ParseInteger(ReadOnlySpan<byte> digits) =>
        System.Buffers.Text.Utf8Parser.TryParse(digits, out long value, out var consumed) && consumed == digits.Length
            ? value
            : throw new InvalidDataException($"Malformed RESP length from {EndPoint}.");

    public void Dispose()
    {
        Broken = true;
        _socket.Dispose();
        _deadline.Dispose();
        var receive = Interlocked.Exchange(ref _receive, []);
        var send = Interlocked.Exchange(ref _send, []);
        if (receive.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(receive);
        }

        if (send.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(send);
        }
    }
}
