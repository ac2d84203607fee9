using System.Diagnostics;
using System.Text;

namespace Mth.Testing.DicomNetwork;

/// <summary>What a dcmtk tool printed and how it exited.</summary>
public sealed record DcmtkResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    public string Output => StandardOutput + StandardError;

    public override string ToString() => $"exit {ExitCode}\n{StandardOutput}\n{StandardError}";
}

/// <summary>
/// Finds and runs dcmtk's command-line tools (echoscu, storescu, dcmsend, storescp, dcmdump,
/// dump2dcm …), the DICOM peers nobody here wrote. Every run sets TCP_NODELAY=1: without it a
/// dcmtk peer waits 40 to 90 ms per message on loopback (Nagle plus delayed ACK).
/// </summary>
public static class DcmtkTools
{
    /// <summary>The full path of a dcmtk tool, or null when it is not installed.</summary>
    public static string? TryLocate(string tool)
    {
        var home = Environment.GetEnvironmentVariable("DCMTK_HOME");
        var directories = new List<string>();
        if (!string.IsNullOrEmpty(home))
        {
            directories.Add(Path.Combine(home, "bin"));
        }

        directories.AddRange((Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        foreach (var directory in directories)
        {
            var candidate = Path.Combine(directory, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static string Locate(string tool) =>
        TryLocate(tool) ?? throw new InvalidOperationException(
            $"dcmtk's '{tool}' was not found on PATH (or DCMTK_HOME/bin); install dcmtk (apt-get install dcmtk).");

    /// <summary>Runs a tool to completion; past <paramref name="timeout"/> it is killed and the result says so.</summary>
    public static async Task<DcmtkResult> RunAsync(string tool, IEnumerable<string> arguments, TimeSpan timeout,
        string? workingDirectory = null, CancellationToken cancellationToken = default)
    {
        using var process = Start(tool, arguments, workingDirectory);
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

    /// <summary>Starts a tool with redirected output; the caller owns the process.</summary>
    public static Process Start(string tool, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(Locate(tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["TCP_NODELAY"] = "1";
        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start {tool}.");
    }

    /// <summary>
    /// dcmdump's listing of a file's data set (file meta left out, long values printed whole),
    /// the reference for "the data set arrived equal".
    /// </summary>
    public static async Task<string> DumpDataSetAsync(string file, CancellationToken cancellationToken = default)
    {
        var result = await RunAsync("dcmdump", ["+L", "-Un", file], TimeSpan.FromSeconds(60), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"dcmdump {file} failed: {result}");
        }

        var lines = result.StandardOutput.Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith("# Dicom-Data-Set", StringComparison.Ordinal));
        return string.Join('\n', start < 0 ? lines : lines[(start + 1)..]);
    }
}
