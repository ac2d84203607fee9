using System.Net;
using Mth.Testing.Dicom;

namespace Mth.Standalone.Tests;

/// <summary>`./mth run` with nothing configured: in-memory bus, embedded index and instance store in one data folder, the default model.</summary>
public sealed class EmbeddedModeTests : IDisposable
{
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SearchableBound = TimeSpan.FromSeconds(30);
    private readonly TemporaryDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Pushed_DICOM_becomes_searchable_with_the_generated_key_and_answers_the_same_after_a_restart_and_after_a_reindex_of_a_lost_index()
    {
        var data = _work.File("data");
        var images = SearchProbe.Write(_work.File("images"), 8);
        var uids = images.Select(i => i.Instance.SopInstanceUid).ToList();
        var studies = images.ToDictionary(i => i.Instance.SopInstanceUid, i => i.Instance.StudyInstanceUid);
        var keyFile = Path.Combine(data, "api-key");

        Dictionary<string, SimilarAnswer> pushed;
        string key;
        await using (var process = StandaloneProcess.Run(data))
        {
            await process.WaitUntilReadyAsync(StartBound);
            var banner = await process.WaitForStderrAsync("MTH Search is running", StartBound);
            Assert.Contains("embedded mode", banner, StringComparison.Ordinal);
            Assert.Contains(keyFile, banner, StringComparison.Ordinal);
            Assert.Contains("X-Api-Key", banner, StringComparison.Ordinal);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
            key = File.ReadAllText(keyFile).Trim();
            Assert.DoesNotContain(key, process.Output, StringComparison.Ordinal);

            await SearchProbe.PushAsync(process, images.Select(i => i.Path));
            using var http = SearchProbe.Client(process, key);
            pushed = await SearchProbe.AnswersAsync(http, uids, SearchableBound, process);
            foreach (var (uid, answer) in pushed)
            {
                Assert.Equal("mth-brain-48b-s64-v2", answer.ModelVersion);
                Assert.DoesNotContain(answer.Results, r => r.SopInstanceUid == uid);
                Assert.All(answer.Results, r => Assert.Equal(studies[r.SopInstanceUid], r.StudyInstanceUid));
                Assert.All(answer.Results, r => Assert.Equal("MR", r.Modality));
            }

            using var anonymous = SearchProbe.Client(process, apiKey: null);
            Assert.Equal(HttpStatusCode.Unauthorized, (await SearchProbe.SimilarAsync(anonymous, uids[0], 3)).Status);
            using var wrongKey = SearchProbe.Client(process, "not-the-generated-key-0123456789");
            Assert.Equal(HttpStatusCode.Unauthorized, (await SearchProbe.SimilarAsync(wrongKey, uids[0], 3)).Status);

            // The data folder belongs to the running process: a reindex now is refused, with the reason.
            var refused = await StandaloneProcess.ReindexAsync(data, StartBound);
            Assert.True(refused.ExitCode != 0, refused.Stderr);
            Assert.Contains("in use by another process", refused.Stderr, StringComparison.Ordinal);

            Assert.Equal(0, await process.StopAsync());
        }

        await using (var restarted = StandaloneProcess.Run(data))
        {
            await restarted.WaitUntilReadyAsync(StartBound);
            Assert.Equal(key, File.ReadAllText(keyFile).Trim());
            using var http = SearchProbe.Client(restarted, key);
            SearchProbe.AssertSameAnswers(pushed, await SearchProbe.AnswersAsync(http, uids, SearchableBound, restarted));
            Assert.Equal(0, await restarted.StopAsync());
        }

        // The index (codes and instance records) is lost; the instance store is not.
        Directory.Delete(Path.Combine(data, "index"), recursive: true);
        var reindex = await StandaloneProcess.ReindexAsync(data, TimeSpan.FromSeconds(120));
        Assert.True(reindex.ExitCode == 0, reindex.Stderr + reindex.Stdout);
        Assert.Contains($"{uids.Count} encoded, 0 skipped (no image), 0 failed; active index version: mth-brain-48b-s64-v2", reindex.Stderr, StringComparison.Ordinal);

        await using (var rebuilt = StandaloneProcess.Run(data))
        {
            await rebuilt.WaitUntilReadyAsync(StartBound);
            using var http = SearchProbe.Client(rebuilt, key);
            // Searchable at once: the answers come from the rebuilt index, not from a re-encoding at start.
            SearchProbe.AssertSameAnswers(pushed, await SearchProbe.AnswersAsync(http, uids, TimeSpan.FromSeconds(5), rebuilt));
            Assert.Equal(0, await rebuilt.StopAsync());
        }
    }

    [Fact]
    public async Task A_reindex_of_the_active_version_refills_it_in_place_and_reports_the_counts()
    {
        var data = _work.File("data");
        var images = SearchProbe.Write(_work.File("images"), 4, firstSeed: 100);
        await using (var process = StandaloneProcess.Run(data))
        {
            await process.WaitUntilReadyAsync(StartBound);
            await SearchProbe.PushAsync(process, images.Select(i => i.Path));
            using var http = SearchProbe.Client(process, File.ReadAllText(Path.Combine(data, "api-key")).Trim());
            await SearchProbe.AnswersAsync(http, images.Select(i => i.Instance.SopInstanceUid).ToList(), SearchableBound, process);
            Assert.Equal(0, await process.StopAsync());
        }

        var reindex = await StandaloneProcess.ReindexAsync(data, TimeSpan.FromSeconds(120));
        Assert.True(reindex.ExitCode == 0, reindex.Stderr + reindex.Stdout);
        Assert.Contains("rebuilding index version mth-brain-48b-s64-v2 from the instance store (active version: mth-brain-48b-s64-v2)", reindex.Stderr, StringComparison.Ordinal);
        Assert.Contains("4 encoded, 0 skipped (no image), 0 failed", reindex.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Instances_stored_but_not_yet_encoded_when_the_process_was_killed_become_searchable_after_the_restart()
    {
        var data = _work.File("data");
        var images = SearchProbe.Write(_work.File("images"), 6, firstSeed: 200);
        var uids = images.Select(i => i.Instance.SopInstanceUid).ToList();
        // A batch window of a minute holds the stored instances in the in-memory bus and the encoder's batch.
        await using (var process = StandaloneProcess.Run(data, new Dictionary<string, string> { ["Encoder__BatchWindowMilliseconds"] = "60000" }))
        {
            await process.WaitUntilReadyAsync(StartBound);
            await SearchProbe.PushAsync(process, images.Select(i => i.Path));
            using var http = SearchProbe.Client(process, File.ReadAllText(Path.Combine(data, "api-key")).Trim());
            Assert.Equal(HttpStatusCode.NotFound, (await SearchProbe.SimilarAsync(http, uids[0], 3)).Status);
            await process.KillAsync();
        }

        Assert.All(images, i => Assert.True(File.Exists(Path.Combine(data, "instances", i.Instance.StorageKey)), "stored before C-STORE success"));
        await using (var restarted = StandaloneProcess.Run(data))
        {
            await restarted.WaitUntilReadyAsync(StartBound);
            using var http = SearchProbe.Client(restarted, File.ReadAllText(Path.Combine(data, "api-key")).Trim());
            await SearchProbe.AnswersAsync(http, uids, SearchableBound, restarted);
            Assert.Equal(0, await restarted.StopAsync());
            Assert.Contains("stored instances had no code in index version", restarted.Output, StringComparison.Ordinal);
        }
    }
}
