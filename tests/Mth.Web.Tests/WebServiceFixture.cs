using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Mth.Core.Codes;
using Mth.Core.Indexing;
using Mth.Core.Instances;
using Mth.Encoding.Images;
using Mth.Encoding.Inference;
using Mth.Encoding.Manifest;
using Mth.Hosting;
using Mth.Hosting.Indexing;
using Mth.Query;
using Mth.Query.Api;
using Mth.Testing.Dicom;
using Mth.Testing.Models;

namespace Mth.Web.Tests;

/// <summary>
/// The query service for real: a WebApplication built as Program.cs builds it (and as the all-in-one host does:
/// the page comes from the assembly's resources), on Kestrel at a free loopback port, with the memory index, an
/// instance store of synthetic DICOM files, every instance encoded by a tiny real ONNX model (the same model the
/// service encodes uploads with), and headless Chromium from Debian's package driven by Playwright.
/// </summary>
public sealed class WebServiceFixture : IAsyncLifetime
{
    public const string ApiKey = "web-test-key-0123456789abcdef";
    public const string Version = "tiny-web-1";
    public const int Bits = 32;
    public const int Studies = 4;
    public const int PerStudy = 3;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string _root = Directory.CreateTempSubdirectory("mth-web-").FullName;
    private WebApplication? _app;
    private IPlaywright? _playwright;

    public string BaseUrl { get; private set; } = "";

    public IBrowser Browser { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    /// <summary>The stored instances, in the order they were stored (the last study is the most recent).</summary>
    public List<SyntheticInstance> Instances { get; } = [];

    public string InstanceStore => Path.Combine(_root, "instances");

    /// <summary>Debian's chromium wrapper unless MTH_CHROMIUM names another binary.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("MTH_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        var registry = Path.Combine(_root, "models");
        var package = await PublishModelAsync(registry);
        WriteInstances();

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        foreach (var (key, value) in new Dictionary<string, string?>
        {
            ["Index:Provider"] = "Memory",
            ["Models:Registry"] = registry,
            ["InstanceStore:Root"] = InstanceStore,
            ["Query:ApiKeys:0"] = ApiKey,
            ["Query:ExecutionProvider"] = "Cpu",
            ["Query:ActiveVersionPollInterval"] = "00:00:00.100",
            ["Query:MaxUploadBytes"] = "65536",
            ["Serilog:MinimumLevel:Default"] = "Warning",
        })
        {
            builder.Configuration[key] = value;
        }

        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddMthServiceDefaults("query");
        builder.AddMthIndex();
        builder.AddMthQuery();
        _app = builder.Build();
        _app.MapMthHealthEndpoints();
        _app.MapMthQuery();
        await IndexAsync(_app.Services, package);
        await _app.StartAsync();
        BaseUrl = _app.Urls.Single().TrimEnd('/');
        Client = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        Client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        await WaitUntilReadyAsync();

        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Chromium is not installed at {ChromiumPath}: run scripts/install-deps.sh (Debian package chromium) or set MTH_CHROMIUM.");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // A container: no user namespaces for the sandbox, no GPU, a small /dev/shm.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        Client?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }

    /// <summary>A new browser page (own context: empty sessionStorage) that fails the test on any script error or CSP violation.</summary>
    public async Task<(IBrowserContext Context, IPage Page, List<string> Problems)> OpenPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var page = await context.NewPageAsync();
        var problems = new List<string>();
        page.PageError += (_, error) => problems.Add($"page error: {error}");
        page.Console += (_, message) =>
        {
            // Failed fetches are expected where a test asks for them (401); CSP violations and script errors are not.
            if (message.Type == "error" && !message.Text.Contains("Failed to load resource", StringComparison.Ordinal))
            {
                problems.Add($"console: {message.Text}");
            }
        };
        await page.GotoAsync(BaseUrl + "/ui/");
        return (context, page, problems);
    }

    public async Task<SimilarResponse> GetAnswerAsync(string path)
    {
        var response = await Client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<SimilarResponse>(body, Json)!;
    }

    public async Task<SimilarResponse> PostAnswerAsync(string path, byte[] file, string name)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(file), "file", name } };
        var response = await Client.PostAsync(path, form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<SimilarResponse>(body, Json)!;
    }

    private async Task<ModelPackage> PublishModelAsync(string registry)
    {
        var staging = Path.Combine(_root, "staging");
        var package = await new TinyOnnxModel(inputSize: 16, Bits, seed: 7).CreatePackageAsync(staging, Version);
        return (await new ModelRegistry(registry).PublishAsync(package)).Package;
    }

    /// <summary>Studies of one series each; the first study CT, the others MR; images of different seeds and shapes.</summary>
    private void WriteInstances()
    {
        for (var s = 0; s < Studies; s++)
        {
            var study = Mth.Dicom.DicomUid.Generate();
            var series = Mth.Dicom.DicomUid.Generate();
            for (var i = 0; i < PerStudy; i++)
            {
                var instance = new SyntheticInstance
                {
                    StudyInstanceUid = study,
                    SeriesInstanceUid = series,
                    Modality = s == 0 ? "CT" : "MR",
                    Seed = 100 + s * 10 + i,
                    Rows = 96,
                    Columns = s % 2 == 0 ? 96 : 80,
                };
                instance.WriteTo(Path.Combine(InstanceStore, instance.StorageKey));
                Instances.Add(instance);
            }
        }
    }

    /// <summary>Encodes every stored file as the encoder would (decoder chain, the model's preprocessing and ONNX session) into index version <see cref="Version"/>, records them and makes the version active.</summary>
    private async Task IndexAsync(IServiceProvider services, ModelPackage package)
    {
        using var encoder = HashEncoder.Open(package, new HashEncoderOptions { ExecutionProvider = ExecutionProviderPreference.Cpu });
        var entries = new List<IndexEntry>();
        foreach (var instance in Instances)
        {
            var image = await ImageDecoderChain.Default.ReadAsync(Path.Combine(InstanceStore, instance.StorageKey));
            entries.Add(new IndexEntry(instance.SopInstanceUid, BinaryCode.FromBytes(await encoder.EncodeAsync(image))));
        }

        var catalog = services.GetRequiredService<IIndexCatalog>();
        var index = await catalog.CreateVersionAsync(Version, new IndexVersionOptions(Bits));
        await index.UpsertManyAsync(entries);
        var records = services.GetRequiredService<IInstanceCatalog>();
        foreach (var instance in Instances)
        {
            await records.PutAsync(instance.ToInstanceRecord());
        }

        Assert.True(await catalog.TrySetActiveVersionAsync(null, Version));
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var ready = await Client.GetAsync("/health/ready");
            if (ready.IsSuccessStatusCode)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The query service did not become ready: {(int)ready.StatusCode} {await ready.Content.ReadAsStringAsync()}");
            }

            await Task.Delay(50);
        }
    }
}

[CollectionDefinition("web")]
public sealed class WebCollection : ICollectionFixture<WebServiceFixture>;
