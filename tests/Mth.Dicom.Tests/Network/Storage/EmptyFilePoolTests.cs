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
/// The empty files a journaling <see cref="FileSystemInstanceStore"/> keeps ready in <c>ROOT/.blanks</c>:
/// a journaled instance's file is one of them, written and renamed into place, so that no file is
/// created while the peer waits; taken files are created again; they are never data.
/// </summary>
public sealed class EmptyFilePoolTests : IDisposable
{
    private const int PoolSize = 4;
    private readonly TemporaryDirectory _root = new();

    public void Dispose() => _root.Dispose();

    private string Blanks => Path.Combine(_root.Path, EmptyFilePool.FolderName);

    [Fact]
    public async Task A_journaled_instance_takes_a_ready_file_and_the_pool_is_filled_again()
    {
        await using var store = Store(PoolSize);
        await WaitUntilAsync(() => BlankCount() == PoolSize, "Filling the pool");
        var instances = Enumerable.Range(0, 2).Select(i => (Uid: DicomTestInstances.NewUid(), DataSet: DataSet(30_000 + i, i))).ToList();

        foreach (var (uid, dataSet) in instances)
        {
            await StoreDirectAsync(store, uid, dataSet);
        }

        Assert.Equal(instances.Count, store.Statistics.InstancesJournaled);
        Assert.Equal(0, store.Statistics.FilesCreatedWhileWaiting);
        Assert.All(instances, i => Assert.Equal(i.DataSet, Part10Bytes.DataSetOf(store.PathFor(i.Uid))));
        await WaitUntilAsync(() => BlankCount() == PoolSize, "Filling the pool");
        Assert.All(Directory.EnumerateFiles(Blanks), f => Assert.Equal(0, new FileInfo(f).Length));
    }

    [Fact]
    public async Task More_instances_than_ready_files_are_all_stored()
    {
        await using var store = Store(PoolSize);
        await WaitUntilAsync(() => BlankCount() == PoolSize, "Filling the pool");
        var instances = Enumerable.Range(0, PoolSize * 3).Select(i => (Uid: DicomTestInstances.NewUid(), DataSet: DataSet(20_000 + i, i))).ToList();

        foreach (var (uid, dataSet) in instances)
        {
            await StoreDirectAsync(store, uid, dataSet);
        }

        Assert.All(instances, i => Assert.Equal(i.DataSet, Part10Bytes.DataSetOf(store.PathFor(i.Uid))));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root.Path, PartialInstanceFile.IncomingFolderName)));
    }

    [Fact]
    public async Task Files_left_by_an_earlier_run_are_deleted_at_start_and_the_rest_at_dispose()
    {
        Directory.CreateDirectory(Blanks);
        var stale = Path.Combine(Blanks, "0123456789abcdef0123456789abcdef.blank");
        await File.WriteAllTextAsync(stale, "not empty");

        await using (var store = Store(PoolSize))
        {
            Assert.False(File.Exists(stale));
            await WaitUntilAsync(() => BlankCount() == PoolSize, "Filling the pool");
        }

        Assert.Equal(0, BlankCount());
    }

    [Fact]
    public async Task Without_a_pool_each_file_is_created_when_its_instance_arrives()
    {
        await using var store = Store(0);
        var uid = DicomTestInstances.NewUid();
        var dataSet = DataSet(25_000, 7);

        await StoreDirectAsync(store, uid, dataSet);

        Assert.Equal(dataSet, Part10Bytes.DataSetOf(store.PathFor(uid)));
        Assert.Equal(1, store.Statistics.FilesCreatedWhileWaiting);
        Assert.False(Directory.Exists(Blanks));
    }

    [Fact]
    public void A_negative_pool_size_is_refused()
    {
        var options = new InstanceJournalOptions { EmptyFiles = -1 };
        Assert.Throws<ArgumentException>(options.Validate);
    }

    private FileSystemInstanceStore Store(int emptyFiles) => new(new FileSystemInstanceStoreOptions
    {
        RootDirectory = _root.Path,
        Durability = DurabilityMode.WriteAheadJournal,
        Journal = new InstanceJournalOptions { EmptyFiles = emptyFiles, SpoolSlots = 0 },
    });

    private int BlankCount() => Directory.Exists(Blanks) ? Directory.EnumerateFiles(Blanks).Count() : 0;
}
