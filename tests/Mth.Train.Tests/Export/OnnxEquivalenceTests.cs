using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Mth.Train.Export;
using Mth.Train.Loss;
using Mth.Train.Model;
using Mth.Train.Tests.Fixtures;
using Mth.Train.Training;
using static TorchSharp.torch;

namespace Mth.Train.Tests.Export;

public sealed class OnnxEquivalenceTests
{
    [Theory]
    [InlineData(true, new[] { 1, 3, 5 })]
    [InlineData(false, new[] { 3 })]
    public void Onnx_runtime_matches_TorchSharp_within_1e4_and_every_sign_bit_agrees_on_500_images(bool attention, int[] branches)
    {
        manual_seed(17);
        var options = SmallNetworks.Options(bits: 24) with { UseAttention = attention, BranchKernels = branches };
        using var network = new MthNetwork(options);
        var inputs = new GeneratedImages(500, 4, options.InputSize, 23UL);
        TrainBriefly(network, inputs); // moves weights and BatchNorm running statistics away from their initial values

        var model = MthOnnxExporter.Export(network);
        using var session = new InferenceSession(model);
        var reference = NetworkEncoder.Encode(network, inputs, 100);

        int length = 3 * options.InputSize * options.InputSize;
        var buffer = new float[100 * length];
        double worst = 0;
        int signDisagreements = 0;
        for (int start = 0; start < inputs.Count; start += 100)
        {
            inputs.Fill(Enumerable.Range(start, 100).ToArray(), buffer, null);
            var tensorInput = new DenseTensor<float>(buffer, [100, 3, options.InputSize, options.InputSize]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(MthOnnxExporter.InputName, tensorInput)]);
            var hash = results.Single(r => r.Name == MthOnnxExporter.OutputName).AsTensor<float>().ToArray();
            Assert.Equal(100 * options.Bits, hash.Length);
            for (int i = 0; i < hash.Length; i++)
            {
                float expected = reference.Hash[start * options.Bits + i];
                worst = Math.Max(worst, Math.Abs(expected - hash[i]));
                if (expected >= 0 != hash[i] >= 0) signDisagreements++;
            }
        }
        Assert.True(worst <= 1e-4, $"largest difference {worst:G3}");
        Assert.Equal(0, signDisagreements);
    }

    [Fact]
    public void Exported_graph_accepts_any_batch_size()
    {
        manual_seed(3);
        using var network = new MthNetwork(SmallNetworks.Options());
        network.eval();
        using var session = new InferenceSession(MthOnnxExporter.Export(network));
        foreach (int batch in new[] { 1, 7 })
        {
            var input = new DenseTensor<float>(new float[batch * 3 * 16 * 16], [batch, 3, 16, 16]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(MthOnnxExporter.InputName, input)]);
            Assert.Equal([batch, 16], results.Single().AsTensor<float>().Dimensions.ToArray());
        }
    }

    [Fact]
    public void Validation_encoding_with_ONNX_Runtime_gives_the_codes_TorchSharp_gives()
    {
        manual_seed(29);
        using var network = new MthNetwork(SmallNetworks.Options());
        var inputs = new GeneratedImages(70, 4, 16, 43UL);
        TrainBriefly(network, inputs);
        var torch = NetworkEncoder.Encode(network, inputs, 32, EncodingRuntime.Torch, 1);
        var onnx = NetworkEncoder.Encode(network, inputs, 32, EncodingRuntime.OnnxRuntime, 1);
        Assert.Equal(torch.Labels, onnx.Labels);
        Assert.Equal(torch.Hash.Length, onnx.Hash.Length);
        for (int i = 0; i < torch.Hash.Length; i++)
        {
            Assert.True(Math.Abs(torch.Hash[i] - onnx.Hash[i]) <= 1e-4, $"value {i}: {torch.Hash[i]} vs {onnx.Hash[i]}");
            Assert.Equal(torch.Hash[i] >= 0, onnx.Hash[i] >= 0);
        }
    }

    private static void TrainBriefly(MthNetwork network, GeneratedImages inputs)
    {
        var objective = new MthObjective(new LossOptions(), network.Options.Bits);
        using var optimizer = optim.Adam(network.parameters(), 1e-3);
        network.train();
        var sampler = new ClassBalancedBatchSampler(inputs.Labels, 4, 4);
        var buffer = new float[16 * 3 * 16 * 16];
        foreach (var batch in sampler.Epoch(new Mth.Train.Data.SeededRandom(1UL), 1, 3))
        {
            using var scope = NewDisposeScope();
            inputs.Fill(batch, buffer, null);
            var x = tensor(buffer, [16, 3, 16, 16]);
            var labels = batch.Select(i => inputs.Labels[i]).ToArray();
            optimizer.zero_grad();
            using var output = network.call(x);
            using var triplets = TripletMiner.BatchAll(labels);
            using var loss = objective.Compute(output, tensor(labels.Select(l => (long)l).ToArray()), triplets);
            loss.Total.backward();
            optimizer.step();
        }
        network.eval();
    }
}
