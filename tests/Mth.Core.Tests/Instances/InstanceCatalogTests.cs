using Mth.Core.Embedded;
using Mth.Core.Instances;
using Mth.Testing.Dicom;
using Mth.Testing.Instances;

namespace Mth.Core.Tests.Instances;

public sealed class InMemoryInstanceCatalogTests : InstanceCatalogContract
{
    protected override Task<IInstanceCatalog> CreateCatalogAsync() => Task.FromResult<IInstanceCatalog>(new InMemoryInstanceCatalog());
}

/// <summary>The embedded catalog follows the contract, keeps its records across restarts and survives a torn last write.</summary>
public sealed class EmbeddedInstanceCatalogTests : InstanceCatalogContract
{
    private readonly string _root;

    public EmbeddedInstanceCatalogTests() => _root = Owned(new TemporaryDirectory("mth-instances-")).Path;

    protected override Task<IInstanceCatalog> CreateCatalogAsync() => Task.FromResult<IInstanceCatalog>(Open(Path.Combine(_root, Guid.NewGuid().ToString("N"))));

    /// <summary>Opens the catalog in <paramref name="folder"/>, to be closed when the test ends.</summary>
    private EmbeddedInstanceCatalog Open(string folder) => Owned(EmbeddedInstanceCatalog.Open(folder));

    [Fact]
    public async Task Records_changes_and_deletions_survive_a_restart()
    {
        var folder = Path.Combine(_root, "restart");
        var study = Uid();
        var records = Enumerable.Range(0, 50).Select(_ => Record(study)).ToList();
        var catalog = Open(folder);
        await catalog.PutManyAsync(records);
        await catalog.PutAsync(records[0] with { Modality = "CT" });
        await catalog.DeleteAsync(records[1].SopInstanceUid);
        catalog.Dispose();

        var reopened = Open(folder);
        Assert.Equal(49, await reopened.CountAsync());
        Assert.Equal("CT", (await reopened.GetAsync(records[0].SopInstanceUid))!.Modality);
        Assert.Null(await reopened.GetAsync(records[1].SopInstanceUid));
        Assert.Equal(records[2], await reopened.GetAsync(records[2].SopInstanceUid));
        Assert.Equal(49, (await reopened.GetStudyInstancesAsync(study)).Count);
    }

    [Fact]
    public async Task The_order_of_recent_studies_and_their_counts_survive_a_restart()
    {
        var folder = Path.Combine(_root, "recent");
        var studies = Enumerable.Range(0, 6).Select(_ => Uid()).ToList();
        var catalog = Open(folder);
        foreach (var study in studies)
        {
            await catalog.PutManyAsync([Record(study), Record(study, modality: "CT")]);
        }

        await catalog.PutAsync(Record(studies[1], modality: "PT"));
        var before = await catalog.ListRecentStudiesAsync(10);
        catalog.Dispose();

        var after = await Open(folder).ListRecentStudiesAsync(10);
        Assert.Equal(studies[1], after[0].StudyInstanceUid);
        Assert.Equal(before.Select(s => (s.StudyInstanceUid, s.InstanceCount, s.SeriesCount, string.Join(',', s.Modalities))),
            after.Select(s => (s.StudyInstanceUid, s.InstanceCount, s.SeriesCount, string.Join(',', s.Modalities))));
    }

    [Fact]
    public async Task A_write_cut_short_by_a_crash_is_dropped_and_later_writes_are_kept()
    {
        var folder = Path.Combine(_root, "torn");
        var first = Record();
        var catalog = Open(folder);
        await catalog.PutAsync(first);
        catalog.Dispose();
        var log = Path.Combine(folder, "instances.log");
        var intact = new FileInfo(log).Length;
        await File.AppendAllTextAsync(log, "\u0040\0\0\0garbage"); // a frame claiming 64 bytes, then 7

        var reopened = Open(folder);
        Assert.Equal(first, await reopened.GetAsync(first.SopInstanceUid));
        Assert.Equal(intact, new FileInfo(log).Length);
        var second = Record();
        await reopened.PutAsync(second);
        reopened.Dispose();

        var again = Open(folder);
        Assert.Equal(2, await again.CountAsync());
        Assert.Equal(second, await again.GetAsync(second.SopInstanceUid));
    }

    [Fact]
    public async Task Damage_before_the_last_record_is_reported_not_skipped()
    {
        var folder = Path.Combine(_root, "damaged");
        var catalog = Open(folder);
        await catalog.PutAsync(Record());
        await catalog.PutAsync(Record());
        catalog.Dispose();
        var log = Path.Combine(folder, "instances.log");
        var bytes = await File.ReadAllBytesAsync(log);
        bytes[16 + 8 + 5] ^= 0xFF; // inside the first record's payload
        await File.WriteAllBytesAsync(log, bytes);
        Assert.Throws<InvalidDataException>(() => EmbeddedInstanceCatalog.Open(folder));
    }

    [Fact]
    public void A_second_process_cannot_open_the_same_folder()
    {
        var folder = Path.Combine(_root, "locked");
        Open(folder);
        Assert.Throws<IOException>(() => EmbeddedInstanceCatalog.Open(folder));
    }
}
