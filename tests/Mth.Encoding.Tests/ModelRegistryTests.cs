using Mth.Encoding.Manifest;
using Mth.Testing.Models;

namespace Mth.Encoding.Tests;

public sealed class ModelRegistryTests
{
    [Fact]
    public async Task Publishing_copies_a_verified_model_under_its_version()
    {
        var package = await TestModels.PackageAsync(new TinyOnnxModel(8, 16, seed: 1), version: "brain-1");
        var registry = new ModelRegistry(TestModels.TempDirectory());

        var result = await registry.PublishAsync(package);

        Assert.Equal(PublishOutcome.Published, result.Outcome);
        Assert.Equal(Path.Combine(registry.Root, "brain-1"), result.Package.Directory);
        Assert.Equal(["brain-1"], registry.Versions());
        Assert.Equal(package.Manifest.Onnx.Sha256, (await registry.OpenAsync("brain-1")).Manifest.Onnx.Sha256);
        Assert.Empty(Directory.GetDirectories(registry.Root, ".incoming-*"));
    }

    [Fact]
    public async Task Publishing_the_same_model_again_changes_nothing()
    {
        var package = await TestModels.PackageAsync(new TinyOnnxModel(8, 16, seed: 1), version: "brain-1");
        var registry = new ModelRegistry(TestModels.TempDirectory());
        await registry.PublishAsync(package);

        var again = await registry.PublishAsync(package);

        Assert.Equal(PublishOutcome.AlreadyPresent, again.Outcome);
    }

    [Fact]
    public async Task A_different_model_under_a_published_version_is_refused()
    {
        var registry = new ModelRegistry(TestModels.TempDirectory());
        await registry.PublishAsync(await TestModels.PackageAsync(new TinyOnnxModel(8, 16, seed: 1), version: "brain-1"));
        var other = await TestModels.PackageAsync(new TinyOnnxModel(8, 16, seed: 2), version: "brain-1");

        var error = await Assert.ThrowsAsync<ModelManifestException>(() => registry.PublishAsync(other));

        Assert.Contains("already published with different content", error.Message);
        Assert.NotEqual(other.Manifest.Onnx.Sha256, (await registry.OpenAsync("brain-1")).Manifest.Onnx.Sha256);
    }

    [Fact]
    public async Task A_file_uri_names_the_registry_directory()
    {
        var directory = TestModels.TempDirectory();
        var registry = new ModelRegistry(new Uri(directory).AbsoluteUri);

        await registry.PublishAsync(await TestModels.PackageAsync(new TinyOnnxModel(8, 16, seed: 1), version: "v2"));

        Assert.Equal(Path.GetFullPath(directory), registry.Root);
        Assert.True(File.Exists(Path.Combine(directory, "v2", "model.onnx")));
        Assert.Throws<ModelManifestException>(() => new ModelRegistry("https://models.example/registry"));
    }

    [Fact]
    public async Task Version_names_cannot_leave_the_registry()
    {
        var registry = new ModelRegistry(TestModels.TempDirectory());
        await Assert.ThrowsAsync<ModelManifestException>(() => registry.OpenAsync("../other"));
    }
}
