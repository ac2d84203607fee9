using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Mth.Core.Instances;
using Mth.Query.Api;
using Mth.Testing.Dicom;

namespace Mth.Web.Tests;

/// <summary>The API the page is built on: stored studies, a study's instances, thumbnails; and how the page itself is served.</summary>
[Collection("web")]
public sealed class CatalogApiTests(WebServiceFixture service)
{
    [Fact]
    public async Task Studies_are_listed_the_last_stored_first_with_their_counts_and_modalities()
    {
        var answer = (await service.Client.GetFromJsonAsync<StudyListResponse>("/v1/studies?limit=100", WebServiceFixture.Json))!;
        var stored = service.Instances.Select(i => i.StudyInstanceUid).Distinct().Reverse().ToList();
        var ours = answer.Studies.Where(s => stored.Contains(s.StudyInstanceUid)).ToList();
        Assert.Equal(stored, ours.Select(s => s.StudyInstanceUid));
        Assert.All(ours, s => Assert.Equal((WebServiceFixture.PerStudy, 1), (s.Instances, s.Series)));
        Assert.Equal(["CT"], ours[^1].Modalities);
        Assert.Equal(["MR"], ours[0].Modalities);

        var two = (await service.Client.GetFromJsonAsync<StudyListResponse>("/v1/studies?limit=2", WebServiceFixture.Json))!;
        Assert.Equal(answer.Studies.Take(2).Select(s => s.StudyInstanceUid), two.Studies.Select(s => s.StudyInstanceUid));
    }

    [Fact]
    public async Task A_studys_instances_are_listed_by_sop_instance_uid_with_the_total()
    {
        var study = service.Instances[0].StudyInstanceUid;
        var answer = (await service.Client.GetFromJsonAsync<StudyInstancesResponse>($"/v1/studies/{study}/instances?limit=2", WebServiceFixture.Json))!;
        var expected = service.Instances.Where(i => i.StudyInstanceUid == study).Select(i => i.SopInstanceUid).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(WebServiceFixture.PerStudy, answer.Total);
        Assert.Equal(expected.Take(2), answer.Instances.Select(i => i.SopInstanceUid));
        Assert.All(answer.Instances, i => Assert.Equal(("CT", service.Instances[0].SeriesInstanceUid), (i.Modality, i.SeriesInstanceUid)));
    }

    [Theory]
    [InlineData("/v1/studies?limit=0", HttpStatusCode.BadRequest)]
    [InlineData("/v1/studies?limit=1001", HttpStatusCode.BadRequest)]
    [InlineData("/v1/studies?limit=ten", HttpStatusCode.BadRequest)]
    [InlineData("/v1/studies/1..2/instances", HttpStatusCode.BadRequest)]
    [InlineData("/v1/studies/1.2.3.999/instances", HttpStatusCode.NotFound)]
    [InlineData("/v1/studies/1.2.3.999/instances?limit=0", HttpStatusCode.BadRequest)]
    [InlineData("/v1/instances/1.2.3.999/thumbnail", HttpStatusCode.NotFound)]
    [InlineData("/v1/instances/1.2.x/thumbnail", HttpStatusCode.BadRequest)]
    [InlineData("/v1/instances/{sop}/thumbnail?size=15", HttpStatusCode.BadRequest)]
    [InlineData("/v1/instances/{sop}/thumbnail?size=513", HttpStatusCode.BadRequest)]
    public async Task Bad_arguments_and_unknown_uids_are_answered_with_problem_details(string path, HttpStatusCode status)
    {
        var response = await service.Client.GetAsync(path.Replace("{sop}", service.Instances[0].SopInstanceUid));
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("detail").GetString()));
    }

    [Theory]
    [InlineData("/v1/studies")]
    [InlineData("/v1/studies/1.2.3/instances")]
    [InlineData("/v1/instances/1.2.3/thumbnail")]
    public async Task The_catalog_endpoints_need_the_api_key(string path)
    {
        using var anonymous = new HttpClient { BaseAddress = new Uri(service.BaseUrl) };
        var response = await anonymous.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData(48, 0, 48, 48)]
    [InlineData(48, 1, 40, 48)]
    [InlineData(512, 1, 80, 96)]
    public async Task A_thumbnail_is_a_png_whose_longer_side_is_the_size_asked_and_never_enlarged(int size, int study, int width, int height)
    {
        var instance = service.Instances[study * WebServiceFixture.PerStudy];
        var response = await service.Client.GetAsync($"/v1/instances/{instance.SopInstanceUid}/thumbnail?size={size}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl is { Private: true, MaxAge: not null }, response.Headers.CacheControl?.ToString());
        var png = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.Equal((width, height), (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20))));
    }

    [Fact]
    public async Task A_thumbnail_the_client_already_has_is_confirmed_without_a_body()
    {
        var path = $"/v1/instances/{service.Instances[1].SopInstanceUid}/thumbnail?size=64";
        var first = await service.Client.GetAsync(path);
        var tag = first.Headers.ETag;
        Assert.NotNull(tag);
        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.IfNoneMatch.Add(tag);
        var second = await service.Client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());

        var otherSize = await service.Client.GetAsync($"/v1/instances/{service.Instances[1].SopInstanceUid}/thumbnail?size=32");
        Assert.NotEqual(tag, otherSize.Headers.ETag);
    }

    [Fact]
    public async Task An_instance_without_pixel_data_has_no_thumbnail_and_says_why()
    {
        var report = new SyntheticInstance { SopClassUid = SyntheticInstance.BasicTextSR, Modality = "SR", WithPixelData = false };
        report.WriteTo(Path.Combine(service.InstanceStore, report.StorageKey));
        await service.Services.GetRequiredService<IInstanceCatalog>().PutAsync(report.ToInstanceRecord());

        var response = await service.Client.GetAsync($"/v1/instances/{report.SopInstanceUid}/thumbnail");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("no image", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_page_is_served_without_a_key_under_a_strict_content_security_policy()
    {
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(service.BaseUrl) };
        foreach (var entry in new[] { "/", "/ui" })
        {
            var redirect = await anonymous.GetAsync(entry);
            Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
            Assert.Equal("/ui/", redirect.Headers.Location?.OriginalString);
        }

        foreach (var (path, type) in new[] { ("/ui/", "text/html"), ("/ui/app.js", "text/javascript"), ("/ui/app.css", "text/css") })
        {
            var response = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
            Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe", policy, StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());

            using var cached = new HttpRequestMessage(HttpMethod.Get, path);
            cached.Headers.IfNoneMatch.Add(response.Headers.ETag!);
            Assert.Equal(HttpStatusCode.NotModified, (await anonymous.SendAsync(cached)).StatusCode);
        }

        var html = await anonymous.GetStringAsync("/ui/");
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("style=", html, StringComparison.Ordinal);
    }
}
