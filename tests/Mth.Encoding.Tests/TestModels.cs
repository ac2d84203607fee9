using Mth.Encoding.Manifest;
using Mth.Testing.Models;

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

    public static ModelManifest Manifest(string version = "tiny-1", int bits = 16, int inputSize = 8) =>
        new TinyOnnxModel(inputSize, bits, seed: 0).Manifest(version);

    /// <summary>Writes the ONNX file and the manifest (with its real SHA-256) and returns the verified package.</summary>
    public static Task<ModelPackage> PackageAsync(TinyOnnxModel model, string? directory = null, string version = "tiny-1") =>
        model.CreatePackageAsync(directory ?? TempDirectory(), version);
}
