using Mth.Core.Instances;
using Xunit;

namespace Mth.Testing.Instances;

/// <summary>
/// What every <see cref="IInstanceCatalog"/> does, whatever its storage: each implementation's test class
/// derives from this and says how to make an empty catalog (handing what it opens to <see cref="OwningTests.Owned{T}"/>).
/// </summary>
public abstract class InstanceCatalogContract : OwningTests
{
    private static int s_uid;

    /// <summary>A new, empty catalog (isolated from other tests).</summary>
    protected abstract Task<IInstanceCatalog> CreateCatalogAsync();

    /// <summary>A unique, valid UID (digits and dots).</summary>
    public static string Uid() => $"1.2.826.0.1.3680043.10.1{Environment.ProcessId}.{Interlocked.Increment(ref s_uid)}.{Random.Shared.Next(1, 1_000_000)}";

    public static InstanceRecord Record(string? study = null, string? sop = null, string modality = "MR") => new()
    {
        SopInstanceUid = sop ?? Uid(),
        StudyInstanceUid = study ?? Uid(),
        SeriesInstanceUid = Uid(),
        SopClassUid = "1.2.840.10008.5.1.4.1.1.4",
        Modality = modality,
        BodyPartExamined = "BRAIN",
        StorageKey = "a/b/c.dcm",
    };

    [Fact]
    public async Task A_stored_record_is_read_back_whole()
    {
        var catalog = await CreateCatalogAsync();
        var record = Record() with { StorageKey = "1.2.3/4.5.6/7.8.9.dcm", Modality = "" , BodyPartExamined = "" };
        await catalog.PutAsync(record);
        Assert.Equal(record, await catalog.GetAsync(record.SopInstanceUid));
        Assert.Equal(1, await catalog.CountAsync());
    }

    [Fact]
    public async Task Putting_the_same_record_again_changes_nothing()
    {
        var catalog = await CreateCatalogAsync();
        var record = Record();
        await catalog.PutAsync(record);
        await catalog.PutAsync(record);
        await catalog.PutManyAsync([record, record]);
        Assert.Equal(1, await catalog.CountAsync());
        Assert.Equal([record.SopInstanceUid], await catalog.GetStudyInstancesAsync(record.StudyInstanceUid));
        Assert.Equal(record, await catalog.GetAsync(record.SopInstanceUid));
    }

    [Fact]
    public async Task A_new_record_for_the_same_instance_replaces_the_old_one()
    {
        var catalog = await CreateCatalogAsync();
        var record = Record();
        await catalog.PutAsync(record);
        var changed = record with { Modality = "CT", StorageKey = "x/y/z.dcm" };
        await catalog.PutAsync(changed);
        Assert.Equal(changed, await catalog.GetAsync(record.SopInstanceUid));
        Assert.Equal(1, await catalog.CountAsync());
    }

    [Fact]
    public async Task An_instance_moved_to_another_study_leaves_the_old_study()
    {
        var catalog = await CreateCatalogAsync();
        var record = Record();
        await catalog.PutAsync(record);
        var moved = record with { StudyInstanceUid = Uid() };
        await catalog.PutAsync(moved);
        Assert.Empty(await catalog.GetStudyInstancesAsync(record.StudyInstanceUid));
        Assert.Equal([record.SopInstanceUid], await catalog.GetStudyInstancesAsync(moved.StudyInstanceUid));
        Assert.Equal(moved, await catalog.GetAsync(record.SopInstanceUid));
        Assert.Equal(1, await catalog.CountAsync());
    }

    [Fact]
    public async Task A_study_lists_its_instances_in_ordinal_order()
    {
        var catalog = await CreateCatalogAsync();
        var study = Uid();
        var records = Enumerable.Range(0, 25).Select(_ => Record(study)).ToList();
        await catalog.PutManyAsync(records);
        await catalog.PutAsync(Record());
        Assert.Equal(records.Select(r => r.SopInstanceUid).Order(StringComparer.Ordinal), await catalog.GetStudyInstancesAsync(study));
        Assert.Empty(await catalog.GetStudyInstancesAsync(Uid()));
        Assert.Equal(26, await catalog.CountAsync());
    }

