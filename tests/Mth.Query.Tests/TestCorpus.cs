using Mth.Core.Codes;
using Mth.Core.Indexing;
using Mth.Core.Instances;
using Mth.Encoding.Manifest;
using Mth.Testing.Models;

namespace Mth.Query.Tests;

/// <summary>
/// Stored instances for API tests: studies of several series, clustered codes with many exact duplicates
/// (ties), written through the real index and instance catalog, and the brute-force answers the API must give.
/// </summary>
internal sealed class TestCorpus
{
    public sealed record Instance(string Sop, string Series, string Study, string Modality, BinaryCode Code);

    private TestCorpus(IReadOnlyList<Instance> instances) => Instances = instances;

    public IReadOnlyList<Instance> Instances { get; }

    public Instance this[string sop] => Instances.Single(i => i.Sop == sop);

    public IEnumerable<string> Studies => Instances.Select(i => i.Study).Distinct();

    public static string Uid(int root, int i) => $"1.2.826.0.1.3680043.10.{root}.{i}";

    /// <summary><paramref name="studies"/> studies of 2 series each, <paramref name="perStudy"/> instances per study.</summary>
    public static TestCorpus Create(int studies, int perStudy, int bits, int seed)
    {
        var random = new Random(seed);
        var distinct = SyntheticCodes.Clustered(bits, seed).Take(studies * perStudy / 3 + 1);
        var instances = new List<Instance>();
        for (var s = 0; s < studies; s++)
        {
            for (var i = 0; i < perStudy; i++)
            {
                var n = s * perStudy + i;
                instances.Add(new Instance(Uid(501, n), Uid(502, s * 2 + i % 2), Uid(503, s), s % 3 == 0 ? "CT" : "MR", distinct[random.Next(distinct.Length)]));
            }
        }

        return new TestCorpus(instances);
    }

    /// <summary>The same instances with other codes (what another model would make of them).</summary>
    public TestCorpus Recoded(int seed)
    {
        var random = new Random(seed);
        var distinct = SyntheticCodes.Clustered(Instances[0].Code.Bits, seed).Take(Instances.Count / 3 + 1);
        return new TestCorpus(Instances.Select(i => i with { Code = distinct[random.Next(distinct.Length)] }).ToList());
    }

    public async Task WriteAsync(IHammingIndex index, IInstanceCatalog catalog)
    {
        await index.UpsertManyAsync(Instances.Select(i => new IndexEntry(i.Sop, i.Code)).ToList());
        await catalog.PutManyAsync(Instances.Select(Record).ToList());
    }

    public static InstanceRecord Record(Instance i) => new()
    {
        SopInstanceUid = i.Sop,
        SeriesInstanceUid = i.Series,
        StudyInstanceUid = i.Study,
        SopClassUid = "1.2.840.10008.5.1.4.1.1.4",
        Modality = i.Modality,
        StorageKey = $"{i.Study}/{i.Series}/{i.Sop}.dcm",
    };

    /// <summary>Brute force: every other instance by (distance, SOP Instance UID).</summary>
    public List<(Instance Instance, int Distance)> NearestInstances(BinaryCode query, int k, string? except = null) =>
        Instances.Where(i => i.Sop != except)
            .Select(i => (Instance: i, Distance: query.DistanceTo(i.Code)))
            .OrderBy(p => p.Distance).ThenBy(p => p.Instance.Sop, StringComparer.Ordinal)
            .Take(k)
            .ToList();

    /// <summary>
    /// Brute force of the study ranking: over every pair (query instance, other study's instance) the smallest
    /// (distance, instance UID, query UID) per study; studies by (distance, Study Instance UID).
    /// </summary>
    public List<(string Study, int Distance, string Sop, string? QuerySop)> NearestStudies(IReadOnlyList<(BinaryCode Code, string? QuerySop)> queries, int k, string? exceptStudy = null) =>
        Instances.Where(i => i.Study != exceptStudy)
            .SelectMany(i => queries.Select(q => (i.Study, Distance: q.Code.DistanceTo(i.Code), i.Sop, q.QuerySop)))
            .GroupBy(p => p.Study)
            .Select(g => g.OrderBy(p => p.Distance).ThenBy(p => p.Sop, StringComparer.Ordinal).ThenBy(p => p.QuerySop, StringComparer.Ordinal).First())
            .OrderBy(p => p.Distance).ThenBy(p => p.Study, StringComparer.Ordinal)
            .Take(k)
            .ToList();

    public List<(string Study, int Distance, string Sop, string? QuerySop)> NearestStudies(string study, int k) =>
        NearestStudies(Instances.Where(i => i.Study == study).Select(i => (i.Code, (string?)i.Sop)).ToList(), k, study);
}

/// <summary>Tiny real ONNX models published to a registry folder, one per version.</summary>
internal static class TestModels
{
    public const int InputSize = 16;

    public static async Task<ModelPackage> PublishAsync(string registry, string version, int bits, int seed)
    {
        var staging = Directory.CreateTempSubdirectory("mth-query-model-").FullName;
        try
        {
            var package = await new TinyOnnxModel(InputSize, bits, seed).CreatePackageAsync(staging, version);
            return (await new ModelRegistry(registry).PublishAsync(package)).Package;
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }
}
