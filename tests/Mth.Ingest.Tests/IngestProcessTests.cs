using System.Globalization;
using System.Text.Json;
using Mth.Contracts.V1;
using Mth.Testing.Dicom;
using Mth.Testing.DicomNetwork;
using Mth.Testing.RabbitMq;
using Mth.Testing.Services;

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
        var environment = new Dictionary<string, string>
        {
            ["MTH_CONFIG"] = config,
            ["Ingest__Port"] = dicomPort.ToString(CultureInfo.InvariantCulture),
            ["InstanceStore__Root"] = _work.File("store"),
            ["Messaging__RabbitMqUri"] = _broker.AmqpUri,
            ["Messaging__EndpointPrefix"] = prefix,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}",
            ["Serilog__MinimumLevel__Default"] = "Debug",
        };

        await using var recorder = await BusMessageRecorder.StartAsync(_broker.AmqpUri, prefix, r => r.Record<InstanceStored>().Record<StudyReceived>());
        await using var process = ServiceProcess.Start("Mth.Ingest", environment, _work.File("logs"));
        await process.WaitReadyAsync($"http://127.0.0.1:{httpPort}/health/ready", TimeSpan.FromSeconds(60));

        var sent = await DcmtkProcess.RunAsync("storescu",
            ["-aec", "FROM_FILE", "127.0.0.1", dicomPort.ToString(CultureInfo.InvariantCulture), .. study.Instances.Select(i => i.Path)], StoreScu.Timeout);
        Assert.True(sent.Succeeded, sent.ToString());
        var stored = await recorder.WaitForAsync<InstanceStored>(r => r.Count >= 2, TimeSpan.FromSeconds(30));
        await recorder.WaitForAsync<StudyReceived>(r => r.Count >= 1, TimeSpan.FromSeconds(30));

        Assert.Equal(0, await process.StopAsync(TimeSpan.FromSeconds(30)));

        var log = process.LogLines();
        Assert.All(log, line => JsonDocument.Parse(line).Dispose());
        Assert.DoesNotContain(log, line => line.Contains("Synthetic", StringComparison.OrdinalIgnoreCase) || line.Contains("SYNTHETIC-0001", StringComparison.Ordinal));
        // A line written while an instance was handled carries the id its event was published with.
        foreach (var e in stored)
        {
            Assert.Contains(log, line => line.Contains("\"CorrelationId\":\"" + e.MessageId, StringComparison.Ordinal));
        }

        Assert.Contains(log, line => line.Contains("Ingest stopped", StringComparison.Ordinal));
    }
}
