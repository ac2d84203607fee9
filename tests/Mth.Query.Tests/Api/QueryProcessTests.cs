using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Mth.Testing.DicomNetwork;
using Mth.Testing.Redis;

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
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Mth.Query.dll"));
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["Index__Provider"] = "Redis";
        start.Environment["Index__Redis__Configuration"] = Configuration("single");
        start.Environment["Index__Redis__KeyPrefix"] = prefix;
        start.Environment["Models__Registry"] = scenario.Registry;
        start.Environment["Query__ApiKeys__0"] = QueryServiceHost.ApiKey;
        start.Environment["Query__ExecutionProvider"] = "Cpu";
        start.Environment["Query__ActiveVersionPollInterval"] = "00:00:00.200";

        var lines = new ConcurrentQueue<string>();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!await IsReadyAsync(http))
            {
                Assert.False(process.HasExited, "the process exited: " + string.Join('\n', lines));
                Assert.True(DateTime.UtcNow < deadline, "not ready within 60 s: " + string.Join('\n', lines));
                await Task.Delay(100);
            }

            http.DefaultRequestHeaders.Add("X-Api-Key", QueryServiceHost.ApiKey);
            var instance = scenario.Corpus.Instances[7];
            var answer = await QueryServiceHost.ReadAnswerAsync(await http.GetAsync($"/v1/instances/{instance.Sop}/similar?k=3"));
            Assert.Equal(scenario.Corpus.NearestInstances(instance.Code, 3, instance.Sop).Select(e => e.Instance.Sop), answer.Results.Select(r => r.SopInstanceUid));
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/openapi/v1.json")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/instances/1.2.3.4/similar")).StatusCode);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        var logged = lines.ToList();
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

    private static async Task<bool> IsReadyAsync(HttpClient http)
    {
        try
        {
            return (await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

}
