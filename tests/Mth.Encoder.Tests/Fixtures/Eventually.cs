using System.Diagnostics;

namespace Mth.Encoder.Tests.Fixtures;

/// <summary>Waiting for the asynchronous pipeline to reach a state, with a bound and a message saying what was awaited.</summary>
public static class Eventually
{
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<Task<string>> describe)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"Not reached within {timeout.TotalSeconds:0} s: {await describe()}");
            }

            await Task.Delay(100);
        }
    }

    public static Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string what) =>
        HoldsAsync(condition, timeout, () => Task.FromResult(what));
}
