using Microsoft.Extensions.DependencyInjection;
using Mth.Core.Indexing;
using Mth.Core.Instances;
using Mth.Query.Search;

namespace Mth.Query.Tests.Api;

/// <summary>
/// With an index provider that searches in process (memory here, embedded in the all-in-one mode) there is nothing
/// to replicate: Replica mode searches the provider's version directly and answers as the brute force.
/// </summary>
public sealed class InProcessIndexTests
{
    [Fact]
    public async Task With_the_memory_index_the_replica_mode_searches_the_index_directly()
    {
        var registry = Directory.CreateTempSubdirectory("mth-query-registry-").FullName;
        try
        {
            await TestModels.PublishAsync(registry, "m1", SearchScenario.Bits, seed: 1);
            await using var host = new QueryServiceHost("unused:1", "unused", registry, "Replica", new Dictionary<string, string?>
            {
                ["Index:Provider"] = "Memory",
                ["Index:Redis:Configuration"] = null,
                ["Index:Redis:KeyPrefix"] = null,
            });
            var catalog = host.Services.GetRequiredService<IIndexCatalog>();
            var corpus = TestCorpus.Create(studies: 10, perStudy: 12, SearchScenario.Bits, seed: 6);
            await corpus.WriteAsync(await catalog.CreateVersionAsync("m1", new IndexVersionOptions(SearchScenario.Bits)), host.Services.GetRequiredService<IInstanceCatalog>());
            Assert.True(await catalog.TrySetActiveVersionAsync(null, "m1"));
            await host.WaitForVersionAsync("m1");
            using var client = host.CreateAuthorisedClient();

            var query = corpus.Instances[11];
            var answer = await QueryServiceHost.ReadAnswerAsync(await client.GetAsync($"/v1/instances/{query.Sop}/similar?k=15"));

            Assert.IsType<DirectVersionSearch>(host.ActiveSearch.Current!.Search);
            Assert.Equal(corpus.NearestInstances(query.Code, 15, query.Sop).Select(e => (e.Instance.Sop, e.Distance)), answer.Results.Select(r => (r.SopInstanceUid, r.Distance)));
        }
        finally
        {
            Directory.Delete(registry, recursive: true);
        }
    }
}
