using System.Diagnostics;
using System.Globalization;
using System.Net;
using Mth.Contracts.V1;
using Mth.Pipeline.Tests.Corpus;
using Mth.Pipeline.Tests.Pipeline;
using Xunit.Abstractions;

namespace Mth.Pipeline.Tests;

/// <summary>
/// DICOM in, similar cases out, across Ingest, Encoder and Query as real processes on real RabbitMQ and Redis with the
/// committed default model. The same specification runs on a single Redis node and on a 3-master Redis Cluster
/// (the two classes at the end); each class shares one push (<see cref="EndToEndRun"/>).
/// </summary>
public abstract class EndToEndTests(EndToEndRun run, ITestOutputHelper output)
{
    /// <summary>The stated bound: every image searchable this long after the last C-STORE response.</summary>
    public static readonly TimeSpan SearchableBound = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Same-class precision of the top 5 (self excluded) over the 40 brain queries must reach this. Derivation: the
    /// model's measured test mAP@all is 0.92 and its P@10 0.916 (models/mth-brain-48b-s64/manifest.json), so about
    /// 0.9 is expected; 40 queries x 5 = 200 judgments give a binomial standard error of about 0.02 (0.04 allowing
    /// for correlated judgments within a query), so 0.70 lies more than 5 standard errors below the expectation:
    /// a pass is certain for a working pipeline, and a broken one (wrong rendering, wrong model, codes mixed up:
    /// chance is 0.25 for 4 balanced classes) cannot reach it.
    /// </summary>
    public const double PrecisionBound = 0.70;

    private const int K = 5;

    [Fact]
    public Task Every_pushed_image_becomes_searchable_within_60_seconds_of_the_last_C_STORE_response() => ReportingLogsAsync(() =>
    {
        Assert.True(run.Push.Succeeded, $"storescu: {run.Push}");
        Assert.Empty(run.NotSearchable);
        output.WriteLine($"{run.Topology}: {run.Pushed.Count(p => p.HasImage)} images searchable {run.TimeToSearchable.TotalSeconds:F1} s after the last C-STORE response (bound {SearchableBound.TotalSeconds:F0} s)");
        Assert.True(run.TimeToSearchable <= SearchableBound, $"searchable after {run.TimeToSearchable.TotalSeconds:F1} s");
        return Task.CompletedTask;
    });

