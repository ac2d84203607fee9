using System.Net;
using Mth.Dicom.IO;
using Mth.Dicom.Network;
using Mth.Dicom.Network.Client;
using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.Server;
using Mth.Dicom.Network.Storage;
using Mth.Dicom.Network.UpperLayer;
using Mth.Testing.Dicom;
using Mth.Testing.DicomNetwork;

namespace Mth.Dicom.Tests.Network;

/// <summary>
/// Random mutations (seeded, so a failure can be replayed) of a real session: the bytes an SCU
/// sent for an association with a C-ECHO, a C-STORE and a release, recorded on the wire, then
/// mutated and replayed into the SCP. No case may throw out of the server, allocate without
/// bound, or leave a partial or invalid instance in the store.
/// </summary>
[Collection(AllocationMeasurementCollection.Name)]
public sealed class PduMutationTests : IDisposable
{
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("MTH_MUTATION_SEED"), out var s) ? s : 20261126;
    private readonly TemporaryDirectory _files = new();
    private readonly string _received = MemoryBackedDirectory();

    public void Dispose()
    {
        _files.Dispose();
        Directory.Delete(_received, recursive: true);
    }

    /// <summary>
    /// The store under test flushes every instance; on a RAM-backed folder (/dev/shm on Linux) the
    /// flushes are free, so thousands of cases take seconds, and the store's code path is unchanged.
    /// </summary>
    private static string MemoryBackedDirectory()
    {
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        return Directory.CreateDirectory(Path.Combine(root, "mth-pdu-mutation-" + Guid.NewGuid().ToString("N"))).FullName;
    }

    [Fact]
    public async Task Thousands_of_mutated_sessions_never_escape_the_server_nor_half_store_an_instance()
    {
        var session = await RecordSessionAsync();
        await using var store = new FileSystemInstanceStore(new FileSystemInstanceStoreOptions { RootDirectory = _received });
        var log = new RecordingLog();
        await using var server = new DicomServer(new DicomServerOptions { AeTitle = "MTH_TEST" }, store, log);
        var random = new Random(Seed);
        var maxAllocated = 0L;
        const int cases = 3000;

        for (var i = 0; i < cases; i++)
        {
            var mutated = Mutate(session, random);
            var transport = new ScriptedTransport(mutated, new Random(random.Next()));
            var before = GC.GetTotalAllocatedBytes();
            var serve = server.ServeAsync(transport, new IPEndPoint(IPAddress.Loopback, 4242));
            try
            {
                await serve.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"Mutated session {i} (seed {Seed}) did not end within 10 s.\n{string.Join('\n', log.Entries.TakeLast(3))}");
            }
            maxAllocated = Math.Max(maxAllocated, GC.GetTotalAllocatedBytes() - before);

        }

        Assert.True(maxAllocated < 32L << 20, $"one case allocated {maxAllocated} bytes");
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_received, ".incoming")));
        foreach (var stored in Directory.EnumerateFiles(_received, "*.dcm"))
        {
            await using var file = File.OpenRead(stored);
            var meta = DicomFileMetaInformation.Read(file)!;
            var summary = await DicomDataSetValidator.ValidateAsync(file, meta.TransferSyntax);
            Assert.Equal(Path.GetFileNameWithoutExtension(stored), summary.SopInstanceUid);
        }

        Assert.DoesNotContain(log.Entries, e => e.Level == DicomLogLevel.Error);
        Assert.True(server.Statistics.AssociationsAborted > cases / 4, "mutations should break most sessions: " + server.Statistics.AssociationsAborted);
    }

    [Fact]
    public void Mutated_association_requests_and_command_sets_only_ever_raise_protocol_errors()
    {
        var request = AssociationPduCodec.EncodeRequest(new AssociateRequest("MTH", "SCU",
            [
                new PresentationContextProposal(1, DicomNetworkUids.Verification, ["1.2.840.10008.1.2"]),
                new PresentationContextProposal(3, StorageSopClasses.CTImage, ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"]),
            ],
            new UserInformation(16384, "1.2.3.4", "V1") { RoleSelections = [new RoleSelection(StorageSopClasses.CTImage, true, true)] }))[6..];
        var command = CommandSetCodec.Encode(DimseCommand.StoreRequest(3, StorageSopClasses.CTImage, "1.2.3.4.5.6"));
        var random = new Random(Seed);

        for (var i = 0; i < 20000; i++)
        {
            var mutatedRequest = Mutate(request, random);
            var mutatedCommand = Mutate(command, random);
            try
            {
                AssociationPduCodec.DecodeRequest(mutatedRequest);
            }
            catch (DicomProtocolException)
            {
            }

            try
            {
                CommandSetCodec.Decode(mutatedCommand);
            }
            catch (DicomProtocolException)
            {
            }
        }
    }

    /// <summary>Flips bytes, writes hostile 32-bit values, truncates, duplicates or inserts: a few of them per case.</summary>
    private static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = new List<byte>(original);
        var count = random.Next(1, 5);
        for (var m = 0; m < count && bytes.Count > 8; m++)
        {
            var at = random.Next(bytes.Count - 4);
            switch (random.Next(6))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    uint[] hostile = [0xFFFFFFFF, 0x7FFFFFFF, 0, 1, 2, 6, 0x10000, 0xFFFF];
                    var value = hostile[random.Next(hostile.Length)];
                    for (var b = 0; b < 4; b++)
                    {
                        bytes[at + b] = (byte)(value >> (24 - (8 * b)));
                    }

                    break;
                case 3:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 4:
                    var length = random.Next(1, Math.Min(64, bytes.Count - at));
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
                default:
                    var junk = new byte[random.Next(1, 16)];
                    random.NextBytes(junk);
                    bytes.InsertRange(at, junk);
                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>Runs a real SCU session against our SCP over loopback and keeps the bytes the SCU sent.</summary>
    private async Task<byte[]> RecordSessionAsync()
    {
        var instance = await DicomTestInstances.CreateAsync(_files, new TestImageSpec { Rows = 32, Columns = 32 });
        await using var recordingStore = new FileSystemInstanceStore(new FileSystemInstanceStoreOptions { RootDirectory = Path.Combine(_files.Path, "recording") });
        await using var server = TestServer.Start(recordingStore);
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, server.Port);
        var recorder = new RecordingTransport(new System.Net.Sockets.NetworkStream(socket, ownsSocket: true));
        var association = await DicomClientAssociation.OpenAsync(recorder,
            [
                new PresentationContextProposal(1, DicomNetworkUids.Verification, [TransferSyntax.ImplicitVRLittleEndian.Uid]),
                new PresentationContextProposal(3, instance.SopClassUid, [instance.TransferSyntaxUid]),
            ],
            new DicomClientOptions { CalledAeTitle = server.AeTitle, MaxSendPduLength = 4096 });
        Assert.True((await association.EchoAsync()).IsSuccess);
        Assert.True((await association.StoreAsync(association.FindContext(instance.SopClassUid)!, instance.SopClassUid, instance.SopInstanceUid,
            new MemoryStream(HostilePeerTests.DataSetBytes(instance.Path)))).IsSuccess);
        await association.ReleaseAsync();
        return recorder.Sent.ToArray();
    }

    /// <summary>A transport that hands the server a fixed byte script in random-sized pieces and swallows its answers.</summary>
    private sealed class ScriptedTransport(byte[] script, Random chunking) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var count = Math.Min(Math.Min(buffer.Length, script.Length - _position), chunking.Next(1, 4096));
            script.AsSpan(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Write(byte[] buffer, int offset, int count)
        {
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>Passes everything through and keeps a copy of what was written.</summary>
    private sealed class RecordingTransport(Stream inner) : Stream
    {
        public MemoryStream Sent { get; } = new();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => 0; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count)
        {
            Sent.Write(buffer, offset, count);
            inner.Write(buffer, offset, count);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Sent.Write(buffer.Span);
            return inner.WriteAsync(buffer, cancellationToken);
        }

        public override void Flush() => inner.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
