using System.Diagnostics;

namespace Mth.Bench.Measurement;

/// <summary>Progress of a long phase on stderr (stdout stays clean for --json), at most twice a second.</summary>
internal sealed class Progress(string phase, long total)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastReport = -1;

    public void Report(long done)
    {
        var elapsed = _clock.ElapsedMilliseconds;
        if (done < total && elapsed - _lastReport < 500)
        {
            return;
        }

        _lastReport = elapsed;
        Console.Error.Write($"\r{phase}: {done:N0}/{total:N0} ({100.0 * done / Math.Max(total, 1):F0}%, {elapsed / 1000.0:F1} s)   ");
        if (done >= total)
        {
            Console.Error.WriteLine();
        }
    }
}
