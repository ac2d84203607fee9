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
/// The write-ahead journal of <see cref="FileSystemInstanceStore"/>: an instance acknowledged is
/// in the journal, so a crash that loses its file (never flushed) loses nothing. A crash is
/// simulated by copying the journal folder while the store runs (what the disk holds once the
/// records are flushed and no checkpoint has run), then starting a store on a folder with that
/// journal and without the files.
/// </summary>
public sealed class WriteAheadJournalTests : IDisposable
{
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(90);
    private static readonly InstanceJournalOptions NoCheckpoints = new()
    {
        CheckpointEveryRecords = int.MaxValue,
        CheckpointInterval = TimeSpan.FromHours(1),
    };

    private readonly TemporaryDirectory _files = new();
    private readonly TemporaryDirectory _received = new();
    private readonly TemporaryDirectory _afterCrash = new();

    public void Dispose()
    {
        _files.Dispose();
        _received.Dispose();
        _afterCrash.Dispose();
    }

    [Fact]
    public async Task Instances_acknowledged_to_storescu_are_restored_byte_identical_from_the_journal_after_a_crash()
    {
        var template = await DicomTestInstances.CreateAsync(_files, new TestImageSpec { Rows = 64, Columns = 64 });
        var instances = DicomTestInstances.Clone(template, Path.Combine(_files.Path, "twenty"), 20);
        Dictionary<string, byte[]> stored;
        await using (var store = JournalStore(_received.Path, NoCheckpoints))
        {
            await using var server = TestServer.Start(store);
            var result = await DcmtkProcess.RunAsync("storescu",
                ["-aec", server.AeTitle, "127.0.0.1", server.Port.ToString(), .. instances.Select(i => i.Path)], PeerTimeout);
            Assert.True(result.Succeeded, result + "\n" + server.Log);
            Assert.Equal(20, store.Statistics.InstancesJournaled);
            await store.WhenPlacedAsync();
            stored = instances.ToDictionary(i => i.SopInstanceUid, i => File.ReadAllBytes(store.PathFor(i.SopInstanceUid)));
            CrashCopy(_received.Path, _afterCrash.Path);
        }

        await using (var restarted = JournalStore(_afterCrash.Path, NoCheckpoints))
        {
            Assert.Equal(20, restarted.Statistics.InstancesRecovered);
            Assert.All(stored, s => Assert.Equal(s.Value, File.ReadAllBytes(restarted.PathFor(s.Key))));
            Assert.Equal(Dcmtk.DumpDataSet(instances[0].Path), Dcmtk.DumpDataSet(restarted.PathFor(instances[0].SopInstanceUid)));
        }

        // Replayed records were checkpointed: a second start has nothing to replay.
        await using var again = JournalStore(_afterCrash.Path, NoCheckpoints);
        Assert.Equal(0, again.Statistics.InstancesRecovered);
    }

    [Theory]
    [InlineData("payload byte flipped")]
    [InlineData("header never written")]
    public async Task A_torn_last_record_is_ignored_and_the_records_before_it_are_restored(string damage)
    {
        var instances = Enumerable.Range(0, 3).Select(i => (Uid: DicomTestInstances.NewUid(), DataSet: DataSet(10_000 + i, i))).ToList();
        await using (var store = JournalStore(_received.Path, NoCheckpoints))
        {
            foreach (var (uid, dataSet) in instances)
            {
                await StoreDirectAsync(store, uid, dataSet);
            }

            CrashCopy(_received.Path, _afterCrash.Path);
        }

        var segment = Path.Combine(_afterCrash.Path, InstanceJournal.FolderName, "segment-0.log");
        var last = RecordOffsets(segment).Max();
        var position = damage == "header never written" ? last : last + JournalRecordHeader.Size + 200;
        byte[] damaged = damage == "header never written" ? new byte[JournalRecordHeader.Size] : [(byte)~ReadByte(segment, position)];
        await using (var file = File.OpenWrite(segment))
        {
            file.Position = position;
            file.Write(damaged);
        }

        await using var restarted = JournalStore(_afterCrash.Path, NoCheckpoints);
        Assert.Equal(2, restarted.Statistics.InstancesRecovered);
        Assert.True(File.Exists(restarted.PathFor(instances[0].Uid)));
        Assert.True(File.Exists(restarted.PathFor(instances[1].Uid)));
        Assert.False(File.Exists(restarted.PathFor(instances[2].Uid)));
        Assert.Equal(instances[1].DataSet, Part10Bytes.DataSetOf(restarted.PathFor(instances[1].Uid)));
    }

