using System.Diagnostics;

namespace Mth.Testing.Services;

/// <summary>
/// One MTH service run as a real process from its build output (<c>dotnet artifacts/bin/Mth.X/release/Mth.X.dll</c>),
/// configured by environment variables only, as a deployment runs it. Everything it prints goes to a log file, whose
/// tail failure messages carry. Stopped by its own process handle.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ServiceProcess(string name, Process process, StreamWriter log, string logPath)
    {
        Name = name;
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    /// <summary>The project run (Mth.Ingest, Mth.Encoder, Mth.Query).</summary>
    public string Name { get; }

    public string LogPath { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>CPU time the process has used so far (user and kernel, all threads).</summary>
    public TimeSpan TotalProcessorTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>
    /// The service's dll in the build output beside the caller's (artifacts/bin/&lt;project&gt;/release/), which a
    /// ProjectReference to the service builds.
    /// </summary>
    public static string Locate(string project)
    {
        var bin = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", ".."));
        foreach (var configuration in new[] { "release", "release_linux-x64", "debug" })
        {
            var dll = Path.Combine(bin, project, configuration, project + ".dll");
            if (File.Exists(dll))
            {
                return dll;
            }
        }

        throw new FileNotFoundException($"{project}.dll is not built under {bin} (dotnet build src/{project} -c Release).");
    }

    public static ServiceProcess Start(string project, IReadOnlyDictionary<string, string> environment, string logDirectory)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = logDirectory,
        };
        start.ArgumentList.Add(Locate(project));
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        Directory.CreateDirectory(logDirectory);
        var logPath = Path.Combine(logDirectory, project + ".log");
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{project} did not start.");
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServiceProcess(project, process, log, logPath);
    }

    /// <summary>Waits until GET <paramref name="url"/> answers 200 (the service's readiness), failing early, with the log, when the process exits.</summary>
    public Task WaitReadyAsync(string url, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        ChildProcess.WaitReadyAsync(_process, Name, new Uri(url), timeout, () => LogTail(), cancellationToken);

    /// <summary>The last <paramref name="lines"/> lines the service printed, headed by its name.</summary>
    public string LogTail(int lines = 60)
    {
        var all = LogLines();
        return $"--- {Name} ({(_process.HasExited ? $"exited with {_process.ExitCode}" : "running")}), last {Math.Min(lines, all.Count)} of {all.Count} log lines ---\n"
            + string.Join('\n', all.TakeLast(lines));
    }

    /// <summary>Every line the service printed so far.</summary>
    public IReadOnlyList<string> LogLines()
    {
        lock (_log)
        {
            _log.Flush();
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }

    /// <summary>SIGTERM and the exit code once the service has stopped, all it printed in the log by then.</summary>
    public Task<int> StopAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        ChildProcess.StopAsync(_process, Name, timeout, () => LogTail(), cancellationToken);

    /// <summary>Kills the process at once (SIGKILL): nothing it leaves behind is reused.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Kills the process at once and waits until it is gone, all it printed in the log.</summary>
    public async Task KillAsync()
    {
        Kill();
        await _process.WaitForExitAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }
}