    [Fact]
    public Task An_object_without_pixel_data_is_stored_then_skipped_with_its_reason_and_never_indexed() => ReportingLogsAsync(async () =>
    {
        var report = run.Pushed.Single(p => !p.HasImage);
        var skipped = await run.Services.Messages.WaitForAsync<InstanceEncoded>(m => m.Any(e => e.Message.SopInstanceUid == report.SopInstanceUid), TimeSpan.FromSeconds(30));
        var reason = skipped.First(e => e.Message.SopInstanceUid == report.SopInstanceUid).Message.SkippedReason;
        Assert.False(string.IsNullOrWhiteSpace(reason));
        Assert.Contains("pixel data", reason, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(run.Services.LogLines("Mth.Encoder"), line => line.Contains("skipped", StringComparison.Ordinal) && line.Contains(Testing.Dicom.SyntheticInstance.BasicTextSR, StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(run.Services.Store, report.StudyInstanceUid, report.SeriesInstanceUid, report.SopInstanceUid + ".dcm")), "the report was stored");
        Assert.Equal(HttpStatusCode.NotFound, (await run.Services.SimilarInstancesAsync(report.SopInstanceUid, K)).Status);
        output.WriteLine($"skipped: {reason}");
    });

    [Fact]
    public Task Similar_instances_equal_a_brute_force_ranking_of_the_codes_the_same_model_gives_in_process() => ReportingLogsAsync(async () =>
    {
        foreach (var instance in run.Reference.Instances)
        {
            var (status, answer) = await run.Services.SimilarInstancesAsync(instance.SopInstanceUid, 10);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(run.Reference.CodeOf(instance.SopInstanceUid).ToHex(), answer!.Query.Code);
            var expected = run.Reference.NearestInstances(instance.SopInstanceUid, 10);
            Assert.Equal(expected.Select(n => (n.Instance.SopInstanceUid, n.Distance)), answer.Results.Select(r => (r.SopInstanceUid, r.Distance)));
            Assert.Equal(Enumerable.Range(1, expected.Count), answer.Results.Select(r => r.Rank));
            Assert.Equal(expected.Select(n => (n.Instance.StudyInstanceUid, n.Instance.SeriesInstanceUid, n.Instance.Modality)),
                answer.Results.Select(r => (r.StudyInstanceUid!, r.SeriesInstanceUid!, r.Modality!)));
            Assert.All(answer.Results, r => Assert.Equal(answer.ModelVersion, r.ModelVersion));
        }
    });

    [Fact]
    public Task Same_class_neighbours_come_first_about_as_often_as_the_models_measured_map_predicts() => ReportingLogsAsync(async () =>
    {
        var labels = run.Brain.ToDictionary(b => b.SopInstanceUid, b => b.Label);
        var (relevant, judged) = (0, 0);
        foreach (var query in run.Brain)
        {
            var (status, answer) = await run.Services.SimilarInstancesAsync(query.SopInstanceUid, K);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(K, answer!.Results.Count);
            Assert.DoesNotContain(answer.Results, r => r.SopInstanceUid == query.SopInstanceUid);
            relevant += answer.Results.Count(r => labels.GetValueOrDefault(r.SopInstanceUid) == query.Label);
            judged += K;
        }

        var precision = (double)relevant / judged;
        output.WriteLine($"{run.Topology}: same-class precision of the top {K} over {run.Brain.Count} queries: {precision:F3} ({relevant}/{judged}); bound {PrecisionBound:F2}");
        Assert.True(precision >= PrecisionBound, $"same-class precision@{K} {precision:F3} < {PrecisionBound}");
    });

    [Fact]
    public Task Similar_studies_are_ranked_by_their_best_matching_instance() => ReportingLogsAsync(async () =>
    {
        foreach (var study in run.Brain.Select(b => b.StudyInstanceUid).Distinct())
        {
            var (status, answer) = await run.Services.SimilarStudiesAsync(study, 4);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(answer!.Exact);
            var expected = run.Reference.NearestStudies(study, 4);
            Assert.Equal(expected.Select(m => (m.StudyInstanceUid, m.Instance.SopInstanceUid, m.QueryInstance.SopInstanceUid, m.Distance)),
                answer.Results.Select(r => (r.StudyInstanceUid!, r.SopInstanceUid, r.QuerySopInstanceUid!, r.Distance)));
        }
    });

    [Fact]
    public Task A_model_release_re_encodes_everything_while_a_client_queries_with_no_failure_and_one_switch_of_version() => ReportingLogsAsync(async () =>
    {
        var services = run.Services;
        var first = await services.Catalog.GetActiveVersionAsync();
        Assert.Equal(services.Model.Manifest.Version, first);
        var probes = run.Brain.ToArray();
        var expected = probes.ToDictionary(p => p.SopInstanceUid, p => run.Reference.NearestInstances(p.SopInstanceUid, K).Select(n => (n.Instance.SopInstanceUid, n.Distance)).ToList());

        using var stop = new CancellationTokenSource();
        var log = new QueryLog();
        var client = Task.Run(() => QueryContinuouslyAsync(services, probes, expected, log, stop.Token));
        string second;
        TimeSpan switched;
        try
        {
            await Task.Delay(500);
            var clock = Stopwatch.StartNew();
            second = (await services.ReleaseCommittedModelAsAsync(first + "-rereleased")).Manifest.Version;

            var indexed = run.Reference.Instances.Select(i => i.SopInstanceUid).ToList();
            await Eventually(async () => await services.Catalog.GetActiveVersionAsync() == second, "the new version active");
            switched = clock.Elapsed;
            var version = (await services.Catalog.OpenVersionAsync(second))!;
            Assert.Equal(indexed.Count, await version.CountAsync());
            foreach (var sop in indexed)
            {
                Assert.Equal(run.Reference.CodeOf(sop), await version.GetCodeAsync(sop));
            }

            await Eventually(() => Task.FromResult(client.IsCompleted || log.LastVersion == second), "the client answered from the new version");
            await Task.Delay(1000);
        }
        finally
        {
            await stop.CancelAsync();
            await client;
        }

        await Eventually(async () => await services.Catalog.OpenVersionAsync(first!) is null, "the previous version dropped after its grace period");

        output.WriteLine($"{run.Topology}: {log.Count} queries during the release, {log.Failures.Count} failed; versions seen {string.Join(" -> ", log.Versions)}; switched {switched.TotalSeconds:F1} s after publishing");
        Assert.Empty(log.Failures);
        Assert.Equal([first!, second], log.Versions);
        Assert.True(log.Count >= 20, $"only {log.Count} queries ran during the release");
        var progress = services.Messages.Received<ReencodingProgress>().Where(m => m.Message.ModelVersion == second).Select(m => m.Message.Phase).ToList();
        Assert.Equal(1, progress.Count(p => p == ReencodingPhase.Activated));
    });

    /// <summary>What a clinician's client does during a release: ask for similar cases again and again; every answer must be right.</summary>
    private static async Task QueryContinuouslyAsync(PipelineServices services, PushedInstance[] probes,
        Dictionary<string, List<(string, int)>> expected, QueryLog log, CancellationToken stop)
    {
        var random = new Random(5);
        while (!stop.IsCancellationRequested)
        {
            var probe = probes[random.Next(probes.Length)];
            try
            {
                var (status, answer) = await services.SimilarInstancesAsync(probe.SopInstanceUid, K, CancellationToken.None);
                if (status != HttpStatusCode.OK)
                {
                    log.Failures.Add($"HTTP {(int)status}");
                }
                else
                {
                    if (!answer!.Results.Select(r => (r.SopInstanceUid, r.Distance)).SequenceEqual(expected[probe.SopInstanceUid]))
                    {
                        log.Failures.Add($"{answer.ModelVersion}: another answer than the reference ranking");
                    }

                    if (log.LastVersion != answer.ModelVersion)
                    {
                        log.Versions.Add(answer.ModelVersion);
                        log.LastVersion = answer.ModelVersion;
                    }
                }
            }
            catch (HttpRequestException exception)
            {
                log.Failures.Add(exception.Message);
            }
            catch (TaskCanceledException)
            {
                log.Failures.Add("no answer within the client's timeout");
            }

            log.Count++;
            // About a hundred queries a second: continuous, while leaving the two CI cores to the re-encoding.
            await Task.Delay(10, CancellationToken.None);
        }
    }

    private async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(90))
            {
                throw new TimeoutException($"Not reached within 90 s: {what}.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Runs a test; when it fails, the services' logs go to the test output.</summary>
    private async Task ReportingLogsAsync(Func<Task> test)
    {
        try
        {
            await test();
        }
        catch
        {
            output.WriteLine(run.Services?.LogTails() ?? "the services did not start");
            throw;
        }
    }

    /// <summary>Written by the client loop only; the test reads <see cref="LastVersion"/> while it runs and the rest once it ended.</summary>
    private sealed class QueryLog
    {
        private string? _lastVersion;

        public int Count { get; set; }

        public List<string> Failures { get; } = [];

        public List<string> Versions { get; } = [];

        public string? LastVersion
        {
            get => Volatile.Read(ref _lastVersion);
            set => Volatile.Write(ref _lastVersion, value);
        }
    }
}

[Collection(PipelineCollection.Name)]
public sealed class OnSingleRedis(SingleNodeRun run, ITestOutputHelper output) : EndToEndTests(run, output), IClassFixture<SingleNodeRun>;

[Collection(PipelineCollection.Name)]
public sealed class OnRedisCluster(ClusterRun run, ITestOutputHelper output) : EndToEndTests(run, output), IClassFixture<ClusterRun>;

/// <summary>The pipeline runs one at a time: two at once would share two cores and blur the timings.</summary>
[CollectionDefinition(Name)]
public sealed class PipelineCollection
{
    public const string Name = "pipeline";
}
