using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mth.Train.Model;

/// <summary>
/// DenseNet-B bottleneck: BN -> ReLU -> Conv1x1(-> factor*growth) -> BN -> ReLU -> Conv3x3(-> growth, pad 1),
/// its output concatenated to its input.
/// </summary>
public sealed class BottleneckLayer : nn.Module<Tensor, Tensor>
{
    private readonly BatchNorm2d norm1;
    private readonly Conv2d conv1;
    private readonly BatchNorm2d norm2;
    private readonly Conv2d conv2;

    public BottleneckLayer(string name, int inputChannels, int growthRate, int bottleneckFactor) : base(name)
    {
        int width = bottleneckFactor * growthRate;
        norm1 = nn.BatchNorm2d(inputChannels);
        conv1 = nn.Conv2d(inputChannels, width, 1, bias: false);
        norm2 = nn.BatchNorm2d(width);
        conv2 = nn.Conv2d(width, growthRate, 3, padding: 1, bias: false);
        RegisterComponents();
    }

    public BatchNorm2d Norm1 => norm1;
    public Conv2d Conv1 => conv1;
    public BatchNorm2d Norm2 => norm2;
    public Conv2d Conv2 => conv2;

    public override Tensor forward(Tensor input)
    {
        using var a = nn.functional.relu(norm1.call(input));
        using var b = conv1.call(a);
        using var c = nn.functional.relu(norm2.call(b));
        using var d = conv2.call(c);
        return cat([input, d], 1);
    }
}