    [Fact]
    public async Task Reading_many_returns_the_records_found_and_leaves_out_the_others()
    {
        var catalog = await CreateCatalogAsync();
        var records = Enumerable.Range(0, 40).Select(i => Record(modality: i % 2 == 0 ? "MR" : "CT")).ToList();
        await catalog.PutManyAsync(records);
        var absent = Uid();
        var wanted = records.Where((_, i) => i % 3 == 0).Select(r => r.SopInstanceUid).Append(absent).ToList();
        var found = await catalog.GetManyAsync(wanted);
        Assert.Equal(wanted.Count - 1, found.Count);
        Assert.False(found.ContainsKey(absent));
        foreach (var record in records.Where((_, i) => i % 3 == 0))
        {
            Assert.Equal(record, found[record.SopInstanceUid]);
        }

        Assert.Null(await catalog.GetAsync(absent));
        Assert.Empty(await catalog.GetManyAsync([]));
    }

    [Fact]
    public async Task Deleting_removes_the_record_and_its_study_membership_and_a_second_delete_finds_nothing()
    {
        var catalog = await CreateCatalogAsync();
        var study = Uid();
        var kept = Record(study);
        var removed = Record(study);
        await catalog.PutManyAsync([kept, removed]);
        Assert.True(await catalog.DeleteAsync(removed.SopInstanceUid));
        Assert.False(await catalog.DeleteAsync(removed.SopInstanceUid));
        Assert.Null(await catalog.GetAsync(removed.SopInstanceUid));
        Assert.Equal([kept.SopInstanceUid], await catalog.GetStudyInstancesAsync(study));
        Assert.Equal(1, await catalog.CountAsync());
        await catalog.PutAsync(removed);
        Assert.Equal(removed, await catalog.GetAsync(removed.SopInstanceUid));
    }

