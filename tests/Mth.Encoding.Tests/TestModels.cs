using Mth.Encoding.Manifest;
using Mth.Encoding.Preprocessing;

namespace Mth.Encoding.Tests;

/// <summary>Model folders for tests: a tiny real ONNX model and a valid manifest beside it.</summary>
internal static class TestModels
{
    public static string TempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "mth-encoding-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public static ModelManifest Manifest(string version = "tiny-1", int bits = 16, int inputSize = 8) => new()
    {
        Version = version,
        CreatedUtc = new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero),
        Bits = bits,
        InputSize = inputSize,
        Onnx = new OnnxModelInfo { Sha256 = new string('0', 64), Opset = 17 },
        Preprocessing = new PreprocessingInfo { Mean = [0.5f, 0.45f, 0.4f], Std = [0.25f, 0.2f, 0.3f], Resize = ResizeRule.Stretch },
        Classes = ["glioma", "notumor"],
        Data = new DataInfo
        {
            Description = "generated",
            SplitSeed = 7,
            SplitHashes = new Dictionary<string, string> { ["train"] = new('a', 64), ["test"] = new('b', 64) },
        },
        Metrics = new Dictionary<string, double> { ["test.map_all"] = 0.5 },
        Training = new System.Text.Json.Nodes.JsonObject { ["epochs"] = 3, ["optimizer"] = "adam" },
    };

    /// <summary>Writes the ONNX file and the manifest (with its real SHA-256) and returns the verified package.</summary>
    public static async Task<ModelPackage> PackageAsync(TinyOnnxModel model, string? directory = null, string version = "tiny-1")
    {
        directory ??= TempDirectory();
        var onnx = Path.Combine(TempDirectory(), "model.onnx");
        await File.WriteAllBytesAsync(onnx, model.Serialise());
        return await ModelPackage.CreateAsync(directory, Manifest(version, model.Bits, model.InputSize), onnx);
    }
}
