using System.Diagnostics;
using System.Text;

namespace Mth.Testing.Dicom;

/// <summary>
/// Runs dcmtk's command-line tools: the independent DICOM implementation our library is
/// checked against. The tests need dcmtk installed (scripts/install-deps.sh installs it);
/// without it they fail with a message saying so rather than pass vacuously.
/// </summary>
public static class Dcmtk
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Full path of a dcmtk tool; throws when dcmtk is not installed.</summary>
    public static string Locate(string tool) => Locate(tool, "dcmtk");

    /// <summary>Full path of a command-line tool from a Debian <paramref name="package"/>; throws, naming the package, when it is missing.</summary>
    public static string Locate(string tool, string package)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(directory, tool);
            if (directory.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"{package} tool '{tool}' not found on PATH: install {package} (apt-get install {package}, or scripts/install-deps.sh).");
    }

    /// <summary>Runs a tool and returns its exit code, standard output and standard error.</summary>
    /// <remarks>Output is read as Latin-1 (byte for byte: dcmdump prints values undecoded) except dcm2json's, which is UTF-8.</remarks>
    public static ToolResult Run(string tool, params string[] arguments) => RunFrom("dcmtk", tool, arguments);

    /// <summary>As <see cref="Run"/>, for a tool of another Debian package (GDCM's, for a second opinion).</summary>
    public static ToolResult RunFrom(string package, string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(Locate(tool, package))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = tool == "dcm2json" ? System.Text.Encoding.UTF8 : System.Text.Encoding.Latin1,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["TCP_NODELAY"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {tool}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} did not finish within {Timeout.TotalSeconds} s");
        }

        return new ToolResult(process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    /// <summary>Runs a tool and throws with its output when it fails.</summary>
    public static string RunChecked(string tool, params string[] arguments)
    {
        var result = Run(tool, arguments);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} exited with {result.ExitCode}: {result.StandardError}{result.StandardOutput}");
        }

        return result.StandardOutput;
    }

    /// <summary>
    /// dcmdump of the data set only (file meta and the "used transfer syntax" line left out),
    /// every value printed in full: two files with equal output hold equal data sets.
    /// </summary>
    public static string DumpDataSet(string path, params string[] readOptions)
    {
        var output = RunChecked("dcmdump", [.. readOptions, "+L", "+E", path]);
        var lines = output.Split('\n');
        var builder = new StringBuilder();
        var inDataSet = !output.TrimStart().StartsWith("# Dicom-File-Format", StringComparison.Ordinal);
        foreach (var line in lines)
        {
            if (line.StartsWith("# Dicom-Data-Set", StringComparison.Ordinal))
            {
                inDataSet = true;
                continue;
            }

            if (!inDataSet || line.StartsWith("# Used TransferSyntax", StringComparison.Ordinal) || line.Length == 0)
            {
                continue;
            }

            builder.Append(line).Append('\n');
        }

        return builder.ToString();
    }
}

public sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError);
