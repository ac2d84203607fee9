using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Mth.Dicom.Network;
using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.UpperLayer;

namespace Mth.Dicom.Tests.Network;

/// <summary>
/// A hand-driven peer on a raw socket, for behaviour no well-behaved DICOM tool produces:
/// garbage, lying lengths, truncation, silence. It frames PDUs itself so nothing in the
/// library under test decides what goes on the wire.
/// </summary>
internal sealed class RawPeer : IAsyncDisposable
{
    private readonly Socket _socket;

    private RawPeer(Socket socket)
    {
        _socket = socket;
    }

    public static async Task<RawPeer> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        return new RawPeer(socket);
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            await _socket.SendAsync(bytes);
        }
        catch (SocketException)
        {
            // The server may already have hung up on us; what it sent back is what the test checks.
        }
    }

    /// <summary>Sends an A-ASSOCIATE-RQ for Verification and CT storage and reads the A-ASSOCIATE-AC.</summary>
    public async Task AssociateAsync(string calledAeTitle)
    {
        var request = new AssociateRequest(calledAeTitle, "RAW_PEER",
            [
                new PresentationContextProposal(1, DicomNetworkUids.Verification, [TransferSyntax.ImplicitVRLittleEndian.Uid]),
                new PresentationContextProposal(3, StorageSopClasses.CTImage, [TransferSyntax.ExplicitVRLittleEndian.Uid]),
            ],
            new UserInformation(64 * 1024, "1.2.3.4", "RAW"));
        await SendAsync(AssociationPduCodec.EncodeRequest(request));
        var (type, _) = await ReadPduAsync(TimeSpan.FromSeconds(10));
        if (type != PduType.AssociateAccept)
        {
            throw new InvalidOperationException($"Expected A-ASSOCIATE-AC, got {type}.");
        }
    }

    /// <summary>Reads one PDU; null type when the server closed the connection first.</summary>
    public async Task<(PduType? Type, byte[] Body)> ReadPduAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var header = new byte[6];
        if (!await ReadExactlyAsync(header, deadline.Token))
        {
            return (null, []);
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(2));
        var body = new byte[Math.Min(length, 1u << 20)];
        if (!await ReadExactlyAsync(body, deadline.Token))
        {
            return (null, []);
        }

        return ((PduType)header[0], body);
    }

    /// <summary>Waits for the A-ABORT the server should send, then for it to close the connection.</summary>
    public async Task<AbortPdu> ExpectAbortThenCloseAsync(TimeSpan timeout)
    {
        var (type, body) = await ReadPduAsync(timeout);
        if (type != PduType.Abort)
        {
            throw new Xunit.Sdk.XunitException($"Expected A-ABORT, got {(type?.ToString() ?? "a closed connection")}.");
        }

        Assert.True(await IsClosedByServerAsync(timeout), "the server kept the connection open after A-ABORT");
        return AssociationPduCodec.DecodeAbort(body);
    }

    public async Task<bool> IsClosedByServerAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var scratch = new byte[4096];
        try
        {
            while (true)
            {
                if (await _socket.ReceiveAsync(scratch, deadline.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A P-DATA-TF holding one PDV.</summary>
    public static byte[] DataTransfer(byte contextId, bool isCommand, bool isLast, ReadOnlySpan<byte> value)
    {
        var pdu = new byte[12 + value.Length];
        pdu[0] = (byte)PduType.DataTransfer;
        BinaryPrimitives.WriteUInt32BigEndian(pdu.AsSpan(2), (uint)(6 + value.Length));
        BinaryPrimitives.WriteUInt32BigEndian(pdu.AsSpan(6), (uint)(2 + value.Length));
        pdu[10] = contextId;
        pdu[11] = (byte)((isCommand ? 1 : 0) | (isLast ? 2 : 0));
        value.CopyTo(pdu.AsSpan(12));
        return pdu;
    }

    public static byte[] EchoRequest(ushort messageId) => DataTransfer(1, true, true, CommandSetCodec.Encode(DimseCommand.EchoRequest(messageId)));

    private async Task<bool> ReadExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            while (buffer.Length > 0)
            {
                var read = await _socket.ReceiveAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    return false;
                }

                buffer = buffer[read..];
            }

            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
