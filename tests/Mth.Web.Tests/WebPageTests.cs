using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Mth.Core.Instances;
using Mth.Query.Api;
using Mth.Testing.Images;
using static Microsoft.Playwright.Assertions;

namespace Mth.Web.Tests;

/// <summary>
/// The web page in headless Chromium against the running service: what a clinician sees must be what the JSON API
/// answers (same results, ranks and distances), thumbnails come through the keyed API, and failures are shown.
/// </summary>
[Collection("web")]
public sealed class WebPageTests(WebServiceFixture service)
{
    [Fact]
    public async Task Choosing_an_instance_of_a_listed_study_shows_its_nearest_instances_as_the_json_api_ranks_them()
    {
        var (context, page, problems) = await service.OpenPageAsync();
        await using var _ = context;
        await EnterKeyAsync(page, WebServiceFixture.ApiKey);
        var listed = await page.Locator("tr.study").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.study)");
        var studies = (await service.Client.GetFromJsonAsync<StudyListResponse>("/v1/studies?limit=50", WebServiceFixture.Json))!.Studies;
        Assert.Equal(studies.Select(s => s.StudyInstanceUid), listed);

        var query = service.Instances[^2];
        await page.Locator($"tr.study[data-study='{query.StudyInstanceUid}'] button.open-study").ClickAsync();
        await Expect(page.Locator("#instances .card.instance")).ToHaveCountAsync(WebServiceFixture.PerStudy);
        await page.FillAsync("#k", "5");
        await page.Locator($".card.instance[data-sop='{query.SopInstanceUid}'] button.similar-instance").ClickAsync();

