using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Mth.Testing.Redis;

namespace Mth.Query.Tests.Api;

/// <summary>Every error is an RFC 7807 problem with the status that says what went wrong; the service keeps answering.</summary>
[Collection("redis")]
public sealed class ProblemTests(RedisServerFixture single, RedisClusterFixture cluster) : RedisTopologyTests(single, cluster)
{
    [Fact]
    public async Task Bad_uids_and_bad_parameters_get_400()
    {
        await using var scenario = await StartAsync();
        var sop = scenario.Corpus.Instances[0].Sop;
        string[] paths =
        [
            "/v1/instances/abc/similar", "/v1/instances/1.02.3/similar", $"/v1/instances/{new string('1', 65)}/similar", "/v1/instances/1..2/similar",
            "/v1/studies/1.2.x/similar", $"/v1/instances/{sop}/similar?k=0", $"/v1/instances/{sop}/similar?k=101", $"/v1/instances/{sop}/similar?k=ten",
            $"/v1/instances/{sop}/similar?k=-1", $"/v1/studies/{scenario.Corpus.Instances[0].Study}/similar?k=1000",
        ];

        foreach (var path in paths)
        {
            await AssertProblemAsync(await scenario.Client.GetAsync(path), HttpStatusCode.BadRequest, path);
        }

        using var level = Raw(UploadImages.Png(1), "image/png");
        await AssertProblemAsync(await scenario.Client.PostAsync("/v1/similar?level=series", level), HttpStatusCode.BadRequest, "level=series");
        await AssertProblemAsync(await scenario.Client.GetAsync($"/v1/instances/{sop}/similar"), HttpStatusCode.OK, "still answering");
    }

    [Fact]
    public async Task Unknown_instances_and_studies_get_404()
    {
        await using var scenario = await StartAsync();

        await AssertProblemAsync(await scenario.Client.GetAsync("/v1/instances/1.2.3.4.5/similar"), HttpStatusCode.NotFound, "instance");
        await AssertProblemAsync(await scenario.Client.GetAsync("/v1/studies/1.2.3.4.5/similar"), HttpStatusCode.NotFound, "study");
        await AssertProblemAsync(await scenario.Client.GetAsync("/v1/nothing/here"), HttpStatusCode.NotFound, "route");
    }

    [Fact]
    public async Task A_wrong_method_gets_405_problem_details()
    {
        await using var scenario = await StartAsync();

        await AssertProblemAsync(await scenario.Client.DeleteAsync("/v1/similar"), HttpStatusCode.MethodNotAllowed, "DELETE");
    }

    [Fact]
    public async Task Without_an_active_version_searches_get_503_and_the_service_is_not_ready()
    {
        await using var scenario = await SearchScenario.StartAsync(Connection("single"), Configuration("single"), NewPrefix("single"), "Replica", activate: false);
        await scenario.Host.Follower.RefreshAsync(CancellationToken.None);

        await AssertProblemAsync(await scenario.Client.GetAsync($"/v1/instances/{scenario.Corpus.Instances[0].Sop}/similar"), HttpStatusCode.ServiceUnavailable, "instance");
        await AssertProblemAsync(await scenario.Client.GetAsync($"/v1/studies/{scenario.Corpus.Instances[0].Study}/similar"), HttpStatusCode.ServiceUnavailable, "study");
        using var png = Raw(UploadImages.Png(1), "image/png");
        await AssertProblemAsync(await scenario.Client.PostAsync("/v1/similar", png), HttpStatusCode.ServiceUnavailable, "upload");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await scenario.Client.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await scenario.Client.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task Uploads_the_service_cannot_read_get_415_and_unusable_images_422()
    {
        await using var scenario = await StartAsync();
        var damagedPng = UploadImages.Png(1)[..40];
        var cases = new (HttpContent Content, HttpStatusCode Status, string What)[]
        {
            (Raw(System.Text.Encoding.UTF8.GetBytes("hello"), "text/plain"), HttpStatusCode.UnsupportedMediaType, "text/plain"),
            (Raw(System.Text.Encoding.UTF8.GetBytes("{}"), "application/json"), HttpStatusCode.UnsupportedMediaType, "json"),
            (new ByteArrayContent(UploadImages.Png(1)), HttpStatusCode.UnsupportedMediaType, "no content type"),
            (Raw(Enumerable.Repeat((byte)7, 500).ToArray(), "application/octet-stream"), HttpStatusCode.UnsupportedMediaType, "unknown bytes"),
            (Raw(damagedPng, "image/png"), HttpStatusCode.UnprocessableEntity, "damaged png"),
            (Raw(UploadImages.Dicom(1, withPixels: false), "application/dicom"), HttpStatusCode.UnprocessableEntity, "dicom without pixels"),
            (Raw([], "image/png"), HttpStatusCode.BadRequest, "empty"),
            (new MultipartFormDataContent { { new StringContent("x"), "comment" } }, HttpStatusCode.BadRequest, "multipart without a file"),
        };

        foreach (var (content, status, what) in cases)
        {
            using (content)
            {
                await AssertProblemAsync(await scenario.Client.PostAsync("/v1/similar", content), status, what);
            }
        }

        using var good = Raw(UploadImages.Png(2), "image/png");
        await AssertProblemAsync(await scenario.Client.PostAsync("/v1/similar", good), HttpStatusCode.OK, "still answering");
    }

    [Fact]
    public async Task Uploads_over_the_limit_get_413_raw_or_multipart_with_or_without_a_length()
    {
        await using var scenario = await StartAsync(new Dictionary<string, string?> { ["Query:MaxUploadBytes"] = "4096" });
        var big = new byte[5000];
        UploadImages.Png(1).CopyTo(big, 0);

        using var raw = Raw(big, "image/png");
        await AssertProblemAsync(await scenario.Client.PostAsync("/v1/similar", raw), HttpStatusCode.RequestEntityTooLarge, "raw");
        using var form = new MultipartFormDataContent { { new ByteArrayContent(big), "file", "big.png" } };
        await AssertProblemAsync(await scenario.Client.PostAsync("/v1/similar", form), HttpStatusCode.RequestEntityTooLarge, "multipart");
        using var streamed = new StreamContent(new MemoryStream(big));
        streamed.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/v1/similar") { Content = streamed, Headers = { TransferEncodingChunked = true } };
        await AssertProblemAsync(await scenario.Client.SendAsync(chunked), HttpStatusCode.RequestEntityTooLarge, "chunked");

        using var small = Raw(UploadImages.Png(1), "image/png");
        await AssertProblemAsync(await scenario.Client.PostAsync("/v1/similar", small), HttpStatusCode.OK, "within the limit");
    }

    private Task<SearchScenario> StartAsync(IDictionary<string, string?>? settings = null) =>
        SearchScenario.StartAsync(Connection("single"), Configuration("single"), NewPrefix("single"), "Replica", settings: settings);

    private static ByteArrayContent Raw(byte[] bytes, string type)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return content;
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{what}: expected {(int)status}, got {(int)response.StatusCode} {body}");
        if (status == HttpStatusCode.OK)
        {
            return;
        }

        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal((int)status, (int)problem["status"]!);
        Assert.False(string.IsNullOrEmpty(problem["title"]?.GetValue<string>()), $"{what}: no title");
    }
}
