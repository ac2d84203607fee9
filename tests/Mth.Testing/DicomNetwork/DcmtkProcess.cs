using System.Diagnostics;
using System.Text;
using Mth.Testing.Dicom;

namespace Mth.Testing.DicomNetwork;

/// <summary>What a dcmtk tool printed and how it exited.</summary>
public sealed record DcmtkResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    public string Output => StandardOutput + StandardError;

    public override string ToString() => $"exit {ExitCode}\n{StandardOutput}\n{StandardError}";
}

/// <summary>
/// Runs dcmtk's network peers (echoscu, storescu, dcmsend, storescp) asynchronously, alongside
/// our own server in the same test, and as long-running processes. Tools are found with
/// <see cref="Dcmtk.Locate"/>. Every run sets TCP_NODELAY=1: without it a dcmtk peer waits 40 to
/// 90 ms per message on loopback (Nagle plus delayed ACK).
/// </summary>
public static class DcmtkProcess
{
    /// <summary>Runs a tool to completion; past <paramref name="timeout"/> it is killed and the result says so.</summary>
    public static async Task<DcmtkResult> RunAsync(string tool, IEnumerable<string> arguments, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        using var process = Start(tool, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            return new DcmtkResult(-1, await stdout.ConfigureAwait(false),
                await stderr.ConfigureAwait(false) + $"\n[{tool} killed after {timeout.TotalSeconds:0.#} s]");
        }

        return new DcmtkResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>Runs a tool and throws with its output when it fails.</summary>
    public static async Task RunCheckedAsync(string tool, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(tool, arguments, timeout, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{tool} failed: {result}");
        }
    }

    /// <summary>Starts a tool with redirected output; the caller owns the process.</summary>
    public static Process Start(string tool, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(Dcmtk.Locate(tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardErrorEncoding = System.Text.Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["TCP_NODELAY"] = "1";
        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start {tool}.");
    }
}
