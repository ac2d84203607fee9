using System.Globalization;

namespace Mth.Bench.Dicom;

/// <summary>
/// This process's resident set (Linux /proc/self/status): sampled on a timer while something
/// runs, and the kernel's own peak (VmHWM), reset first where the kernel allows it.
/// </summary>
internal sealed class ResidentMemory : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;

    private ResidentMemory()
    {
        _sampler = Task.Run(SampleAsync);
    }

    public long PeakSampledBytes { get; private set; }

    public static bool IsAvailable => File.Exists("/proc/self/status");

    public static long CurrentBytes() => Read("VmRSS:");

    public static long KernelPeakBytes() => Read("VmHWM:");

    /// <summary>Resets VmHWM to the current RSS (writing 5 to clear_refs); false where not permitted.</summary>
    public static bool TryResetKernelPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Returns memory the runtime holds but does not use to the system, so "idle" is idle.</summary>
    public static void Settle()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    public static ResidentMemory StartSampling() => new();

    /// <summary>Stops sampling; <see cref="PeakSampledBytes"/> is final afterwards.</summary>
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _sampler;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task SampleAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            PeakSampledBytes = Math.Max(PeakSampledBytes, CurrentBytes());
            try
            {
                await Task.Delay(10, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        PeakSampledBytes = Math.Max(PeakSampledBytes, CurrentBytes());
    }

    private static long Read(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var kib = line[field.Length..].Trim().Split(' ')[0];
                return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"{field} not found in /proc/self/status.");
    }
}
