using Mth.Core.Codes;
using Mth.Core.Indexing;
using Mth.Testing.Indexing;

namespace Mth.Core.Tests.Indexing;

/// <summary>In-memory indexes serve searches while a writer changes them.</summary>
public sealed class ConcurrentAccessTests
{
    [Theory]
    [InlineData("linear")]
    [InlineData("mih")]
    public async Task Readers_see_well_formed_answers_while_a_writer_inserts_updates_and_deletes(string method)
    {
        var index = ExactSearchTests.Create(method, 64, 5000);
        var codes = SyntheticCodes.Clustered(64, 21).Take(6000);
        await index.UpsertManyAsync(codes.Take(3000).Select((c, i) => new IndexEntry(IndexWorkload.Id(i), c)).ToList());
        using var stop = new CancellationTokenSource();

        var writer = Task.Run(async () =>
        {
            var random = new Random(4);
            for (var op = 0; op < 4000; op++)
            {
                var i = random.Next(6000);
                if (random.Next(4) == 0)
                {
                    await index.DeleteAsync(IndexWorkload.Id(i));
                }
                else
                {
                    await index.UpsertAsync(IndexWorkload.Id(i), codes[random.Next(codes.Length)]);
                }
            }

            await stop.CancelAsync();
        });
        var readers = Enumerable.Range(0, 3).Select(r => Task.Run(async () =>
        {
            var searches = 0;
            while (!stop.IsCancellationRequested || searches == 0)
            {
                var query = codes[(r * 997 + searches) % codes.Length];
                var nearest = await index.SearchNearestAsync(query, 10);
                Assert.InRange(nearest.Count, 1, 10);
                Assert.Equal(nearest.Order(NeighborOrder.Instance), nearest);
                Assert.Equal(nearest.Count, nearest.Select(n => n.Id).Distinct().Count());
                var within = await index.SearchRadiusAsync(query, 6);
                Assert.All(within, n => Assert.InRange(n.Distance, 0, 6));
                searches++;
            }

            return searches;
        })).ToArray();

        await writer;
        Assert.All(await Task.WhenAll(readers), searches => Assert.True(searches > 0));

        // Once quiet, the index agrees with the brute force built from what it says it holds.
        var truth = new BruteForce();
        await foreach (var id in index.EnumerateIdsAsync())
        {
            truth.Upsert(id, (await index.GetCodeAsync(id))!);
        }

        await IndexWorkload.CheckSearchesAsync(index, truth, codes.Take(10).ToArray(), [1, 10, 100], [0, 5], method);
    }
}
