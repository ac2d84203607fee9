using System.Buffers.Binary;
using Mth.Dicom.Network;
using Mth.Dicom.Network.Server;
using Mth.Dicom.Network.Storage;
using Mth.Dicom.Network.Storage.Journal;
using Mth.Dicom.Network.UpperLayer;
using Mth.Testing.Dicom;
using Mth.Testing.DicomNetwork;

using static Mth.Dicom.Tests.Network.Storage.DirectStores;

namespace Mth.Dicom.Tests.Network.Storage;

/// <summary>
/// The spool of <see cref="FileSystemInstanceStore"/>'s write-ahead journal: an instance above the
/// journal's limit is written over a pre-written slot, made durable there, named by a journal
/// record, answered, then cut and renamed into place without a flush. A crash is simulated by building, in
/// a fresh folder, what the disk may hold once the slot and the record are durable and the cut or
/// the rename (or both) are not; then a store is started on it.
/// </summary>
public sealed class InstanceSpoolTests : IDisposable
{
    private const long SlotSize = 512 * 1024;
    private static readonly InstanceJournalOptions Spool = new()
    {
        MaxInstanceSize = 16 * 1024,
        SpoolSlotSize = SlotSize,
        SpoolSlots = 4,
        CheckpointEveryRecords = int.MaxValue,
        CheckpointInterval = TimeSpan.FromHours(1),
    };

    private readonly TemporaryDirectory _received = new();
    private readonly TemporaryDirectory _afterCrash = new();

    public void Dispose()
    {
        _received.Dispose();
        _afterCrash.Dispose();
    }

    [Theory]
    [InlineData("rename lost")]
    [InlineData("cut lost")]
    [InlineData("cut and rename lost")]
    public async Task Spooled_instances_are_completed_byte_identical_after_a_crash(string lost)
    {
        var instances = Enumerable.Range(0, 3).Select(i => (Uid: DicomTestInstances.NewUid(), DataSet: DataSet(200_000 + (i * 1000), i))).ToList();
        Dictionary<string, byte[]> stored;
        List<(string Name, SpoolReference Reference)> records;
        await using (var store = SpoolStore(_received.Path))
        {
            foreach (var (uid, dataSet) in instances)
            {
                await StoreDirectAsync(store, uid, dataSet);
            }

            Assert.Equal(3, store.Statistics.InstancesSpooled);
            Assert.Equal(0, store.Statistics.InstancesWrittenDirectly);
            stored = instances.ToDictionary(i => i.Uid, i => File.ReadAllBytes(store.PathFor(i.Uid)));
            records = SpooledRecords(_received.Path);
            CopyJournal(_received.Path, _afterCrash.Path);
        }

        Assert.Equal(3, records.Count);
        Directory.CreateDirectory(Path.Combine(_afterCrash.Path, InstanceSpool.FolderName));
        foreach (var (name, reference) in records)
        {
            var part10 = stored[name[..^4]];
            Assert.Equal(reference.Length, part10.Length);
            // An uncut slot still holds what its pre-written zeros were beyond the instance.
            var uncut = part10.Concat(new byte[SlotSize - part10.Length]).ToArray();
            var (path, bytes) = lost switch
            {
                "rename lost" => (Path.Combine(_afterCrash.Path, InstanceSpool.FolderName, reference.SlotName), part10),
                "cut lost" => (Path.Combine(_afterCrash.Path, name), uncut),
                _ => (Path.Combine(_afterCrash.Path, InstanceSpool.FolderName, reference.SlotName), uncut),
            };
            File.WriteAllBytes(path, bytes);
        }

        await using (var restarted = SpoolStore(_afterCrash.Path))
        {
            Assert.Equal(3, restarted.Statistics.InstancesRecovered);
            Assert.All(stored, s => Assert.Equal(s.Value, File.ReadAllBytes(restarted.PathFor(s.Key))));
            Assert.All(records, r => Assert.False(File.Exists(Path.Combine(_afterCrash.Path, InstanceSpool.FolderName, r.Reference.SlotName))));
        }

        await using var again = SpoolStore(_afterCrash.Path);
        Assert.Equal(0, again.Statistics.InstancesRecovered);
    }