    [Fact]
    public async Task Concurrent_writers_of_the_same_records_leave_each_record_once()
    {
        var catalog = await CreateCatalogAsync();
        var study = Uid();
        var records = Enumerable.Range(0, 30).Select(_ => Record(study)).ToList();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            foreach (var batch in records.Chunk(7))
            {
                await catalog.PutManyAsync(batch);
            }
        })));
        Assert.Equal(30, await catalog.CountAsync());
        Assert.Equal(30, (await catalog.GetStudyInstancesAsync(study)).Count);
    }

    [Fact]
    public async Task Recent_studies_list_the_last_changed_study_first_with_its_counts_and_modalities()
    {
        var catalog = await CreateCatalogAsync();
        var (first, second, third) = (Uid(), Uid(), Uid());
        var series = Uid();
        await catalog.PutManyAsync([Record(first) with { SeriesInstanceUid = series }, Record(first, modality: "PT") with { SeriesInstanceUid = series }, Record(first, modality: "CT")]);
        await catalog.PutManyAsync(Enumerable.Range(0, 3).Select(_ => Record(second, modality: "")).ToList());
        await catalog.PutAsync(Record(third));

        var recent = await catalog.ListRecentStudiesAsync(10);
        Assert.Equal([third, second, first], recent.Select(s => s.StudyInstanceUid));
        Assert.Equal((3, 2, "CT,MR,PT"), (recent[2].InstanceCount, recent[2].SeriesCount, string.Join(',', recent[2].Modalities)));
        Assert.Equal((3, 3, ""), (recent[1].InstanceCount, recent[1].SeriesCount, string.Join(',', recent[1].Modalities)));
        Assert.Equal(["MR"], recent[0].Modalities);

        await catalog.PutAsync(Record(first, modality: "US"));
        Assert.Equal([first, third], (await catalog.ListRecentStudiesAsync(2)).Select(s => s.StudyInstanceUid));
        Assert.Equal(["CT", "MR", "PT", "US"], (await catalog.ListRecentStudiesAsync(1))[0].Modalities);
    }

    [Fact]
    public async Task Storing_the_same_records_again_does_not_move_a_study_up()
    {
        var catalog = await CreateCatalogAsync();
        var older = Enumerable.Range(0, 4).Select(_ => Record(Uid())).ToList();
        var newer = Record();
        await catalog.PutManyAsync(older);
        await catalog.PutAsync(newer);
        await catalog.PutManyAsync(older);
        await catalog.PutAsync(older[0]);
        Assert.Equal(newer.StudyInstanceUid, (await catalog.ListRecentStudiesAsync(1))[0].StudyInstanceUid);
    }

    [Fact]
    public async Task Recent_studies_follow_replaced_moved_and_deleted_instances()
    {
        var catalog = await CreateCatalogAsync();
        var study = Uid();
        var a = Record(study, modality: "CT");
        var b = Record(study, modality: "MR");
        await catalog.PutManyAsync([a, b]);
        var other = Record();
        await catalog.PutAsync(other);

        // b becomes CT in a new series: the study counts follow and the study moves up.
        await catalog.PutAsync(b with { Modality = "CT", SeriesInstanceUid = a.SeriesInstanceUid });
        var top = (await catalog.ListRecentStudiesAsync(5))[0];
        Assert.Equal((study, 2, 1, "CT"), (top.StudyInstanceUid, top.InstanceCount, top.SeriesCount, string.Join(',', top.Modalities)));

        // a moves to the other study; then b is deleted: the emptied study is no longer listed.
        await catalog.PutAsync(a with { StudyInstanceUid = other.StudyInstanceUid });
        Assert.True(await catalog.DeleteAsync(b.SopInstanceUid));
        var recent = await catalog.ListRecentStudiesAsync(5);
        var remaining = Assert.Single(recent);
        Assert.Equal((other.StudyInstanceUid, 2, 2), (remaining.StudyInstanceUid, remaining.InstanceCount, remaining.SeriesCount));
        Assert.Equal(["CT", "MR"], remaining.Modalities);
    }

    [Fact]
    public async Task Many_newer_studies_emptied_by_deletes_are_passed_over()
    {
        var catalog = await CreateCatalogAsync();
        var live = Record();
        await catalog.PutAsync(live);
        var emptied = Enumerable.Range(0, 7).Select(_ => Record()).ToList();
        await catalog.PutManyAsync(emptied);
        foreach (var record in emptied)
        {
            Assert.True(await catalog.DeleteAsync(record.SopInstanceUid));
        }

        Assert.Equal(live.StudyInstanceUid, Assert.Single(await catalog.ListRecentStudiesAsync(1)).StudyInstanceUid);
        Assert.Equal(live.StudyInstanceUid, Assert.Single(await catalog.ListRecentStudiesAsync(10)).StudyInstanceUid);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(InstanceRecords.MaxStudyListLimit + 1)]
    public async Task A_study_list_limit_outside_its_bounds_is_refused(int limit)
    {
        var catalog = await CreateCatalogAsync();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await catalog.ListRecentStudiesAsync(limit));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("/abs/path.dcm")]
    [InlineData("a//b.dcm")]
    [InlineData("a\\b.dcm")]
    [InlineData("a/./b.dcm")]
    public async Task A_storage_key_that_could_leave_the_instance_store_is_refused(string key)
    {
        var catalog = await CreateCatalogAsync();
        await Assert.ThrowsAsync<ArgumentException>(async () => await catalog.PutAsync(Record() with { StorageKey = key }));
        Assert.Equal(0, await catalog.CountAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.2.{3}")]
    [InlineData("1..2")]
    [InlineData("1.2 3")]
    [InlineData("1.2.3.")]
    public async Task A_uid_that_is_not_a_dicom_uid_is_refused_before_it_reaches_storage(string uid)
    {
        var catalog = await CreateCatalogAsync();
        await Assert.ThrowsAsync<ArgumentException>(async () => await catalog.PutAsync(Record() with { StudyInstanceUid = uid }));
        await Assert.ThrowsAsync<ArgumentException>(async () => await catalog.PutAsync(Record() with { SopInstanceUid = uid }));
        await Assert.ThrowsAsync<ArgumentException>(async () => await catalog.GetAsync(uid));
        await Assert.ThrowsAsync<ArgumentException>(async () => await catalog.GetStudyInstancesAsync(uid));
        Assert.Equal(0, await catalog.CountAsync());
    }
}
