using System.Net;
using System.Text.Json.Nodes;
using Mth.Testing.Redis;

namespace Mth.Query.Tests.Api;

/// <summary>The /v1 endpoints need an API key in X-Api-Key; health and the OpenAPI document do not.</summary>
[Collection("redis")]
public sealed class AuthenticationTests(RedisServerFixture single, RedisClusterFixture cluster) : RedisTopologyTests(single, cluster)
{
    [Fact]
    public async Task Searches_without_a_key_or_with_an_unknown_key_get_401_problem_details()
    {
        await using var scenario = await StartAsync();
        using var anonymous = scenario.Host.CreateClient();
        var path = $"/v1/instances/{scenario.Corpus.Instances[0].Sop}/similar";

        var missing = await anonymous.GetAsync(path);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "X-Api-Key", "not-a-key-0123456789" } } };
        var unknown = await anonymous.SendAsync(wrong);

        foreach (var response in new[] { missing, unknown })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("ApiKey", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(401, (int)problem["status"]!);
        }

        Assert.Contains("required", JsonNode.Parse(await missing.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_configured_key_is_accepted()
    {
        await using var scenario = await StartAsync();
        using var client = scenario.Host.CreateClient();
        foreach (var key in new[] { QueryServiceHost.ApiKey, QueryServiceHost.OtherApiKey })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/instances/{scenario.Corpus.Instances[0].Sop}/similar") { Headers = { { "X-Api-Key", key } } };
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
        }
    }

    [Fact]
    public async Task Health_and_the_openapi_document_answer_without_a_key()
    {
        await using var scenario = await StartAsync();
        using var anonymous = scenario.Host.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/ready")).StatusCode);
        var document = JsonNode.Parse(await anonymous.GetStringAsync("/openapi/v1.json"))!;

        var paths = document["paths"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        Assert.Equal([
            "/v1/instances/{sopInstanceUid}/similar", "/v1/instances/{sopInstanceUid}/thumbnail", "/v1/similar",
            "/v1/studies", "/v1/studies/{studyInstanceUid}/instances", "/v1/studies/{studyInstanceUid}/similar"], paths);
        Assert.Equal(["image/png"], document["paths"]!["/v1/instances/{sopInstanceUid}/thumbnail"]!["get"]!["responses"]!["200"]!["content"]!.AsObject().Select(c => c.Key));
        var scheme = document["components"]!["securitySchemes"]!["MthApiKey"]!;
        Assert.Equal("apiKey", scheme["type"]!.GetValue<string>());
        Assert.Equal("X-Api-Key", scheme["name"]!.GetValue<string>());
        var upload = document["paths"]!["/v1/similar"]!["post"]!["requestBody"]!["content"]!.AsObject().Select(c => c.Key).Order().ToList();
        Assert.Equal(["application/dicom", "application/octet-stream", "image/jpeg", "image/png", "multipart/form-data"], upload);
    }

    [Fact]
    public async Task Without_RequireApiKey_the_searches_answer_anyone()
    {
        await using var scenario = await StartAsync(new Dictionary<string, string?> { ["Query:RequireApiKey"] = "false", ["Query:ApiKeys:0"] = null, ["Query:ApiKeys:1"] = null });
        using var anonymous = scenario.Host.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/v1/instances/{scenario.Corpus.Instances[0].Sop}/similar")).StatusCode);
    }

    private Task<SearchScenario> StartAsync(IDictionary<string, string?>? settings = null) =>
        SearchScenario.StartAsync(Connection("single"), Configuration("single"), NewPrefix("single"), "Replica", settings: settings);
}