    [Fact]
    public async Task A_spooled_record_whose_bytes_never_reached_the_disk_gives_way_to_the_earlier_record_of_the_instance()
    {
        var uid = DicomTestInstances.NewUid();
        var first = DataSet(8_000, 1);
        await using (var store = SpoolStore(_received.Path))
        {
            await StoreDirectAsync(store, uid, first);
            await StoreDirectAsync(store, uid, DataSet(300_000, 2));
            Assert.Equal(1, store.Statistics.InstancesJournaled);
            Assert.Equal(1, store.Statistics.InstancesSpooled);
            CopyJournal(_received.Path, _afterCrash.Path);
        }

        // The record is durable, its slot is not: the slot still holds its pre-written zeros (never acknowledged).
        var (_, reference) = Assert.Single(SpooledRecords(_afterCrash.Path));
        Directory.CreateDirectory(Path.Combine(_afterCrash.Path, InstanceSpool.FolderName));
        File.WriteAllBytes(Path.Combine(_afterCrash.Path, InstanceSpool.FolderName, reference.SlotName), new byte[SlotSize]);

        await using var restarted = SpoolStore(_afterCrash.Path);
        Assert.Equal(1, restarted.Statistics.InstancesRecovered);
        Assert.Equal(first, Part10Bytes.DataSetOf(restarted.PathFor(uid)));
    }

    [Theory]
    [InlineData(16_385)]
    [InlineData(65_536)]
    [InlineData(65_537)]
    [InlineData(131_071)]
    [InlineData(400_001)]
    [InlineData(523_900)]
    [InlineData(524_280)]
    public async Task A_spooled_instance_of_any_length_is_stored_byte_identical_and_its_slot_cut_to_it(int length)
    {
        var uid = DicomTestInstances.NewUid();
        var dataSet = DataSet(length, length);
        await using var store = SpoolStore(_received.Path);

        await StoreDirectAsync(store, uid, dataSet);

        // Slots are written in whole pages, the last one padded: the file holds the instance and nothing after it.
        Assert.Equal(dataSet, Part10Bytes.DataSetOf(store.PathFor(uid)));
        Assert.Equal(1, store.Statistics.InstancesSpooled + store.Statistics.InstancesWrittenDirectly);
    }

    [Fact]
    public async Task Spooled_instances_answered_are_all_in_place_once_the_store_is_disposed()
    {
        var instances = Enumerable.Range(0, 3).Select(i => (Uid: DicomTestInstances.NewUid(), DataSet: DataSet(100_000, i))).ToList();
        await using (var store = SpoolStore(_received.Path))
        {
            foreach (var (uid, dataSet) in instances)
            {
                Assert.True((await store.StoreAsync(Request(uid), new MemoryStream(dataSet), CancellationToken.None)).IsSuccess);
            }

            Assert.Equal(3, store.Statistics.InstancesSpooled);
        }

        Assert.All(instances, i => Assert.Equal(i.DataSet, Part10Bytes.DataSetOf(Path.Combine(_received.Path, i.Uid + ".dcm"))));
    }

    [Theory]
    [InlineData(8_000)]
    [InlineData(150_000)]
    [InlineData(1_048_576)]
    public async Task An_instance_stored_again_right_after_a_spooled_one_is_placed_after_it(int length)
    {
        var uid = DicomTestInstances.NewUid();
        var later = DataSet(length, 2);
        await using var store = SpoolStore(_received.Path);

        // No wait for the first one's placement: the second must not be overtaken by it.
        Assert.True((await store.StoreAsync(Request(uid), new MemoryStream(DataSet(300_000, 1)), CancellationToken.None)).IsSuccess);
        await StoreDirectAsync(store, uid, later);

        Assert.Equal(later, Part10Bytes.DataSetOf(store.PathFor(uid)));
    }

