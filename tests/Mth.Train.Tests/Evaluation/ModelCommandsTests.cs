using System.CommandLine;
using System.Text.Json.Nodes;
using Mth.Encoding.Codes;
using Mth.Encoding.Images;
using Mth.Encoding.Inference;
using Mth.Encoding.Manifest;
using Mth.Encoding.Preprocessing;
using Mth.Train.Commands;
using Mth.Train.Data;
using Mth.Train.Evaluation;
using Mth.Train.Export;
using Mth.Train.Model;
using Mth.Train.Tests.Data;
using Mth.Train.Tests.Fixtures;

namespace Mth.Train.Tests.Evaluation;

/// <summary>evaluate, encode and publish on a real exported model (a small MTH network, ONNX Runtime on CPU).</summary>
public sealed class ModelCommandsTests
{
    private static async Task<(string Model, string Images)> ModelAndImagesAsync(string version = "tiny-1", long seed = 1)
    {
        var directory = TestData.TempDirectory();
        var images = TestData.ClassFolders(Path.Combine(directory, "images"), classes: 2, perClass: 6, size: 20, withJpeg: true);
        TorchSharp.torch.manual_seed(seed);
        using var network = new MthNetwork(SmallNetworks.Options(classes: 2, bits: 16, inputSize: 16));
        var onnx = Path.Combine(directory, "exported.onnx");
        await File.WriteAllBytesAsync(onnx, MthOnnxExporter.Export(network));
        var manifest = new ModelManifest
        {
            Version = version,
            Bits = 16,
            InputSize = 16,
            Onnx = new OnnxModelInfo { Sha256 = new string('0', 64), Input = MthOnnxExporter.InputName, HashOutput = MthOnnxExporter.OutputName },
            Preprocessing = PreprocessingInfo.From(new PreprocessingOptions(16, [0.4f, 0.4f, 0.4f], [0.3f, 0.3f, 0.3f])),
            Classes = ["class_0", "class_1"],
        };
        var package = await ModelPackage.CreateAsync(Path.Combine(directory, "model"), manifest, onnx);
        return (package.Directory, images);
    }

