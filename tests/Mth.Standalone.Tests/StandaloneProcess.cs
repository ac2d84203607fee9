using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Mth.Testing.DicomNetwork;
using Mth.Testing.Services;

namespace Mth.Standalone.Tests;

/// <summary>
/// The built program (<c>dotnet Mth.Standalone.dll run|reindex …</c>, what <c>./mth run</c> executes) as a separate
/// process on free loopback ports, with its stdout (JSON logs) and stderr (banner, progress) kept for assertions.
/// </summary>
internal sealed class StandaloneProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private StandaloneProcess(Process process, int httpPort, int dicomPort)
    {
        _process = process;
        HttpPort = httpPort;
        DicomPort = dicomPort;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _stdout.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _stderr.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int HttpPort { get; }

    public int DicomPort { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}");

    public string Stderr => string.Join('\n', _stderr);

    public string Output => $"stderr:\n{Stderr}\nstdout:\n{string.Join('\n', _stdout)}";

    public static string Program => Path.Combine(AppContext.BaseDirectory, "Mth.Standalone.dll");

    /// <summary>
    /// <c>run [--data DIR]</c> on free loopback ports (null <paramref name="dataFolder"/>: the environment names it).
    /// </summary>
    public static StandaloneProcess Run(string? dataFolder, IReadOnlyDictionary<string, string>? environment = null)
    {
        var httpPort = FreeTcpPort.Next();
        var dicomPort = FreeTcpPort.Next();
        string[] data = dataFolder is null ? [] : ["--data", dataFolder];
        var start = Info(["run", .. data, "--dicom-port", dicomPort.ToString(CultureInfo.InvariantCulture), $"--urls=http://127.0.0.1:{httpPort}"], environment);
        return new StandaloneProcess(Process.Start(start)!, httpPort, dicomPort);
    }

    /// <summary><c>reindex --data DIR</c> to its end: exit code, stderr (progress), stdout (log).</summary>
    public static Task<(int ExitCode, string Stderr, string Stdout)> ReindexAsync(string dataFolder, TimeSpan timeout) =>
        ReindexAsync(["--data", dataFolder], null, timeout);

    /// <summary><c>reindex ARGS</c> with the environment to its end: exit code, stderr (progress), stdout (log).</summary>
    public static async Task<(int ExitCode, string Stderr, string Stdout)> ReindexAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout)
    {
        using var process = Process.Start(Info(["reindex", .. arguments], environment))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"reindex did not finish within {timeout}:\n{await stderr}\n{await stdout}");
        }

        return (process.ExitCode, await stderr, await stdout);
    }

    /// <summary>Waits until stderr holds <paramref name="text"/> (the banner comes right after the start).</summary>
    public async Task<string> WaitForStderrAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!Stderr.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < timeout, $"stderr never said '{text}':\n{Output}");
            await Task.Delay(50);
        }

        return Stderr;
    }

    public Task WaitUntilReadyAsync(TimeSpan timeout) =>
        ChildProcess.WaitReadyAsync(_process, "the program", new Uri(BaseAddress, "/health/ready"), timeout, () => Output);

    /// <summary>SIGTERM (what Ctrl+C and service managers send) and the exit code.</summary>
    public Task<int> StopAsync() => ChildProcess.StopAsync(_process, "the program", TimeSpan.FromSeconds(30), () => Output);

    /// <summary>SIGKILL: no stop at all, as a power cut or the OOM killer leaves it.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static ProcessStartInfo Info(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Program);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // CPU inference: the same codes on every machine the tests run on, and no CUDA probe noise.
        start.Environment["Encoder__ExecutionProvider"] = "Cpu";
        start.Environment["Query__ExecutionProvider"] = "Cpu";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return start;
    }
}
