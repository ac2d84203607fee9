using Mth.Core.Indexing;

namespace Mth.Bench.Index;

/// <summary>MIH on Redis: load time, memory per item from INFO, latency of one query at a time.</summary>
internal static class RedisMethod
{
    public static Task<MethodReport?> MeasureAsync(IndexBenchmarkOptions options, BenchmarkData data, Neighbor[][] reference, List<string> notes, CancellationToken cancellationToken)
    {
        notes.Add("redis-mih: not implemented yet");
        return Task.FromResult<MethodReport?>(null);
    }
}
