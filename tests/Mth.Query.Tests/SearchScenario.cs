using Mth.Core.Indexing;
using Mth.Index.Redis;
using StackExchange.Redis;

namespace Mth.Query.Tests;

/// <summary>
/// One test's world: a model registry folder with model "m1", index version "m1" in Redis holding the corpus
/// (codes through the index, records through the instance catalog) and made active, and the query service on it.
/// </summary>
internal sealed class SearchScenario : IAsyncDisposable
{
    public const int Bits = 64;

    private SearchScenario(string registry, RedisIndexCatalog catalog, RedisInstanceCatalog instances, TestCorpus corpus, QueryServiceHost host)
    {
        Registry = registry;
        Catalog = catalog;
        Instances = instances;
        Corpus = corpus;
        Host = host;
        Client = host.CreateAuthorisedClient();
    }

    public string Registry { get; }

    public RedisIndexCatalog Catalog { get; }

    public RedisInstanceCatalog Instances { get; }

    public TestCorpus Corpus { get; }

    public QueryServiceHost Host { get; }

    public HttpClient Client { get; }

    public static async Task<SearchScenario> StartAsync(
        IConnectionMultiplexer connection, string configuration, string prefix, string search, TestCorpus? corpus = null,
        IDictionary<string, string?>? settings = null, bool activate = true)
    {
        corpus ??= TestCorpus.Create(studies: 24, perStudy: 20, Bits, seed: 4);
        var registry = Directory.CreateTempSubdirectory("mth-query-registry-").FullName;
        await TestModels.PublishAsync(registry, "m1", Bits, seed: 1);
        var catalog = new RedisIndexCatalog(connection, new RedisIndexOptions { KeyPrefix = prefix });
        var instances = new RedisInstanceCatalog(connection, prefix);
        var index = await catalog.CreateVersionAsync("m1", new IndexVersionOptions(Bits) { ExpectedItems = corpus.Instances.Count });
        await corpus.WriteAsync(index, instances);
        if (activate)
        {
            Assert.True(await catalog.TrySetActiveVersionAsync(null, "m1"));
        }

        var host = new QueryServiceHost(configuration, prefix, registry, search, settings);
        var scenario = new SearchScenario(registry, catalog, instances, corpus, host);
        if (activate)
        {
            await host.WaitForVersionAsync("m1");
        }
        else
        {
            _ = host.Server;
        }

        return scenario;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        Directory.Delete(Registry, recursive: true);
    }
}
