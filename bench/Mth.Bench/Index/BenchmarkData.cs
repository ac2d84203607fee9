using Mth.Core.Codes;

namespace Mth.Bench.Index;

/// <summary>The database and the queries of one run, as packed words (8 bytes per 64 bits, no object per code).</summary>
internal sealed class BenchmarkData
{
    /// <summary>Warm-up queries: drawn like the timed ones but distinct from them, so no timed query finds its buckets in a cache.</summary>
    private const int WarmupQueryCount = 256;

    private readonly ulong[] _warmupQueries;

    private BenchmarkData(int bits, ulong[] database, ulong[] queries, ulong[] warmupQueries)
    {
        Bits = bits;
        WordsPerCode = BinaryCode.WordCount(bits);
        Database = database;
        Queries = queries;
        _warmupQueries = warmupQueries;
    }

    public int Bits { get; }

    public int WordsPerCode { get; }

    public ulong[] Database { get; }

    public ulong[] Queries { get; }

    public int Count => Database.Length / WordsPerCode;

    public int QueryCount => Queries.Length / WordsPerCode;

    public static BenchmarkData Generate(IndexBenchmarkOptions options)
    {
        // One stream: the queries are the draws after the database's, so (clustered) they share its centres
        // without being copies of database codes.
        var source = options.Clustered ? SyntheticCodes.Clustered(options.Bits, options.Seed) : SyntheticCodes.Uniform(options.Bits, options.Seed);
        var db = new ulong[(long)options.N * source.WordsPerCode];
        source.Fill(db);
        var q = new ulong[options.Queries * source.WordsPerCode];
        source.Fill(q);
        var warmup = new ulong[WarmupQueryCount * source.WordsPerCode];
        source.Fill(warmup);
        return new BenchmarkData(options.Bits, db, q, warmup);
    }

    /// <summary>The synthetic SOP Instance UID of item i (a fresh string per call, so each index owns its ids).</summary>
    public static string ItemId(int i) => $"1.2.826.0.1.3680043.10.999.{i}";

    public BinaryCode DatabaseCode(int i) => BinaryCode.FromWords(Database.AsSpan(i * WordsPerCode, WordsPerCode), Bits);

    public BinaryCode Query(int i) => BinaryCode.FromWords(Queries.AsSpan(i * WordsPerCode, WordsPerCode), Bits);

    /// <summary>The i-th warm-up query, cycling through the warm-up draws.</summary>
    public BinaryCode WarmupQuery(int i)
    {
        var row = i % (_warmupQueries.Length / WordsPerCode);
        return BinaryCode.FromWords(_warmupQueries.AsSpan(row * WordsPerCode, WordsPerCode), Bits);
    }

    /// <summary>Writes <c>db.bin</c> and <c>queries.bin</c>: raw rows of bits/8 bytes in the project's code convention.</summary>
    public void Dump(string directory)
    {
        Directory.CreateDirectory(directory);
        Write(Path.Combine(directory, "db.bin"), Database);
        Write(Path.Combine(directory, "queries.bin"), Queries);
    }

    private void Write(string path, ulong[] words)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var row = new byte[Bits / 8];
        for (var at = 0; at < words.Length; at += WordsPerCode)
        {
            BinaryCode.UnpackWords(words.AsSpan(at, WordsPerCode), row);
            file.Write(row);
        }
    }
}
