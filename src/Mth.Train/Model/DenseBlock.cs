using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mth.Train.Model;

/// <summary>A dense block: bottleneck layers in sequence, each adding growth-rate channels; H and W unchanged.</summary>
public sealed class DenseBlock : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<BottleneckLayer> layers = new();

    public DenseBlock(string name, int inputChannels, int layerCount, int growthRate, int bottleneckFactor) : base(name)
    {
        for (int i = 0; i < layerCount; i++)
            layers.Add(new BottleneckLayer($"layer{i}", inputChannels + i * growthRate, growthRate, bottleneckFactor));
        OutputChannels = inputChannels + layerCount * growthRate;
        RegisterComponents();
    }

    public int OutputChannels { get; }

    public IReadOnlyList<BottleneckLayer> Layers => [.. layers];

    public override Tensor forward(Tensor input)
    {
        Tensor x = input;
        foreach (var layer in layers)
        {
            var next = layer.call(x);
            if (!ReferenceEquals(x, input)) x.Dispose();
            x = next;
        }
        return ReferenceEquals(x, input) ? input.alias() : x;
    }
}
