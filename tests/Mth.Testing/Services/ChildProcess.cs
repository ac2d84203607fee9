using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Mth.Testing.Services;

/// <summary>Waiting for a program a test started to be ready, and stopping it as a service manager does.</summary>
public static class ChildProcess
{
    /// <summary>
    /// Waits until GET <paramref name="url"/> answers 200 (the program's readiness), failing early when the process
    /// exits; failures carry <paramref name="describe"/>'s account of the program (its log).
    /// </summary>
    public static async Task WaitReadyAsync(Process process, string name, Uri url, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(describe);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited with {process.ExitCode} at start:\n{describe()}");
            }

            try
            {
                using var response = await client.GetAsync(url, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // A probe timed out: the program is still starting.
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{name} was not ready at {url} within {timeout.TotalSeconds:F0} s:\n{describe()}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>SIGTERM (what Ctrl+C and service managers send) and the exit code once the process has stopped.</summary>
    public static async Task<int> StopAsync(Process process, string name, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(describe);
        if (!process.HasExited)
        {
            using var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
            await term.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{name} did not stop within {timeout.TotalSeconds:F0} s of SIGTERM:\n{describe()}");
        }

        return process.ExitCode;
    }
}
