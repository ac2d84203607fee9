using System.Net;
using System.Text.Json;
using Mth.Testing.Dicom;
using Mth.Testing.DicomNetwork;
using Mth.Testing.Redis;
using Mth.Testing.Services;

namespace Mth.Query.Tests.Api;

/// <summary>The built executable, configured as a deployment configures it: environment variables only.</summary>
[Collection("redis")]
public sealed class QueryProcessTests(RedisServerFixture single, RedisClusterFixture cluster) : RedisTopologyTests(single, cluster)
{
    [Fact]
    public async Task The_query_process_configured_by_environment_serves_searches_and_logs_json_without_uids()
    {
        var prefix = NewPrefix("single");
        // The scenario writes the data and publishes the model; its in-memory host is not used here.
        await using var scenario = await SearchScenario.StartAsync(Connection("single"), Configuration("single"), prefix, "Replica");
        var port = FreeTcpPort.Next();
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Index__Provider"] = "Redis",
            ["Index__Redis__Configuration"] = Configuration("single"),
            ["Index__Redis__KeyPrefix"] = prefix,
            ["Models__Registry"] = scenario.Registry,
            ["Query__ApiKeys__0"] = QueryServiceHost.ApiKey,
            ["Query__ExecutionProvider"] = "Cpu",
            ["Query__ActiveVersionPollInterval"] = "00:00:00.200",
        };

        await using var process = ServiceProcess.Start("Mth.Query", environment, Owned(new TemporaryDirectory("mth-query-process-")).Path);
        await process.WaitReadyAsync($"http://127.0.0.1:{port}/health/ready", TimeSpan.FromSeconds(60));
        using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") })
        {
            http.DefaultRequestHeaders.Add("X-Api-Key", QueryServiceHost.ApiKey);
            var instance = scenario.Corpus.Instances[7];
            var answer = await QueryServiceHost.ReadAnswerAsync(await http.GetAsync($"/v1/instances/{instance.Sop}/similar?k=3"));
            Assert.Equal(scenario.Corpus.NearestInstances(instance.Code, 3, instance.Sop).Select(e => e.Instance.Sop), answer.Results.Select(r => r.SopInstanceUid));
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/openapi/v1.json")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/instances/1.2.3.4/similar")).StatusCode);
        }

        await process.KillAsync();
        var logged = process.LogLines();
        Assert.Contains(logged, l => l.Contains("replica of index version", StringComparison.Ordinal));
        foreach (var line in logged.Where(l => l.StartsWith('{')))
        {
            using var json = JsonDocument.Parse(line);
            var level = json.RootElement.TryGetProperty("@l", out var l) ? l.GetString() : "Information";
            if (level is "Information" or "Debug" or "Verbose")
            {
                Assert.DoesNotContain(scenario.Corpus.Instances[7].Sop, line, StringComparison.Ordinal);
                Assert.DoesNotContain("1.2.3.4", line, StringComparison.Ordinal);
            }
        }
    }
}