        var expected = await service.GetAnswerAsync($"/v1/instances/{query.SopInstanceUid}/similar?k=5");
        await Expect(page.Locator("#results .card.result")).ToHaveCountAsync(5);
        Assert.Equal(expected.Results.Select(r => (r.Rank.ToString(), r.SopInstanceUid, r.Distance.ToString())), await ResultCardsAsync(page));
        await Expect(page.Locator("#results-summary")).ToContainTextAsync(WebServiceFixture.Version);
        await ExpectThumbnailsAsync(page, "#results .card.result", 5);
        await Expect(page.Locator("#results .card.result").First.Locator("[title]").First).ToHaveAttributeAsync("title", expected.Results[0].StudyInstanceUid!);

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath("web-page.png"), FullPage = true });
        Assert.Empty(problems);
    }

    [Fact]
    public async Task Choosing_a_study_shows_the_other_studies_ranked_by_their_best_match()
    {
        var (context, page, problems) = await service.OpenPageAsync();
        await using var _ = context;
        await EnterKeyAsync(page, WebServiceFixture.ApiKey);
        var study = service.Instances[0].StudyInstanceUid;
        await page.Locator($"tr.study[data-study='{study}'] button.similar-study").ClickAsync();

        var expected = await service.GetAnswerAsync($"/v1/studies/{study}/similar?k=10");
        Assert.Equal(WebServiceFixture.Studies - 1, expected.Results.Count);
        await Expect(page.Locator("#results .card.result")).ToHaveCountAsync(expected.Results.Count);
        var cards = await page.Locator("#results .card.result").EvaluateAllAsync<string[][]>("cards => cards.map(c => [c.dataset.study, c.dataset.distance])");
        Assert.Equal(expected.Results.Select(r => new[] { r.StudyInstanceUid!, r.Distance.ToString() }), cards);
        await Expect(page.Locator("#results-summary")).ToContainTextAsync("similar studies");
        await ExpectThumbnailsAsync(page, "#results .card.result", expected.Results.Count);
        Assert.Empty(problems);
    }

    [Fact]
    public async Task Uploading_a_png_shows_the_instances_nearest_to_the_code_the_active_model_gives_it()
    {
        var (context, page, problems) = await service.OpenPageAsync();
        await using var _ = context;
        await EnterKeyAsync(page, WebServiceFixture.ApiKey);
        var png = NoiseImage.Png(seed: 3);
        await page.FillAsync("#k", "4");
        await page.SetInputFilesAsync("#upload-file", new FilePayload { Name = "slice.png", MimeType = "image/png", Buffer = png });
        await page.ClickAsync("#upload-search");

        var expected = await service.PostAnswerAsync("/v1/similar?k=4&level=instance", png, "slice.png");
        await Expect(page.Locator("#results .card.result")).ToHaveCountAsync(4);
        Assert.Equal(expected.Results.Select(r => (r.Rank.ToString(), r.SopInstanceUid, r.Distance.ToString())), await ResultCardsAsync(page));
        await Expect(page.Locator("#results-summary")).ToContainTextAsync(expected.Query.Code!);

        await page.SelectOptionAsync("#upload-level", "study");
        await page.ClickAsync("#upload-search");
        var studies = await service.PostAnswerAsync("/v1/similar?k=4&level=study", png, "slice.png");
        await Expect(page.Locator("#results-summary")).ToContainTextAsync("similar studies");
        Assert.Equal(studies.Results.Select(r => (r.Rank.ToString(), r.SopInstanceUid, r.Distance.ToString())), await ResultCardsAsync(page));
        await ExpectThumbnailsAsync(page, "#results .card.result", studies.Results.Count);
        Assert.Empty(problems);
    }

    [Fact]
    public async Task A_wrong_key_shows_that_the_key_was_not_accepted_and_lists_nothing()
    {
        var (context, page, problems) = await service.OpenPageAsync();
        await using var _ = context;
        await EnterKeyAsync(page, "not-the-key-0123456789", expectStudies: false);

        await Expect(page.Locator("#error")).ToBeVisibleAsync();
        await Expect(page.Locator("#error")).ToHaveAttributeAsync("data-status", "401");
        await Expect(page.Locator("#error")).ToContainTextAsync("API key was not accepted");
        await Expect(page.Locator("tr.study")).ToHaveCountAsync(0);
        Assert.Empty(problems);
    }

    [Fact]
    public async Task An_upload_over_the_limit_and_a_study_without_indexed_instances_show_their_errors()
    {
        // A study the catalog knows but no index version holds (its encoding has not happened): listed, not searchable.
        var orphan = new InstanceRecord
        {
            SopInstanceUid = Mth.Dicom.DicomUid.Generate(),
            StudyInstanceUid = Mth.Dicom.DicomUid.Generate(),
            SeriesInstanceUid = Mth.Dicom.DicomUid.Generate(),
            SopClassUid = "1.2.840.10008.5.1.4.1.1.4",
            Modality = "MR",
            StorageKey = "1.2.3/4.5.6/7.8.9.dcm",
        };
        await service.Services.GetRequiredService<IInstanceCatalog>().PutAsync(orphan);
        var (context, page, problems) = await service.OpenPageAsync();
        await using var _ = context;
        await EnterKeyAsync(page, WebServiceFixture.ApiKey);

        await page.Locator($"tr.study[data-study='{orphan.StudyInstanceUid}'] button.similar-study").ClickAsync();
        await Expect(page.Locator("#error")).ToHaveAttributeAsync("data-status", "404");
        await Expect(page.Locator("#error")).ToContainTextAsync("indexed");

        await page.Locator($"tr.study[data-study='{orphan.StudyInstanceUid}'] button.open-study").ClickAsync();
        await Expect(page.Locator("#error")).ToBeHiddenAsync();
        await Expect(page.Locator("#instances .card.instance .thumb")).ToHaveAttributeAsync("data-loaded", "false");
        await Expect(page.Locator("#instances .card.instance .thumb")).ToHaveTextAsync("no file");

        var large = new byte[70_000];
        NoiseImage.Png(seed: 1).CopyTo(large, 0);
        await page.SetInputFilesAsync("#upload-file", new FilePayload { Name = "large.png", MimeType = "image/png", Buffer = large });
        await page.ClickAsync("#upload-search");
        await Expect(page.Locator("#error")).ToHaveAttributeAsync("data-status", "413");
        await Expect(page.Locator("#error")).ToContainTextAsync("larger than the service accepts");
        Assert.Empty(problems);
    }

    private static async Task EnterKeyAsync(IPage page, string key, bool expectStudies = true)
    {
        await page.FillAsync("#api-key", key);
        await page.ClickAsync("#key-use");
        if (expectStudies)
        {
            await Expect(page.Locator("tr.study").First).ToBeVisibleAsync();
        }
    }

    private static async Task<(string, string, string)[]> ResultCardsAsync(IPage page) =>
        (await page.Locator("#results .card.result").EvaluateAllAsync<string[][]>("cards => cards.map(c => [c.dataset.rank, c.dataset.sop, c.dataset.distance])"))
        .Select(c => (c[0], c[1], c[2])).ToArray();

    /// <summary>Every card shows a decoded image from a blob: URL (fetched with the key).</summary>
    private static async Task ExpectThumbnailsAsync(IPage page, string cards, int count)
    {
        await Expect(page.Locator($"{cards} .thumb[data-loaded='true'] img")).ToHaveCountAsync(count);
        var images = await page.Locator($"{cards} .thumb img").EvaluateAllAsync<string[][]>(
            "images => images.map(i => [i.src.slice(0, 5), String(i.complete && i.naturalWidth > 0)])");
        Assert.All(images, image => Assert.Equal(["blob:", "true"], image));
    }

    private static string ScreenshotPath(string name) =>
        Environment.GetEnvironmentVariable("MTH_WEB_SCREENSHOT_DIR") is { Length: > 0 } folder
            ? Path.Combine(Directory.CreateDirectory(folder).FullName, name)
            : Path.Combine(AppContext.BaseDirectory, name);
}
