using Mth.Testing.Redis;

namespace Mth.Query.Tests.Api;

/// <summary>
/// Similar instances and similar studies answer exactly as the brute force over the stored codes, with the
/// metadata of the instance catalog, on a single Redis and on the cluster, with either search mode.
/// </summary>
[Collection("redis")]
public sealed class SearchTests(RedisServerFixture single, RedisClusterFixture cluster) : RedisTopologyTests(single, cluster)
{
    public static TheoryData<string, string> TopologiesAndModes => new()
    {
        { "single", "Redis" }, { "single", "Replica" }, { "cluster", "Redis" }, { "cluster", "Replica" },
    };

    [Theory]
    [MemberData(nameof(TopologiesAndModes))]
    public async Task Similar_instances_are_the_brute_force_ranking_without_the_instance_itself(string topology, string mode)
    {
        await using var scenario = await SearchScenario.StartAsync(Connection(topology), Configuration(topology), NewPrefix(topology), mode);
        var corpus = scenario.Corpus;

        foreach (var (query, k) in corpus.Instances.Where((_, i) => i % 37 == 0).Select((q, i) => (q, new[] { 1, 10, 60 }[i % 3])))
        {
            var answer = await QueryServiceHost.ReadAnswerAsync(await scenario.Client.GetAsync($"/v1/instances/{query.Sop}/similar?k={k}"));

            var expected = corpus.NearestInstances(query.Code, k, except: query.Sop);
            Assert.Equal("m1", answer.ModelVersion);
            Assert.Equal("instance", answer.Level);
            Assert.True(answer.Exact);
            Assert.Equal(query.Sop, answer.Query.SopInstanceUid);
            Assert.Equal(query.Study, answer.Query.StudyInstanceUid);
            Assert.Equal(query.Code.ToHex(), answer.Query.Code);
            Assert.Equal(expected.Select((e, i) => (i + 1, e.Distance, "m1", e.Instance.Sop, e.Instance.Series, e.Instance.Study, e.Instance.Modality)),
                answer.Results.Select(r => (r.Rank, r.Distance, r.ModelVersion, r.SopInstanceUid, r.SeriesInstanceUid!, r.StudyInstanceUid!, r.Modality!)));
        }
    }

    [Theory]
    [MemberData(nameof(TopologiesAndModes))]
    public async Task Similar_studies_are_ranked_by_their_best_match_without_the_study_itself(string topology, string mode)
    {
        await using var scenario = await SearchScenario.StartAsync(Connection(topology), Configuration(topology), NewPrefix(topology), mode);
        var corpus = scenario.Corpus;

        foreach (var (study, k) in corpus.Studies.Where((_, i) => i % 5 == 0).Select((s, i) => (s, new[] { 3, 10, 30 }[i % 3])))
        {
            var answer = await QueryServiceHost.ReadAnswerAsync(await scenario.Client.GetAsync($"/v1/studies/{study}/similar?k={k}"));

            var expected = corpus.NearestStudies(study, k);
            Assert.Equal("study", answer.Level);
            Assert.True(answer.Exact);
            Assert.Equal(study, answer.Query.StudyInstanceUid);
            Assert.Equal(corpus.Instances.Where(i => i.Study == study).Select(i => i.Code).Distinct().Count(), answer.Query.QueryCodes);
            Assert.DoesNotContain(answer.Results, r => r.StudyInstanceUid == study);
            Assert.Equal(expected.Select((e, i) => (i + 1, e.Study, e.Distance, e.Sop, e.QuerySop)),
                answer.Results.Select(r => (r.Rank, r.StudyInstanceUid!, r.Distance, r.SopInstanceUid, r.QuerySopInstanceUid)));
            Assert.All(answer.Results, r => Assert.Equal(corpus[r.SopInstanceUid].Series, r.SeriesInstanceUid));
        }
    }

    [Fact]
    public async Task An_instance_written_after_the_start_is_searchable_and_found()
    {
        await using var scenario = await SearchScenario.StartAsync(Connection("single"), Configuration("single"), NewPrefix("single"), "Replica");
        var neighbour = scenario.Corpus.Instances[5];
        var fresh = new TestCorpus.Instance(TestCorpus.Uid(601, 1), TestCorpus.Uid(602, 1), TestCorpus.Uid(603, 1), "MR", neighbour.Code);
        var index = (await scenario.Catalog.OpenVersionAsync("m1"))!;

        await scenario.Instances.PutAsync(TestCorpus.Record(fresh));
        await index.UpsertAsync(fresh.Sop, fresh.Code);

        // Its own search works at once (its code is read from Redis when the replica does not have it yet)…
        var own = await QueryServiceHost.ReadAnswerAsync(await scenario.Client.GetAsync($"/v1/instances/{fresh.Sop}/similar?k=5"));
        Assert.Equal(0, own.Results[0].Distance);
        // …and it appears in others' results once the replica has applied it (within its poll interval).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var answer = await QueryServiceHost.ReadAnswerAsync(await scenario.Client.GetAsync($"/v1/instances/{neighbour.Sop}/similar?k=100"));
            if (answer.Results.Any(r => r.SopInstanceUid == fresh.Sop && r.StudyInstanceUid == fresh.Study && r.Distance == 0))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "the new instance never appeared in search results");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Results_of_instances_the_catalog_does_not_know_carry_no_metadata()
    {
        await using var scenario = await SearchScenario.StartAsync(Connection("single"), Configuration("single"), NewPrefix("single"), "Redis");
        var query = scenario.Corpus.Instances[0];
        var stranger = TestCorpus.Uid(701, 1);
        await (await scenario.Catalog.OpenVersionAsync("m1"))!.UpsertAsync(stranger, query.Code);

        var answer = await QueryServiceHost.ReadAnswerAsync(await scenario.Client.GetAsync($"/v1/instances/{query.Sop}/similar?k=50"));

        var result = Assert.Single(answer.Results, r => r.SopInstanceUid == stranger);
        Assert.Equal((0, null, null, null), (result.Distance, result.StudyInstanceUid, result.SeriesInstanceUid, result.Modality));
    }

    [Fact]
    public async Task The_default_k_is_ten()
    {
        await using var scenario = await SearchScenario.StartAsync(Connection("single"), Configuration("single"), NewPrefix("single"), "Replica");

        var answer = await QueryServiceHost.ReadAnswerAsync(await scenario.Client.GetAsync($"/v1/instances/{scenario.Corpus.Instances[3].Sop}/similar"));

        Assert.Equal(10, answer.K);
        Assert.Equal(10, answer.Results.Count);
        Assert.Equal(Enumerable.Range(1, 10), answer.Results.Select(r => r.Rank));
    }
}
