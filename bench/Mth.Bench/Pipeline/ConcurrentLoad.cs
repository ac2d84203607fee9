using System.Diagnostics;
using Mth.Bench.Measurement;

namespace Mth.Bench.Pipeline;

/// <summary>What a concurrent run measured: every operation's latency, the rate, and the failures.</summary>
internal sealed record LoadResult(LatencySample Latency, double OperationsPerSecond, int Failures, string? FirstFailure);

/// <summary>
/// A closed-loop load: <c>clients</c> workers, each starting its next operation as soon as its last one ended
/// (as 32 users clicking "similar" would), until <c>operations</c> operations are done. Each latency is one
/// operation's wall time as its worker saw it.
/// </summary>
internal static class ConcurrentLoad
{
    public static async Task<LoadResult> RunAsync(string name, int clients, int operations, Func<int, CancellationToken, ValueTask> operation, CancellationToken cancellationToken)
    {
        var next = -1;
        var failures = 0;
        string? firstFailure = null;
        var progress = new Progress($"{name}: {clients} clients", operations);
        var done = 0;
        var samples = Enumerable.Range(0, clients).Select(_ => new LatencySample(operations / clients + 1)).ToArray();
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(w => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < operations)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await operation(i, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    if (Interlocked.Increment(ref failures) == 1)
                    {
                        firstFailure = $"{e.GetType().Name}: {e.Message}";
                    }
                }

                samples[w].Add(start, Stopwatch.GetTimestamp());
                var count = Interlocked.Increment(ref done);
                if (w == 0)
                {
                    progress.Report(count);
                }
            }
        }, cancellationToken)).ToList();
        await Task.WhenAll(workers).ConfigureAwait(false);
        clock.Stop();
        progress.Report(operations);

        var latency = new LatencySample(operations);
        foreach (var sample in samples)
        {
            latency.AddAll(sample);
        }

        return new LoadResult(latency, operations / clock.Elapsed.TotalSeconds, failures, firstFailure);
    }
}
