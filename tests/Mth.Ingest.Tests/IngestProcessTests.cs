using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mth.Contracts.V1;
using Mth.Testing.Dicom;
using Mth.Testing.DicomNetwork;
using Mth.Testing.RabbitMq;

namespace Mth.Ingest.Tests;

/// <summary>The built executable, configured as a deployment configures it: environment variables and a MTH_CONFIG file.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class IngestProcessTests : IDisposable
{
    private readonly RabbitMqFixture _broker;
    private readonly TemporaryDirectory _work = new();

    public IngestProcessTests(RabbitMqFixture broker)
    {
        _broker = broker;
    }

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task The_ingest_process_configured_by_environment_and_file_stores_announces_stops_cleanly_and_logs_no_patient_data()
    {
        var prefix = RabbitMqFixture.UniquePrefix();
        var study = await TestStudy.CreateAsync(_work, 2);
        var dicomPort = FreeTcpPort.Next();
        var httpPort = FreeTcpPort.Next();
        // The file says one port and AE title; the environment overrides the port only.
        var config = _work.File("ingest.json");
        File.WriteAllText(config, $$"""{ "Ingest": { "AeTitle": "FROM_FILE", "Port": 1, "StudyQuietPeriod": "00:00:01" } }""");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Mth.Ingest.dll"));
        start.Environment["MTH_CONFIG"] = config;
        start.Environment["Ingest__Port"] = dicomPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["InstanceStore__Root"] = _work.File("store");
        start.Environment["Messaging__RabbitMqUri"] = _broker.AmqpUri;
        start.Environment["Messaging__EndpointPrefix"] = prefix;
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}";
        start.Environment["Serilog__MinimumLevel__Default"] = "Debug";

        await using var recorder = await BusMessageRecorder.StartAsync(_broker.AmqpUri, prefix, r => r.Record<InstanceStored>().Record<StudyReceived>());
        var lines = new ConcurrentQueue<string>();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
            await WaitUntilReadyAsync(http, process, lines);

            var sent = await DcmtkProcess.RunAsync("storescu",
                ["-aec", "FROM_FILE", "127.0.0.1", dicomPort.ToString(CultureInfo.InvariantCulture), .. study.Instances.Select(i => i.Path)], StoreScu.Timeout);
            Assert.True(sent.Succeeded, sent.ToString());
            var stored = await recorder.WaitForAsync<InstanceStored>(r => r.Count >= 2, TimeSpan.FromSeconds(30));
            await recorder.WaitForAsync<StudyReceived>(r => r.Count >= 1, TimeSpan.FromSeconds(30));

            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(exit.Token);
            Assert.Equal(0, process.ExitCode);

            var log = lines.ToList();
            Assert.All(log, line => JsonDocument.Parse(line).Dispose());
            Assert.DoesNotContain(log, line => line.Contains("Synthetic", StringComparison.OrdinalIgnoreCase) || line.Contains("SYNTHETIC-0001", StringComparison.Ordinal));
            // A line written while an instance was handled carries the id its event was published with.
            foreach (var e in stored)
            {
                Assert.Contains(log, line => line.Contains("\"CorrelationId\":\"" + e.MessageId, StringComparison.Ordinal));
            }

            Assert.Contains(log, line => line.Contains("Ingest stopped", StringComparison.Ordinal));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    private static async Task WaitUntilReadyAsync(HttpClient http, Process process, ConcurrentQueue<string> lines)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            Assert.False(process.HasExited, "Ingest exited at start:\n" + string.Join('\n', lines));
            try
            {
                using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        Assert.Fail("Ingest did not become ready within 60 s:\n" + string.Join('\n', lines));
    }
}