    /// <summary>A fit run folder as `fit` leaves it (metrics.json with network and normalisation, checkpoints/best.pt) and the ONNX export of the same weights.</summary>
    private static async Task<(string Run, string Model, string Images)> RunFolderAndModelAsync()
    {
        var directory = TestData.TempDirectory();
        var images = TestData.ClassFolders(Path.Combine(directory, "images"), classes: 2, perClass: 5, size: 20);
        TorchSharp.torch.manual_seed(3);
        var options = SmallNetworks.Options(classes: 2, bits: 16, inputSize: 16);
        using var network = new MthNetwork(options);
        var run = Path.Combine(directory, "run");
        Directory.CreateDirectory(Path.Combine(run, "checkpoints"));
        network.save(Path.Combine(run, "checkpoints", "best.pt"));
        var statistics = new ChannelStatistics([0.4f, 0.4f, 0.4f], [0.3f, 0.3f, 0.3f]);
        await File.WriteAllTextAsync(Path.Combine(run, "metrics.json"), System.Text.Json.JsonSerializer.Serialize(new { network = options, normalisation = statistics }));
        var onnx = Path.Combine(directory, "exported.onnx");
        await File.WriteAllBytesAsync(onnx, MthOnnxExporter.Export(network));
        var manifest = new ModelManifest
        {
            Version = "same-weights",
            Bits = 16,
            InputSize = 16,
            Onnx = new OnnxModelInfo { Sha256 = new string('0', 64) },
            Preprocessing = PreprocessingInfo.From(new PreprocessingOptions(16, statistics.Mean, statistics.Std)),
            Classes = ["class_0", "class_1"],
        };
        var package = await ModelPackage.CreateAsync(Path.Combine(directory, "model"), manifest, onnx);
        return (run, package.Directory, images);
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var root = new RootCommand { EvaluateCommand.Create(), EncodeCommand.Create(), PublishCommand.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Evaluate_prints_the_protocol_figures_and_one_json_object_on_the_last_line()
    {
        var (model, images) = await ModelAndImagesAsync();
        var outputFolder = Path.Combine(TestData.TempDirectory(), "eval");

        var (exit, output, error) = await RunAsync("evaluate", "--model", model, "--database", images, "--queries", images, "--json", "--out", outputFolder, "--provider", "cpu");

        Assert.True(exit == 0, error);
        var json = JsonNode.Parse(output.TrimEnd().Split('\n')[^1])!.AsObject();
        foreach (var key in new[] { "map_all", "map_100", "p_at_10", "p_at_100", "tie_aware_map_all" })
        {
            Assert.InRange(json[key]!.GetValue<double>(), 0, 1);
        }

        Assert.Equal(12, json["queries"]!.GetValue<int>());
        Assert.Equal("tiny-1", json["model"]!.GetValue<string>());
        Assert.Contains("mAP@all", error);
        Assert.Contains("CPU execution provider", error);
        Assert.StartsWith("method,radius,precision,recall", await File.ReadAllTextAsync(Path.Combine(outputFolder, "precision-recall.csv")));
        Assert.True(new FileInfo(Path.Combine(outputFolder, "precision-recall.png")).Length > 1000);

        // The same figures as encoding and evaluating directly.
        using var encoder = HashEncoder.Open(await ModelPackage.OpenAsync(model), new HashEncoderOptions { ExecutionProvider = ExecutionProviderPreference.Cpu });
        var set = ImageSet.All(ImageFolderSource.Open(images));
        var codes = await new OnnxSetEncoder(encoder).EncodeAsync(set);
        var report = RetrievalEvaluator.Evaluate(codes, set.Labels, codes, set.Labels, set.ClassNames);
        Assert.Equal(report.MapAll, json["map_all"]!.GetValue<double>(), 12);
    }

    [Fact]
    public async Task Encode_writes_one_hex_code_per_image_equal_to_what_the_serving_path_computes()
    {
        var (model, images) = await ModelAndImagesAsync();
        var csv = Path.Combine(TestData.TempDirectory(), "codes.csv");

        var (exit, _, error) = await RunAsync("encode", "--model", model, "--data", images, "--out", csv, "--provider", "cpu");

        Assert.True(exit == 0, error);
        var lines = await File.ReadAllLinesAsync(csv);
        Assert.Equal("path,label,code", lines[0]);
        Assert.Equal(13, lines.Length);
        using var encoder = HashEncoder.Open(await ModelPackage.OpenAsync(model), new HashEncoderOptions { ExecutionProvider = ExecutionProviderPreference.Cpu });
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split(',');
            Assert.Equal(fields[0].Split('/')[0], fields[1]);
            Assert.Matches("^[0-9a-f]{4}$", fields[2]);
            // What the encoder service will do with the same file: decode, preprocess, run.
            var serving = await encoder.EncodeAsync(ImageDecoderChain.Default.Read(Path.Combine(images, fields[0])));
            Assert.Equal(HashCodes.ToHex(serving), fields[2]);
        }
    }

    [Fact]
    public async Task Publish_copies_into_the_registry_once_and_refuses_a_different_model_under_the_same_version()
    {
        var (model, _) = await ModelAndImagesAsync("brain-test");
        var (other, _) = await ModelAndImagesAsync("brain-test", seed: 2);
        var registry = TestData.TempDirectory();

        var first = await RunAsync("publish", "--model", model, "--registry", new Uri(registry).AbsoluteUri);
        var again = await RunAsync("publish", "--model", model, "--registry", registry);
        var conflict = await RunAsync("publish", "--model", other, "--registry", registry);

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("published brain-test", first.Output);
        Assert.True(File.Exists(Path.Combine(registry, "brain-test", "model.onnx")));
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("already in the registry", again.Output);
        Assert.Equal(1, conflict.ExitCode);
        Assert.Contains("different content", conflict.Error);
        Assert.Equal(await ModelPackage.Sha256Async(Path.Combine(model, "model.onnx")), await ModelPackage.Sha256Async(Path.Combine(registry, "brain-test", "model.onnx")));
    }

    [Fact]
    public async Task A_fit_run_folder_encodes_through_its_checkpoint_to_the_same_codes_as_its_onnx_export()
    {
        var (run, model, images) = await RunFolderAndModelAsync();
        var fromCheckpoint = Path.Combine(TestData.TempDirectory(), "checkpoint.csv");
        var fromOnnx = Path.Combine(TestData.TempDirectory(), "onnx.csv");

        var checkpoint = await RunAsync("encode", "--model", run, "--data", images, "--out", fromCheckpoint);
        var onnx = await RunAsync("encode", "--model", model, "--data", images, "--out", fromOnnx, "--provider", "cpu");

        Assert.True(checkpoint.ExitCode == 0, checkpoint.Error);
        Assert.True(onnx.ExitCode == 0, onnx.Error);
        Assert.Contains("TorchSharp", checkpoint.Output);
        Assert.Equal(await File.ReadAllLinesAsync(fromOnnx), await File.ReadAllLinesAsync(fromCheckpoint));
    }

    [Fact]
    public async Task A_damaged_model_is_refused_with_a_clear_error()
    {
        var (model, images) = await ModelAndImagesAsync();
        await File.AppendAllTextAsync(Path.Combine(model, "model.onnx"), "x");

        var evaluate = await RunAsync("evaluate", "--model", model, "--database", images, "--queries", images);
        var publish = await RunAsync("publish", "--model", model, "--registry", TestData.TempDirectory());

        Assert.Equal(1, evaluate.ExitCode);
        Assert.Contains("SHA-256", evaluate.Error);
        Assert.Equal(1, publish.ExitCode);
        Assert.Contains("SHA-256", publish.Error);
    }
}