    [Fact]
    public async Task A_later_spooled_instance_wins_over_an_earlier_journaled_one_at_restart()
    {
        var uid = DicomTestInstances.NewUid();
        var later = DataSet(300_000, 2);
        byte[] stored;
        await using (var store = SpoolStore(_received.Path))
        {
            await StoreDirectAsync(store, uid, DataSet(8_000, 1));
            await StoreDirectAsync(store, uid, later);
            stored = File.ReadAllBytes(store.PathFor(uid));
            CopyJournal(_received.Path, _afterCrash.Path);
        }

        var (_, reference) = Assert.Single(SpooledRecords(_afterCrash.Path));
        Directory.CreateDirectory(Path.Combine(_afterCrash.Path, InstanceSpool.FolderName));
        File.WriteAllBytes(Path.Combine(_afterCrash.Path, InstanceSpool.FolderName, reference.SlotName), stored);

        await using var restarted = SpoolStore(_afterCrash.Path);
        Assert.Equal(1, restarted.Statistics.InstancesRecovered);
        Assert.Equal(later, Part10Bytes.DataSetOf(restarted.PathFor(uid)));
    }

    [Fact]
    public async Task A_cut_slot_that_no_record_names_is_removed_at_start_and_the_pool_is_full_again()
    {
        await using (var store = SpoolStore(_received.Path))
        {
            await StoreDirectAsync(store, DicomTestInstances.NewUid(), DataSet(100_000, 1));
        }

        // A short slot that no record names (one that outgrew its blocks, say): never acknowledged.
        var spool = Path.Combine(_received.Path, InstanceSpool.FolderName);
        var orphan = Path.Combine(spool, Guid.NewGuid().ToString("N") + ".slot");
        File.WriteAllBytes(orphan, new byte[100_000]);

        await using var restarted = SpoolStore(_received.Path);
        Assert.False(File.Exists(orphan));
        Assert.Equal(Spool.SpoolSlots, Directory.EnumerateFiles(spool, "*.slot").Count(f => new FileInfo(f).Length == SlotSize));
    }

    [Fact]
    public async Task An_instance_bigger_than_a_slot_is_fsynced_as_a_plain_file_and_its_slot_replaced()
    {
        var uid = DicomTestInstances.NewUid();
        var big = DataSet(2 * (int)SlotSize, 3);
        await using var store = SpoolStore(_received.Path);

        await StoreDirectAsync(store, uid, big);

        Assert.Equal(1, store.Statistics.InstancesWrittenDirectly);
        Assert.Equal(0, store.Statistics.InstancesSpooled);
        Assert.Equal(big, Part10Bytes.DataSetOf(store.PathFor(uid)));
        Assert.Empty(SpooledRecords(_received.Path));
        await WaitForFreeSlotsAsync(_received.Path, Spool.SpoolSlots);
    }

    [Fact]
    public async Task When_no_slot_is_free_instances_are_fsynced_and_the_pool_is_refilled_once_idle()
    {
        var instances = Enumerable.Range(0, 10).Select(i => (Uid: DicomTestInstances.NewUid(), DataSet: DataSet(100_000, i))).ToList();
        await using var store = SpoolStore(_received.Path);

        foreach (var (uid, dataSet) in instances)
        {
            await StoreDirectAsync(store, uid, dataSet);
        }

        Assert.Equal(10, store.Statistics.InstancesSpooled + store.Statistics.InstancesWrittenDirectly);
        Assert.True(store.Statistics.InstancesSpooled >= Spool.SpoolSlots, $"{store.Statistics.InstancesSpooled} spooled");
        Assert.Equal(store.Statistics.SpoolEmptyFallbacks, store.Statistics.InstancesWrittenDirectly);
        Assert.All(instances, i => Assert.Equal(i.DataSet, Part10Bytes.DataSetOf(store.PathFor(i.Uid))));
        await WaitForFreeSlotsAsync(_received.Path, Spool.SpoolSlots);
    }

