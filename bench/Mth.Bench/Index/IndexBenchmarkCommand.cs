using System.CommandLine;

namespace Mth.Bench.Index;

/// <summary><c>./mth bench index --n N --bits B --k K --queries Q [--clustered] [--redis HOST:PORT[,…]] [--dump DIR] [--json]</c>.</summary>
internal static class IndexBenchmarkCommand
{
    public static Command Create()
    {
        var n = new Option<int>("--n") { Description = "Number of codes in the database.", Required = true };
        var bits = new Option<int>("--bits") { Description = "Code length in bits (a multiple of 8 from 16 to 256).", Required = true };
        var k = new Option<int>("--k") { Description = "Neighbours per query.", Required = true };
        var queries = new Option<int>("--queries") { Description = "Number of queries, timed one at a time.", Required = true };
        var clustered = new Option<bool>("--clustered") { Description = "Draw codes around 64 centres with 1/8 bit flips (like learned codes) instead of uniformly." };
        var redis = new Option<string?>("--redis") { Description = "Also time MIH on Redis: HOST:PORT of a single node, or several comma-separated seeds of a Redis Cluster." };
        var dump = new Option<string?>("--dump") { Description = "Write DIR/db.bin and DIR/queries.bin (raw rows of bits/8 bytes) for other tools." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout (progress stays on stderr)." };
        var seed = new Option<int>("--seed") { Description = "Random seed of the generated codes.", DefaultValueFactory = _ => 1 };
        var substrings = new Option<int?>("--substrings") { Description = "MIH substring count m (default: chosen from --n and --bits as Norouzi et al. recommend)." };
        var noFaiss = new Option<bool>("--no-faiss") { Description = "Skip the Faiss IndexBinaryFlat reference." };
        var blockingWait = new Option<int>("--redis-blocking-wait-us") { Description = "RedisIndexOptions.DirectReadBlockingWaitMicroseconds: how long a search's read waits blocked before awaiting (0: never).", DefaultValueFactory = _ => new Mth.Index.Redis.RedisIndexOptions().DirectReadBlockingWaitMicroseconds };
        var clientReads = new Option<bool>("--redis-client-reads") { Description = "Redis searches read buckets through StackExchange.Redis only (RedisIndexOptions.DirectBucketReads off), for comparison." };

        var command = new Command("index", "Exact Hamming k-NN: linear scan, in-memory MIH and MIH on Redis, against Faiss IndexBinaryFlat on the same data.")
        {
            n, bits, k, queries, clustered, redis, dump, json, seed, substrings, noFaiss, clientReads, blockingWait,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new IndexBenchmarkOptions
            {
                N = parse.GetValue(n),
                Bits = parse.GetValue(bits),
                K = parse.GetValue(k),
                Queries = parse.GetValue(queries),
                Clustered = parse.GetValue(clustered),
                Redis = (parse.GetValue(redis) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                DumpDirectory = parse.GetValue(dump),
                Json = parse.GetValue(json),
                Seed = parse.GetValue(seed),
                NoFaiss = parse.GetValue(noFaiss),
                Substrings = parse.GetValue(substrings),
                RedisClientReads = parse.GetValue(clientReads),
                RedisBlockingWaitMicroseconds = parse.GetValue(blockingWait),
            };
            try
            {
                IndexBenchmark.Validate(options);
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync($"bench index: {e.Message}").ConfigureAwait(false);
                return 2;
            }

            var report = await new IndexBenchmark(options).RunAsync(cancellationToken).ConfigureAwait(false);
            Console.WriteLine(options.Json ? report.ToJson() : report.ToText());
            return report.AllExact ? 0 : 1;
        });
        return command;
    }
}
