using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Mth.Core.Codes;
using Mth.Core.Indexing;
using Mth.Encoding.Images;
using Mth.Encoding.Inference;
using Mth.Encoding.Manifest;
using Mth.Query.Api;
using Mth.Testing.Redis;

namespace Mth.Query.Tests.Api;

/// <summary>
/// A model release under continuous queries: the service loads the new model and version while the old ones serve,
/// switches once, and no query fails or mixes versions; the old model is released when its last query ends.
/// </summary>
[Collection("redis")]
public sealed class ModelSwitchTests(RedisServerFixture single, RedisClusterFixture cluster) : RedisTopologyTests(single, cluster)
{
    public static TheoryData<string, string> Cases => new() { { "single", "Replica" }, { "single", "Redis" }, { "cluster", "Replica" } };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_model_switch_under_continuous_queries_fails_no_query_and_mixes_no_versions(string topology, string mode)
    {
        await using var scenario = await SearchScenario.StartAsync(Connection(topology), Configuration(topology), NewPrefix(topology), mode);
        var corpora = new Dictionary<string, TestCorpus> { ["m1"] = scenario.Corpus, ["m2"] = scenario.Corpus.Recoded(seed: 9) };
        await TestModels.PublishAsync(scenario.Registry, "m2", SearchScenario.Bits, seed: 2);
        var png = UploadImages.Png(5);
        var uploadCodes = new Dictionary<string, string> { ["m1"] = await CodeAsync(scenario, "m1", png), ["m2"] = await CodeAsync(scenario, "m2", png) };
        var old = scenario.Host.ActiveSearch.Current!;

        using var stop = new CancellationTokenSource();
        var failures = new ConcurrentQueue<string>();
        var seen = new ConcurrentQueue<(int Client, long Order, string Version)>();
        long order = 0;
        var clients = Enumerable.Range(0, 4).Select(c => Task.Run(async () =>
        {
            var random = new Random(c);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var (version, problem) = await QueryOnceAsync(scenario, corpora, uploadCodes, png, c, random);
                    seen.Enqueue((c, Interlocked.Increment(ref order), version));
                    if (problem is not null)
                    {
                        failures.Enqueue(problem);
                    }
                }
                catch (Exception e)
                {
                    failures.Enqueue($"client {c}: {e.GetType().Name}: {e.Message}");
                }
            }
        })).ToList();

        await Task.Delay(300);
        var index = await scenario.Catalog.CreateVersionAsync("m2", new IndexVersionOptions(SearchScenario.Bits) { ExpectedItems = corpora["m2"].Instances.Count });
        await index.UpsertManyAsync(corpora["m2"].Instances.Select(i => new IndexEntry(i.Sop, i.Code)).ToList());
        Assert.True(await scenario.Catalog.TrySetActiveVersionAsync("m1", "m2"));
        await scenario.Host.WaitForVersionAsync("m2");
        // The pipeline drops the old version after a grace period; queries must not notice.
        await Task.Delay(300);
        await scenario.Catalog.DropVersionAsync("m1");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (seen.Count(s => s.Version == "m2") < 40 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        await stop.CancelAsync();
        await Task.WhenAll(clients);

        Assert.Empty(failures);
        Assert.Equal(["m1", "m2"], seen.Select(s => s.Version).Distinct().Order());
        foreach (var client in seen.GroupBy(s => s.Client))
        {
            var versions = client.OrderBy(s => s.Order).Select(s => s.Version).ToList();
            var firstNew = versions.IndexOf("m2");
            Assert.True(firstNew >= 0 && versions.Skip(firstNew).All(v => v == "m2"), $"client {client.Key} went back to m1 after seeing m2");
        }

        Assert.Equal(2, scenario.Host.Follower.Switches); // the first load, then exactly one switch
        await WaitUntilAsync(() => old.IsReleased, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_version_whose_model_is_not_published_yet_leaves_the_current_one_serving_until_it_is()
    {
        await using var scenario = await SearchScenario.StartAsync(Connection("single"), Configuration("single"), NewPrefix("single"), "Replica");
        var index = await scenario.Catalog.CreateVersionAsync("m3", new IndexVersionOptions(SearchScenario.Bits));
        await index.UpsertManyAsync(scenario.Corpus.Instances.Select(i => new IndexEntry(i.Sop, i.Code)).ToList());
        Assert.True(await scenario.Catalog.TrySetActiveVersionAsync("m1", "m3"));
        await WaitUntilAsync(() => scenario.Host.Follower.LoadFailure?.Version == "m3", TimeSpan.FromSeconds(10));

        var answer = await QueryServiceHost.ReadAnswerAsync(await scenario.Client.GetAsync($"/v1/instances/{scenario.Corpus.Instances[0].Sop}/similar"));
        Assert.Equal("m1", answer.ModelVersion);
        var ready = await scenario.Client.GetAsync("/health/ready");
        Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("Degraded", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await TestModels.PublishAsync(scenario.Registry, "m3", SearchScenario.Bits, seed: 3);
        await scenario.Host.WaitForVersionAsync("m3");
        Assert.Equal("m3", (await QueryServiceHost.ReadAnswerAsync(await scenario.Client.GetAsync($"/v1/instances/{scenario.Corpus.Instances[0].Sop}/similar"))).ModelVersion);
    }

    /// <summary>One query of a random kind; checks the answer against the corpus of the version it reports.</summary>
    private static async Task<(string Version, string? Problem)> QueryOnceAsync(
        SearchScenario scenario, Dictionary<string, TestCorpus> corpora, Dictionary<string, string> uploadCodes, byte[] png, int client, Random random)
    {
        var instance = scenario.Corpus.Instances[random.Next(scenario.Corpus.Instances.Count)];
        SimilarResponse answer;
        string? problem = null;
        switch (random.Next(3))
        {
            case 0:
                answer = await QueryServiceHost.ReadAnswerAsync(await scenario.Client.GetAsync($"/v1/instances/{instance.Sop}/similar?k=5"));
                var corpus = corpora[answer.ModelVersion];
                var expected = corpus.NearestInstances(corpus[instance.Sop].Code, 5, instance.Sop).Select(e => (e.Instance.Sop, e.Distance));
                if (!expected.SequenceEqual(answer.Results.Select(r => (r.SopInstanceUid, r.Distance))))
                {
                    problem = $"client {client}: instance answer of {answer.ModelVersion} differs from its brute force";
                }

                break;
            case 1:
                answer = await QueryServiceHost.ReadAnswerAsync(await scenario.Client.GetAsync($"/v1/studies/{instance.Study}/similar?k=3"));
                var studies = corpora[answer.ModelVersion].NearestStudies(instance.Study, 3).Select(e => (e.Study, e.Distance));
                if (!studies.SequenceEqual(answer.Results.Select(r => (r.StudyInstanceUid!, r.Distance))))
                {
                    problem = $"client {client}: study answer of {answer.ModelVersion} differs from its brute force";
                }

                break;
            default:
                using (var content = new ByteArrayContent(png))
                {
                    content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
                    answer = await QueryServiceHost.ReadAnswerAsync(await scenario.Client.PostAsync("/v1/similar?k=5", content));
                }

                if (answer.Query.Code != uploadCodes[answer.ModelVersion])
                {
                    problem = $"client {client}: upload encoded by another model than {answer.ModelVersion}";
                }

                break;
        }

        if (answer.Results.Any(r => r.ModelVersion != answer.ModelVersion))
        {
            problem = $"client {client}: one answer holds results of two versions";
        }

        return (answer.ModelVersion, problem);
    }

    private static async Task<string> CodeAsync(SearchScenario scenario, string version, byte[] image)
    {
        using var encoder = HashEncoder.Open(await new ModelRegistry(scenario.Registry).OpenAsync(version), new HashEncoderOptions { ExecutionProvider = ExecutionProviderPreference.Cpu });
        return BinaryCode.FromBytes(await encoder.EncodeAsync(ImageDecoderChain.Default.Decode(image))).ToHex();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not reached within {timeout.TotalSeconds} s");
            await Task.Delay(20);
        }
    }
}
