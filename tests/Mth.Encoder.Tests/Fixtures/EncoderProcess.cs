using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Mth.Testing.RabbitMq;

namespace Mth.Encoder.Tests.Fixtures;

/// <summary>One line of the encoder's JSON log (Serilog compact format).</summary>
public sealed record LogLine(string Level, string Template, JsonElement Properties)
{
    public string? Property(string name) => Properties.TryGetProperty(name, out var value) ? value.ToString() : null;
}

/// <summary>
/// The built encoder (artifacts/bin/Mth.Encoder/release/Mth.Encoder.dll) run as a process, configured by
/// environment variables as in a deployment, its JSON log lines collected. <see cref="Kill"/> is SIGKILL:
/// no shutdown code runs, unacknowledged messages stay with the broker.
/// </summary>
public sealed class EncoderProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<LogLine> _lines = new();
    private readonly ConcurrentQueue<string> _other = new();

    private EncoderProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    public IReadOnlyList<LogLine> Lines => [.. _lines];

    public bool HasExited => _process.HasExited;

    public static EncoderProcess Start(IReadOnlyDictionary<string, string?> settings, string name)
    {
        var dll = RabbitMqNode.RepositoryFile(Path.Combine("artifacts", "bin", "Mth.Encoder", "release", "Mth.Encoder.dll"));
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build src/Mth.Encoder (the test project references it, so building the tests builds it).");
        }

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(dll)! };
        start.ArgumentList.Add(dll);
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["Encoder__InstanceName"] = name;
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["DOTNET_gcServer"] = "0";
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var encoder = new EncoderProcess(process, name);
        process.OutputDataReceived += (_, e) => encoder.Collect(e.Data);
        process.ErrorDataReceived += (_, e) => encoder.Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return encoder;
    }

    public async Task<LogLine> WaitForLogAsync(Func<LogLine, bool> match, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var found = _lines.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            if (watch.Elapsed > timeout || _process.HasExited)
            {
                throw new TimeoutException($"{Name}: no log line for '{what}' within {timeout.TotalSeconds:0} s{(_process.HasExited ? $" (exited with {_process.ExitCode})" : "")}. Last lines:\n{Tail()}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL, and wait until the process is gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public string Tail(int count = 15) =>
        string.Join('\n', _lines.TakeLast(count).Select(l => $"{l.Level} {l.Template} {l.Properties}").Concat(_other.TakeLast(5)));

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Collect(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            _lines.Enqueue(new LogLine(
                root.TryGetProperty("@l", out var level) ? level.GetString()! : "Information",
                root.TryGetProperty("@mt", out var template) ? template.GetString()! : "",
                root.Clone()));
        }
        catch (JsonException)
        {
            _other.Enqueue(line);
        }
    }
}
