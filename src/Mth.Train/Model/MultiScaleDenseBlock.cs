using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mth.Train.Model;

/// <summary>
/// One branch of the multi-scale module: Conv(3 -> stem, kernel b, 'same' padding) -> dense block -> MaxPool(pool).
/// </summary>
public sealed class MultiScaleBranch : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d stem;
    private readonly DenseBlock dense;
    private readonly MaxPool2d pool;

    public MultiScaleBranch(string name, int kernel, MthNetworkOptions options) : base(name)
    {
        Kernel = kernel;
        stem = nn.Conv2d(3, options.StemChannels, kernel, padding: (kernel - 1) / 2);
        dense = new DenseBlock("dense", options.StemChannels, options.DenseLayers, options.GrowthRate, options.BottleneckFactor);
        pool = nn.MaxPool2d(options.BranchPool, options.BranchPool);
        RegisterComponents();
    }

    public int Kernel { get; }
    public Conv2d Stem => stem;
    public DenseBlock Dense => dense;

    public override Tensor forward(Tensor input)
    {
        using var a = stem.call(input);
        using var b = dense.call(a);
        return pool.call(b);
    }
}

/// <summary>
/// The multi-scale dense-block module: parallel branches (kernels 1, 3, 5 by default), concatenated on channels:
/// 3 x S x S -> (branches * 48) x S/4 x S/4.
/// </summary>
public sealed class MultiScaleDenseBlock : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<MultiScaleBranch> branches = new();

    public MultiScaleDenseBlock(string name, MthNetworkOptions options) : base(name)
    {
        foreach (int kernel in options.BranchKernels)
            branches.Add(new MultiScaleBranch($"branch{kernel}", kernel, options));
        RegisterComponents();
    }

    public IReadOnlyList<MultiScaleBranch> Branches => [.. branches];

    public override Tensor forward(Tensor input)
    {
        if (branches.Count == 1) return branches[0].call(input);
        var outputs = branches.Select(b => b.call(input)).ToArray();
        try { return cat(outputs, 1); }
        finally { foreach (var o in outputs) o.Dispose(); }
    }
}
