using System.Diagnostics;

namespace Mth.Bench.Measurement;

/// <summary>Progress of a long phase on stderr (stdout stays clean for --json), at most twice a second.</summary>
internal sealed class Progress(string phase, long total)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastReport = -1;

    /// <param name="done">Units done so far.</param>
    /// <param name="detail">Appended to the line (e.g. a second count that moves with the first).</param>
    /// <param name="final">Ends the line even while <paramref name="done"/> is short of the total (the phase ended early).</param>
    public void Report(long done, string? detail = null, bool final = false)
    {
        var elapsed = _clock.ElapsedMilliseconds;
        if (done < total && !final && elapsed - _lastReport < 500)
        {
            return;
        }

        _lastReport = elapsed;
        Console.Error.Write($"\r{phase}: {done:N0}/{total:N0} ({100.0 * done / Math.Max(total, 1):F0}%, {elapsed / 1000.0:F1} s){(detail is null ? "" : ", " + detail)}   ");
        if (done >= total || final)
        {
            Console.Error.WriteLine();
        }
    }
}
