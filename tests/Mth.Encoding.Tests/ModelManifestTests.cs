using Mth.Encoding.Manifest;
using Mth.Encoding.Preprocessing;
using Mth.Testing.Models;

namespace Mth.Encoding.Tests;

public sealed class ModelManifestTests
{
    [Fact]
    public void A_manifest_survives_a_round_trip_through_json()
    {
        var manifest = TestModels.Manifest();

        var json = manifest.ToJson();
        var parsed = ModelManifest.Parse(json);

        Assert.Contains("\"input_size\": 8", json);
        Assert.Contains("\"resize\": \"stretch\"", json);
        Assert.Contains("\"hash_output\": \"hash\"", json);
        Assert.Equal(manifest.Version, parsed.Version);
        Assert.Equal(manifest.Preprocessing.Mean, parsed.Preprocessing.Mean);
        Assert.Equal(manifest.Classes, parsed.Classes);
        Assert.Equal(0.5, parsed.Metrics!["test.map_all"]);
        Assert.Equal(new string('a', 64), parsed.Data!.SplitHashes!["train"]);
        Assert.Equal(3, (int)parsed.Training!["epochs"]!);
        Assert.Equal(new PreprocessingOptions(8, [0.5f, 0.45f, 0.4f], [0.25f, 0.2f, 0.3f]), parsed.ToPreprocessingOptions());
    }

    [Fact]
    public void Every_problem_of_an_invalid_manifest_is_listed()
    {
        var manifest = TestModels.Manifest() with
        {
            Version = "../escape",
            Bits = 12,
            Classes = ["a", "a"],
            Preprocessing = new PreprocessingInfo { Mean = [0f, 0f], Std = [1f, 0f, 1f] },
            Onnx = new OnnxModelInfo { File = "../model.onnx", Sha256 = "XYZ" },
        };

        var problems = manifest.Problems();

        Assert.Equal(7, problems.Count);
        var error = Assert.Throws<ModelManifestException>(manifest.Validate);
        Assert.Contains("version '../escape'", error.Message);
        Assert.Contains("bits 12", error.Message);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"format\":\"mth-model/1\"}")]
    [InlineData("null")]
    public void Unreadable_manifests_are_rejected(string json)
    {
        Assert.Throws<ModelManifestException>(() => ModelManifest.Parse(json));
    }

    [Fact]
    public async Task Opening_a_model_folder_checks_the_onnx_hash()
    {
        var package = await TestModels.PackageAsync(new TinyOnnxModel(8, 16, seed: 1));
        Assert.Equal(await ModelPackage.Sha256Async(package.ModelPath), package.Manifest.Onnx.Sha256);

        var bytes = await File.ReadAllBytesAsync(package.ModelPath);
        bytes[^1] ^= 1;
        await File.WriteAllBytesAsync(package.ModelPath, bytes);

        var error = await Assert.ThrowsAsync<ModelManifestException>(() => ModelPackage.OpenAsync(package.Directory));
        Assert.Contains("SHA-256", error.Message);
    }

    [Fact]
    public async Task A_model_folder_without_its_onnx_file_is_rejected()
    {
        var package = await TestModels.PackageAsync(new TinyOnnxModel(8, 16, seed: 1));
        File.Delete(package.ModelPath);

        var error = await Assert.ThrowsAsync<ModelManifestException>(() => ModelPackage.OpenAsync(package.Directory));
        Assert.Contains("has no model.onnx", error.Message);
    }
}