    [Fact]
    public async Task Checkpointed_records_are_never_replayed_even_after_the_ring_wrapped_around()
    {
        // Writers wait for the checkpoint that frees a segment however busy the machine (the default 100 ms would let a
        // slow checkpoint send records the direct way, and the ring would not wrap as often as this test needs).
        var ring = new InstanceJournalOptions
        {
            SegmentSize = 64 * 1024, SegmentCount = 2, MaxInstanceSize = 16 * 1024, CheckpointEveryRecords = 1, RingFullWait = TimeSpan.FromSeconds(30),
        };
        var first = Enumerable.Range(0, 30).Select(i => (Uid: DicomTestInstances.NewUid(), DataSet: DataSet(8_000, i))).ToList();
        long checkpoints;
        await using (var store = JournalStore(_received.Path, ring))
        {
            foreach (var (uid, dataSet) in first)
            {
                await StoreDirectAsync(store, uid, dataSet);
            }

            Assert.Equal(first.Count, store.Statistics.InstancesJournaled);
            checkpoints = store.Statistics.Checkpoints;
        }

        // 30 records of 12 KiB (5 to a 64 KiB segment), all journaled, went round the two-segment ring three times: a
        // segment is written over only after a checkpoint passed its records, and one checkpoint frees at most both.
        Assert.True(checkpoints >= 2, $"{checkpoints} checkpoints");
        var second = Enumerable.Range(0, 3).Select(i => (Uid: DicomTestInstances.NewUid(), DataSet: DataSet(9_000, 100 + i)))
            .Append((Uid: first[0].Uid, DataSet: DataSet(7_000, 200)))
            .ToList();
        await using (var store = JournalStore(_received.Path, new InstanceJournalOptions
        {
            SegmentSize = ring.SegmentSize, SegmentCount = ring.SegmentCount, MaxInstanceSize = ring.MaxInstanceSize,
            CheckpointEveryRecords = int.MaxValue, CheckpointInterval = TimeSpan.FromHours(1),
        }))
        {
            Assert.Equal(0, store.Statistics.InstancesRecovered);
            foreach (var (uid, dataSet) in second)
            {
                await StoreDirectAsync(store, uid, dataSet);
            }

            CrashCopy(_received.Path, _afterCrash.Path);
        }

        await using var restarted = JournalStore(_afterCrash.Path, ring);
        Assert.Equal(4, restarted.Statistics.InstancesRecovered);
        Assert.Equal(4, Directory.EnumerateFiles(_afterCrash.Path, "*.dcm").Count());
        Assert.All(second, s => Assert.Equal(s.DataSet, Part10Bytes.DataSetOf(restarted.PathFor(s.Uid))));
    }

    [Fact]
    public async Task A_journal_with_a_lost_segment_replays_what_is_left_and_is_created_anew()
    {
        var ring = new InstanceJournalOptions
        {
            SegmentSize = 64 * 1024, SegmentCount = 2, MaxInstanceSize = 16 * 1024,
            CheckpointEveryRecords = int.MaxValue, CheckpointInterval = TimeSpan.FromHours(1),
        };
        // Four records of 12 KiB: all in segment 0 (a move to the next segment would start a checkpoint).
        var instances = Enumerable.Range(0, 4).Select(i => (Uid: DicomTestInstances.NewUid(), DataSet: DataSet(8_000, i))).ToList();
        await using (var store = JournalStore(_received.Path, ring))
        {
            foreach (var (uid, dataSet) in instances)
            {
                await StoreDirectAsync(store, uid, dataSet);
            }

            CrashCopy(_received.Path, _afterCrash.Path);
        }

        File.Delete(Path.Combine(_afterCrash.Path, InstanceJournal.FolderName, "segment-1.log"));
        await using (var restarted = JournalStore(_afterCrash.Path, ring))
        {
            Assert.Equal(4, restarted.Statistics.InstancesRecovered);
            Assert.All(instances, i => Assert.Equal(i.DataSet, Part10Bytes.DataSetOf(restarted.PathFor(i.Uid))));
            await StoreDirectAsync(restarted, DicomTestInstances.NewUid(), DataSet(8_000, 99));
            Assert.Equal(1, restarted.Statistics.InstancesJournaled);
        }

        Assert.Equal(64 * 1024, new FileInfo(Path.Combine(_afterCrash.Path, InstanceJournal.FolderName, "segment-1.log")).Length);
    }

