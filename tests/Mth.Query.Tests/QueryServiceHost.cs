using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Mth.Query.ActiveModel;
using Mth.Query.Api;

namespace Mth.Query.Tests;

/// <summary>
/// The query service as Program.cs builds it (AddMthServiceDefaults, AddMthIndex, AddMthQuery), in memory through
/// WebApplicationFactory, configured only by settings as a deployment would be (Index, Models, Query sections).
/// </summary>
internal sealed class QueryServiceHost : WebApplicationFactory<QueryOptions>
{
    public const string ApiKey = "test-key-0123456789abcdef";
    public const string OtherApiKey = "test-key-second-0123456789";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Dictionary<string, string?> _settings;

    public QueryServiceHost(string redisConfiguration, string prefix, string registry, string search = "Replica", IDictionary<string, string?>? extra = null)
    {
        _settings = new Dictionary<string, string?>
        {
            ["Index:Provider"] = "Redis",
            ["Index:Redis:Configuration"] = redisConfiguration,
            ["Index:Redis:KeyPrefix"] = prefix,
            ["Models:Registry"] = registry,
            ["Query:ApiKeys:0"] = ApiKey,
            ["Query:ApiKeys:1"] = OtherApiKey,
            ["Query:Search"] = search,
            ["Query:ActiveVersionPollInterval"] = "00:00:00.100",
            ["Query:LoadRetryInterval"] = "00:00:00.500",
            ["Query:ReplicaPollInterval"] = "00:00:00.010",
            ["Query:ExecutionProvider"] = "Cpu",
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        // A null value removes a default setting.
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                _settings.Remove(key);
            }
            else
            {
                _settings[key] = value;
            }
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>A client that sends the API key.</summary>
    public HttpClient CreateAuthorisedClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    internal ActiveSearch ActiveSearch => Services.GetRequiredService<ActiveSearch>();

    internal ActiveVersionFollower Follower => Services.GetRequiredService<ActiveVersionFollower>();

    /// <summary>Waits until the service serves <paramref name="version"/> (readiness green and that version loaded).</summary>
    public async Task WaitForVersionAsync(string version, TimeSpan? timeout = null)
    {
        using var client = CreateClient();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var ready = await client.GetAsync("/health/ready");
            if (ready.StatusCode == HttpStatusCode.OK && ActiveSearch.Version == version)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The query service did not serve {version} in time: {(int)ready.StatusCode} {await ready.Content.ReadAsStringAsync()}; {Follower.LoadFailure}");
            }

            await Task.Delay(50);
        }
    }

    public static async Task<SimilarResponse> ReadAnswerAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<SimilarResponse>(body, Json)!;
    }
}