    [Fact]
    public async Task An_aborted_spooled_instance_leaves_no_file_and_its_slot_is_used_again()
    {
        var uid = DicomTestInstances.NewUid();
        await using var store = SpoolStore(_received.Path);

        await Assert.ThrowsAsync<IOException>(async () => await store.StoreAsync(Request(uid), new FailingStream(DataSet(300_000, 1), 200_000),
            CancellationToken.None));

        Assert.False(File.Exists(store.PathFor(uid)));
        Assert.Empty(Directory.EnumerateFiles(_received.Path, "*.dcm"));
        Assert.Equal(Spool.SpoolSlots, Directory.EnumerateFiles(Path.Combine(_received.Path, InstanceSpool.FolderName), "*.slot").Count());
        await StoreDirectAsync(store, uid, DataSet(300_000, 2));
        Assert.Equal(1, store.Statistics.InstancesSpooled);
    }

    private static FileSystemInstanceStore SpoolStore(string root) =>
        new(new FileSystemInstanceStoreOptions { RootDirectory = root, Durability = DurabilityMode.WriteAheadJournal, Journal = Spool });

    /// <summary>What survives a power loss before any checkpoint: the flushed journal; slots and files are added by each test.</summary>
    private static void CopyJournal(string root, string target)
    {
        var copy = Path.Combine(target, InstanceJournal.FolderName);
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, InstanceJournal.FolderName)))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }
    }

    /// <summary>The spooled-instance records in a store's journal segments (file name and reference), read from the raw bytes.</summary>
    private static List<(string Name, SpoolReference Reference)> SpooledRecords(string root)
    {
        var records = new List<(string, SpoolReference)>();
        foreach (var segment in Directory.EnumerateFiles(Path.Combine(root, InstanceJournal.FolderName), "segment-*.log"))
        {
            var bytes = File.ReadAllBytes(segment);
            for (var offset = 0; offset + JournalRecordHeader.Size <= bytes.Length; offset += JournalRecordHeader.Alignment)
            {
                var header = bytes.AsSpan(offset);
                if (!header[..4].SequenceEqual("MTHJ"u8) || BinaryPrimitives.ReadUInt16LittleEndian(header[4..]) != (ushort)JournalRecordKind.Spooled)
                {
                    continue;
                }

                var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header[6..]);
                var payloadLength = BinaryPrimitives.ReadInt32LittleEndian(header[24..]);
                var name = System.Text.Encoding.UTF8.GetString(header.Slice(JournalRecordHeader.Size, nameLength));
                Assert.True(SpoolReference.TryRead(header.Slice(JournalRecordHeader.Size + nameLength, payloadLength), out var reference));
                records.Add((name, reference));
            }
        }

        return records;
    }

    private static async Task WaitForFreeSlotsAsync(string root, int expected)
    {
        var spool = Path.Combine(root, InstanceSpool.FolderName);
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (Directory.EnumerateFiles(spool, "*.slot").Count(f => new FileInfo(f).Length == SlotSize) == expected)
            {
                return;
            }

            await Task.Delay(25);
        }

        Assert.Fail($"The spool did not get back to {expected} free slots of {SlotSize} bytes.");
    }

    /// <summary>A data set whose connection fails part way: what an A-ABORT looks like to the handler.</summary>
    private sealed class FailingStream(byte[] bytes, int failAt) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= failAt)
            {
                throw new IOException("The association was aborted.");
            }

            var read = Math.Min(count, Math.Min(failAt, bytes.Length) - _position);
            Array.Copy(bytes, _position, buffer, offset, read);
            _position += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