    [Fact]
    public async Task Instances_above_the_journal_limit_are_spooled_and_those_above_a_spool_slot_streamed_to_their_file_and_fsynced()
    {
        var small = await DicomTestInstances.CreateAsync(_files, new TestImageSpec { Rows = 128, Columns = 128 });
        var large = await DicomTestInstances.CreateAsync(_files, new TestImageSpec { Rows = 512, Columns = 512 });
        var larger = await DicomTestInstances.CreateAsync(_files, new TestImageSpec { Rows = 1024, Columns = 1024 });
        await using var store = JournalStore(_received.Path, new InstanceJournalOptions { MaxInstanceSize = 64 * 1024, SpoolSlots = 4 });
        await using var server = TestServer.Start(store);

        var result = await DcmtkProcess.RunAsync("storescu",
            ["-aec", server.AeTitle, "127.0.0.1", server.Port.ToString(), small.Path, large.Path, larger.Path], PeerTimeout);

        Assert.True(result.Succeeded, result + "\n" + server.Log);
        Assert.Equal(1, store.Statistics.InstancesJournaled);
        Assert.Equal(1, store.Statistics.InstancesSpooled);
        Assert.Equal(1, store.Statistics.InstancesWrittenDirectly);
        await store.WhenPlacedAsync();
        Assert.All(new[] { small, large, larger }, i => Assert.Equal(Dcmtk.DumpDataSet(i.Path), Dcmtk.DumpDataSet(store.PathFor(i.SopInstanceUid))));
        Assert.All(new[] { small, large, larger }, i => Assert.Equal(Part10Bytes.DataSetOf(i.Path), Part10Bytes.DataSetOf(store.PathFor(i.SopInstanceUid))));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_received.Path, ".incoming")));
    }

    [Fact]
    public async Task A_journaled_instance_replaced_by_a_bigger_one_through_its_file_is_not_put_back_by_replay()
    {
        var uid = DicomTestInstances.NewUid();
        var bigger = DataSet(40_000, 2);
        // No spool: the bigger instance takes the fsync path (InstanceSpoolTests cover a spooled one).
        await using (var store = JournalStore(_received.Path, new InstanceJournalOptions
        {
            MaxInstanceSize = 16 * 1024, SpoolSlots = 0, CheckpointEveryRecords = int.MaxValue, CheckpointInterval = TimeSpan.FromHours(1),
        }))
        {
            await StoreDirectAsync(store, uid, DataSet(8_000, 1));
            await StoreDirectAsync(store, uid, bigger);
            Assert.Equal(1, store.Statistics.InstancesJournaled);
            Assert.Equal(1, store.Statistics.InstancesWrittenDirectly);
            CrashCopy(_received.Path, _afterCrash.Path);
            File.Copy(store.PathFor(uid), Path.Combine(_afterCrash.Path, Path.GetFileName(store.PathFor(uid))));
        }

        await using var restarted = JournalStore(_afterCrash.Path, NoCheckpoints);
        Assert.Equal(0, restarted.Statistics.InstancesRecovered);
        Assert.Equal(bigger, Part10Bytes.DataSetOf(restarted.PathFor(uid)));
    }

    [Fact]
    public async Task A_full_ring_refuses_a_record_at_once_and_takes_records_again_after_a_checkpoint()
    {
        var options = new InstanceJournalOptions
        {
            SegmentSize = 64 * 1024, SegmentCount = 2, MaxInstanceSize = 40 * 1024, RingFullWait = TimeSpan.Zero,
            CheckpointEveryRecords = int.MaxValue, CheckpointInterval = TimeSpan.FromHours(1),
        };
        var statistics = new InstanceStoreStatistics();
        var folder = Path.Combine(_received.Path, InstanceJournal.FolderName);
        await using var journal = InstanceJournal.Open(folder, options, (_, _, _) => true, () => { }, statistics, NullDicomNetworkLog.Instance);
        ReadOnlyMemory<byte>[] record = [DataSet(36 * 1024, 1)];

        var first = await journal.TryAppendAsync("a.dcm", record, CancellationToken.None);
        var second = await journal.TryAppendAsync("b.dcm", record, CancellationToken.None);
        var refused = await journal.TryAppendAsync("c.dcm", record, CancellationToken.None);
        journal.Complete(first!.Value, null);
        journal.Complete(second!.Value, null);
        journal.Checkpoint();
        var third = await journal.TryAppendAsync("c.dcm", record, CancellationToken.None);

        Assert.Null(refused);
        Assert.Equal(1, statistics.RingFullFallbacks);
        Assert.Equal(3, third);
    }

    [Fact]
    public async Task Instances_stored_while_the_ring_is_overrun_are_all_kept_either_journaled_or_fsynced()
    {
        var options = new InstanceJournalOptions { SegmentSize = 64 * 1024, SegmentCount = 2, MaxInstanceSize = 40 * 1024, RingFullWait = TimeSpan.Zero };
        var instances = Enumerable.Range(0, 40).Select(i => (Uid: DicomTestInstances.NewUid(), DataSet: DataSet(36 * 1024, i))).ToList();
        await using var store = JournalStore(_received.Path, options);

        await Parallel.ForEachAsync(instances, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (instance, _) =>
            await StoreDirectAsync(store, instance.Uid, instance.DataSet));

        Assert.Equal(40, store.Statistics.InstancesJournaled + store.Statistics.InstancesWrittenDirectly);
        Assert.Equal(store.Statistics.RingFullFallbacks, store.Statistics.InstancesWrittenDirectly);
        Assert.All(instances, i => Assert.Equal(i.DataSet, Part10Bytes.DataSetOf(store.PathFor(i.Uid))));
    }

    [Theory]
    [InlineData(8_000)]
    [InlineData(300_000)]
    public async Task An_answered_instance_that_cannot_be_put_in_place_stays_in_the_journal_and_is_placed_at_the_next_start(int length)
    {
        var blocked = DicomTestInstances.NewUid();
        var other = DicomTestInstances.NewUid();
        var dataSet = DataSet(length, 1);
        var log = new RecordingLog();
        await using (var store = new FileSystemInstanceStore(new FileSystemInstanceStoreOptions { RootDirectory = _received.Path, Journal = NoCheckpoints }, log))
        {
            // A folder where the file should go: the rename into place fails after the answer.
            Directory.CreateDirectory(store.PathFor(blocked));

            await StoreDirectAsync(store, blocked, dataSet);
            await StoreDirectAsync(store, other, DataSet(8_000, 2));

            Assert.True(log.Contains("could not be put in place", DicomLogLevel.Error), log.ToString());
            Assert.True(Directory.Exists(store.PathFor(blocked)));
            Assert.Equal(DataSet(8_000, 2), Part10Bytes.DataSetOf(store.PathFor(other)));
        }

        Directory.Delete(Path.Combine(_received.Path, blocked + ".dcm"));
        await using var restarted = JournalStore(_received.Path, NoCheckpoints);
        Assert.True(restarted.Statistics.InstancesRecovered >= 1);
        Assert.Equal(dataSet, Part10Bytes.DataSetOf(restarted.PathFor(blocked)));
    }

    private static FileSystemInstanceStore JournalStore(string root, InstanceJournalOptions journal) =>
        new(new FileSystemInstanceStoreOptions { RootDirectory = root, Durability = DurabilityMode.WriteAheadJournal, Journal = journal });

    /// <summary>What a power loss right now could leave: the flushed journal, and none of the files written since the last checkpoint.</summary>
    private static void CrashCopy(string root, string target)
    {
        var journal = Path.Combine(root, InstanceJournal.FolderName);
        var copy = Path.Combine(target, InstanceJournal.FolderName);
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.EnumerateFiles(journal))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }
    }

    /// <summary>Offsets of record headers in a segment (records start on 4 KiB boundaries with the magic "MTHJ").</summary>
    private static List<long> RecordOffsets(string segment)
    {
        var bytes = File.ReadAllBytes(segment);
        var offsets = new List<long>();
        for (var offset = 0; offset + 4 <= bytes.Length; offset += JournalRecordHeader.Alignment)
        {
            if (bytes.AsSpan(offset, 4).SequenceEqual("MTHJ"u8))
            {
                offsets.Add(offset);
            }
        }

        return offsets;
    }

    private static byte ReadByte(string path, long offset)
    {
        using var file = File.OpenRead(path);
        file.Position = offset;
        return (byte)file.ReadByte();
    }
}
