using Mth.Encoding.Codes;
using Mth.Encoding.Inference;
using Mth.Encoding.Manifest;
using Mth.Imaging;
using Mth.Testing.Models;

namespace Mth.Encoding.Tests;

public sealed class HashEncoderTests
{
    private static FloatImage Image(int seed, int width = 13, int height = 11, int channels = 1)
    {
        var random = new Random(seed);
        var image = new FloatImage(width, height, channels);
        for (var i = 0; i < image.Data.Length; i++)
        {
            image.Data[i] = random.Next(256) / 255f;
        }

        return image;
    }

    [Fact]
    public async Task Without_CUDA_the_encoder_falls_back_to_CPU_and_says_why()
    {
        var package = await TestModels.PackageAsync(new TinyOnnxModel(8, 16, seed: 1));

        using var encoder = HashEncoder.Open(package);

        // This machine (and CI) has no CUDA libraries: the GPU package's provider cannot load.
        Assert.Equal(ExecutionProviderKind.Cpu, encoder.ExecutionProvider);
        Assert.StartsWith("ONNX Runtime: CPU execution provider (CUDA unavailable: ", encoder.ExecutionProviderReport);
    }

    [Fact]
    public async Task Requiring_CUDA_where_it_cannot_load_is_an_error_not_a_silent_fallback()
    {
        var package = await TestModels.PackageAsync(new TinyOnnxModel(8, 16, seed: 1));

        var error = Assert.Throws<InvalidOperationException>(() => HashEncoder.Open(package, new HashEncoderOptions { ExecutionProvider = ExecutionProviderPreference.Cuda }));
        Assert.Contains("CUDA", error.Message);
    }

    [Fact]
    public async Task Hash_outputs_match_the_model_math_and_codes_are_their_sign_bits()
    {
        var model = new TinyOnnxModel(8, 24, seed: 2);
        var package = await TestModels.PackageAsync(model);
        using var encoder = HashEncoder.Open(package, new HashEncoderOptions { ExecutionProvider = ExecutionProviderPreference.Cpu });
        Assert.Equal("ONNX Runtime: CPU execution provider (requested)", encoder.ExecutionProviderReport);
        var images = Enumerable.Range(0, 5).Select(i => Image(i, channels: i % 2 == 0 ? 1 : 3)).ToArray();

        var codes = await encoder.EncodeAsync(images);

        for (var i = 0; i < images.Length; i++)
        {
            var input = encoder.Preprocessor.Preprocess(images[i]);
            var expected = model.Reference(input);
            var outputs = encoder.RunHashLayer(input, 1);
            for (var k = 0; k < 24; k++)
            {
                Assert.Equal(expected[k], outputs[k], 1e-5);
                if (Math.Abs(expected[k]) > 1e-4)
                {
                    Assert.Equal(expected[k] >= 0, HashCodes.Bit(codes[i], k));
                }
            }

            Assert.Equal(3, codes[i].Length);
        }
    }

    [Fact]
    public async Task Batches_cut_at_the_maximum_size_give_the_same_codes_as_one_by_one()
    {
        var package = await TestModels.PackageAsync(new TinyOnnxModel(8, 16, seed: 3));
        using var batched = HashEncoder.Open(package, new HashEncoderOptions { ExecutionProvider = ExecutionProviderPreference.Cpu, MaxBatchSize = 3 });
        var images = Enumerable.Range(0, 7).Select(i => Image(10 + i)).ToArray();

        var together = await batched.EncodeAsync(images);
        var single = new List<byte[]>();
        foreach (var image in images)
        {
            single.Add(await batched.EncodeAsync(image));
        }

        Assert.Equal(single, together);
    }

    [Fact]
    public async Task Concurrent_callers_get_the_same_codes_as_a_single_caller()
    {
        var package = await TestModels.PackageAsync(new TinyOnnxModel(8, 16, seed: 4));
        using var encoder = HashEncoder.Open(package, new HashEncoderOptions { ExecutionProvider = ExecutionProviderPreference.Cpu });
        var images = Enumerable.Range(0, 16).Select(i => Image(100 + i)).ToArray();
        var expected = await encoder.EncodeAsync(images);

        var concurrent = await Task.WhenAll(images.Select(image => Task.Run(() => encoder.EncodeAsync(image))));

        Assert.Equal(expected, concurrent);
    }

    [Fact]
    public async Task A_manifest_that_does_not_match_the_graph_is_refused_when_opening()
    {
        var model = new TinyOnnxModel(8, 16, seed: 5);
        var directory = TestModels.TempDirectory();
        var onnx = Path.Combine(directory, "model.onnx");
        await File.WriteAllBytesAsync(onnx, model.Serialise());
        var package = await ModelPackage.CreateAsync(directory, TestModels.Manifest(bits: 32), onnx);

        var error = Assert.Throws<ModelManifestException>(() => HashEncoder.Open(package));
        Assert.Contains("[N, 32]", error.Message);
    }

    [Fact]
    public async Task A_graph_without_the_named_output_is_refused()
    {
        var model = new TinyOnnxModel(8, 16, seed: 5);
        var directory = TestModels.TempDirectory();
        var onnx = Path.Combine(directory, "model.onnx");
        await File.WriteAllBytesAsync(onnx, model.Serialise(outputName: "codes"));
        var package = await ModelPackage.CreateAsync(directory, TestModels.Manifest(), onnx);

        var error = Assert.Throws<ModelManifestException>(() => HashEncoder.Open(package));
        Assert.Contains("no output 'hash'", error.Message);
    }

    [Fact]
    public async Task A_disposed_encoder_refuses_work()
    {
        var package = await TestModels.PackageAsync(new TinyOnnxModel(8, 16, seed: 6));
        var encoder = HashEncoder.Open(package, new HashEncoderOptions { ExecutionProvider = ExecutionProviderPreference.Cpu });
        encoder.Dispose();
        encoder.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => encoder.EncodeAsync(Image(1)));
    }

    [Fact]
    public async Task Wrongly_sized_input_is_rejected()
    {
        var package = await TestModels.PackageAsync(new TinyOnnxModel(8, 16, seed: 6));
        using var encoder = HashEncoder.Open(package, new HashEncoderOptions { ExecutionProvider = ExecutionProviderPreference.Cpu });

        Assert.Throws<ArgumentException>(() => encoder.RunHashLayer(new float[100], 1));
    }
}
