using Mth.Train.Loss;
using Mth.Train.Model;
using Mth.Train.Tests.Fixtures;
using Mth.Train.Training;
using static TorchSharp.torch;

namespace Mth.Train.Tests.Model;

public sealed class MthNetworkTests
{
    [Fact]
    public void Shapes_follow_the_paper_48_channels_per_branch_144_after_the_module_176_after_the_dense_block()
    {
        var options = new MthNetworkOptions { InputSize = 16, Bits = 32, Classes = 3, FeatureSize = 64 };
        Assert.Equal(144, options.MultiScaleChannels);
        Assert.Equal(176, options.DenseChannels);
        using var network = new MthNetwork(options);
        using var x = randn(2, 3, 16, 16);
        using var output = network.call(x);
        Assert.Equal([2L, 64], output.Features.shape);
        Assert.Equal([2L, 32], output.Hash.shape);
        Assert.Equal([2L, 3], output.ClassLogits.shape);
        Assert.Equal([2L, 3], output.SemanticLogits.shape);
        Assert.True(output.Hash.abs().max().item<float>() < 1f);
        Assert.True(output.Features.min().item<float>() >= 0f);
    }

    [Fact]
    public void Describe_lists_every_module_with_its_output_shape_and_the_parameter_total()
    {
        using var network = new MthNetwork(new MthNetworkOptions { InputSize = 16, Bits = 48, Classes = 4 });
        var text = network.Describe();
        Assert.Contains("multiscale.branch5", text);
        Assert.Contains("[1, 144, 4, 4]", text);
        Assert.Contains("[1, 176, 4, 4]", text);
        Assert.Contains("[1, 48]", text);
        Assert.Contains($"total parameters: {MthNetwork.Count(network):N0}", text);
    }

    [Fact]
    public void Ablation_switches_remove_branches_and_attention()
    {
        using var single = new MthNetwork(SmallNetworks.Options() with { BranchKernels = [3], UseAttention = false });
        Assert.Single(single.MultiScale.Branches);
        Assert.Null(single.Attention);
        using var x = randn(2, 3, 16, 16);
        using var output = single.call(x);
        Assert.Equal([2L, 16], output.Hash.shape);
    }

    [Fact]
    public void Invalid_shapes_are_refused_with_a_reason()
    {
        Assert.Throws<ArgumentException>(() => new MthNetworkOptions { InputSize = 18 }.Validate());
        Assert.Throws<ArgumentException>(() => new MthNetworkOptions { Bits = 12 }.Validate());
        Assert.Throws<ArgumentException>(() => new MthNetworkOptions { AttentionHeads = 5 }.Validate());
        Assert.Throws<ArgumentException>(() => new MthNetworkOptions { BranchKernels = [2] }.Validate());
    }

    [Fact]
    public void Gradients_of_the_full_loss_reach_every_parameter()
    {
        manual_seed(5);
        using var network = new MthNetwork(SmallNetworks.Options());
        network.train();
        var inputs = new GeneratedImages(16, 4, 16, 9UL);
        var batch = new float[16 * 3 * 16 * 16];
        inputs.Fill(Enumerable.Range(0, 16).ToArray(), batch, null);
        using var x = tensor(batch, [16, 3, 16, 16]);
        using var y = tensor(inputs.Labels.Select(l => (long)l).ToArray());
        using var output = network.call(x);
        using var triplets = TripletMiner.BatchAll([.. inputs.Labels]);
        using var loss = new MthObjective(new LossOptions(), 16).Compute(output, y, triplets);
        loss.Total.backward();
        foreach (var (name, parameter) in network.named_parameters())
        {
            Assert.True(parameter.grad is not null, $"{name} has no gradient");
            Assert.True(parameter.grad!.abs().sum().item<float>() > 0, $"{name}'s gradient is zero");
        }
    }
}
