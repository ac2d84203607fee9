using System.Diagnostics;
using System.Text.Json;
using Mth.Bench.Measurement;
using Mth.Core.Indexing;

namespace Mth.Bench.Index;

/// <summary>
/// Runs faiss_binary_flat.py (next to this program) on the dumped rows: Faiss IndexBinaryFlat, one query at a
/// time, one thread. Faiss orders ties its own way, so exactness here means equal distance lists.
/// </summary>
internal sealed class FaissReference(IndexBenchmarkOptions options)
{
    private string Script => Path.Combine(AppContext.BaseDirectory, "Index", "faiss_binary_flat.py");

    private bool? _available;
    private string _why = "";

    public bool IsAvailable(out string why)
    {
        if (_available is null)
        {
            (_available, _why) = Probe();
        }

        why = _why;
        return _available.Value;
    }

    private string _python = "python3";

    /// <summary>The interpreters tried in turn: $MTH_PYTHON, python3 on PATH, then Debian's own (a pyenv shim on PATH may lack python3-faiss).</summary>
    private static IEnumerable<string> Interpreters()
    {
        if (Environment.GetEnvironmentVariable("MTH_PYTHON") is { Length: > 0 } configured)
        {
            yield return configured;
        }

        yield return "python3";
        yield return "/usr/bin/python3";
    }

    private (bool, string) Probe()
    {
        if (!File.Exists(Script))
        {
            return (false, $"{Script} is missing");
        }

        foreach (var python in Interpreters())
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(python, ["-c", "import faiss, numpy"])
                {
                    RedirectStandardError = true,
                    RedirectStandardOutput = true,
                })!;
                process.WaitForExit();
                if (process.ExitCode == 0)
                {
                    _python = python;
                    return (true, "");
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed: try the next one
            }
        }

        return (false, "no python3 here imports faiss and numpy (Debian: apt-get install python3-faiss python3-numpy, or MTH_BENCH_DEPS=1 scripts/install-deps.sh; MTH_PYTHON names another interpreter)");
    }

    public async Task<MethodReport> RunAsync(string dumpDirectory, Neighbor[][] reference, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine("faiss-binary-flat: loading and querying (python3)…");
        var start = new ProcessStartInfo(_python, [Script, dumpDirectory, options.Bits.ToString(System.Globalization.CultureInfo.InvariantCulture), options.K.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"faiss_binary_flat.py failed ({process.ExitCode}): {await stderr.ConfigureAwait(false)}");
        }

        using var json = JsonDocument.Parse(await stdout.ConfigureAwait(false));
        var latency = new LatencySample(reference.Length);
        foreach (var ms in json.RootElement.GetProperty("latencies_ms").EnumerateArray())
        {
            latency.Add(0, (long)(ms.GetDouble() / 1000.0 * Stopwatch.Frequency));
        }

        var exact = true;
        var q = 0;
        foreach (var row in json.RootElement.GetProperty("distances").EnumerateArray())
        {
            var distances = row.EnumerateArray().Select(d => d.GetInt32()).ToArray();
            exact &= distances.SequenceEqual(reference[q++].Select(n => n.Distance));
        }

        return new MethodReport("faiss-binary-flat", latency.Percentile(50), latency.Percentile(99), latency.Mean,
            json.RootElement.GetProperty("build_s").GetDouble(), BytesPerItem: null, exact && q == reference.Length,
            "python3-faiss, one thread; exact = same distances (Faiss orders ties its own way)");
    }
}
