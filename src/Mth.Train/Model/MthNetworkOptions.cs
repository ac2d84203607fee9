namespace Mth.Train.Model;

/// <summary>
/// Every shape and switch of the MTH network (MTH-SPEC.md "Network"). Defaults are the paper's
/// (branches 1/3/5, 16 stem channels, 4 bottleneck layers of growth 8, pool 4, 4 heads, 1024 units)
/// except the input size, which is a configuration value (the paper uses S = 256).
/// </summary>
public sealed record MthNetworkOptions
{
    /// <summary>Input side S: images are 3 x S x S.</summary>
    public int InputSize { get; init; } = 64;

    /// <summary>Code length k.</summary>
    public int Bits { get; init; } = 48;

    /// <summary>Number of classes s (class layer and semantic projection).</summary>
    public int Classes { get; init; } = 4;

    /// <summary>Kernel sizes of the parallel branches of the multi-scale module; one entry = the single-scale ablation.</summary>
    public IReadOnlyList<int> BranchKernels { get; init; } = [1, 3, 5];

    /// <summary>Channels of each branch's first convolution (paper: 16).</summary>
    public int StemChannels { get; init; } = 16;

    /// <summary>Growth rate of every dense block (paper: 8).</summary>
    public int GrowthRate { get; init; } = 8;

    /// <summary>Bottleneck layers per dense block (paper: 4).</summary>
    public int DenseLayers { get; init; } = 4;

    /// <summary>Bottleneck width as a multiple of the growth rate (DenseNet-B: 4).</summary>
    public int BottleneckFactor { get; init; } = 4;

    /// <summary>Kernel and stride of each branch's max pooling (paper: S -> S/4).</summary>
    public int BranchPool { get; init; } = 4;

    /// <summary>Whether the channel self-attention module is present (false = the no-attention ablation).</summary>
    public bool UseAttention { get; init; } = true;

    /// <summary>Attention heads U; the channels after the multi-scale module must divide by it.</summary>
    public int AttentionHeads { get; init; } = 4;

    /// <summary>(interpretation) Side P of the adaptive average pool before the fully connected layer.</summary>
    public int FeaturePool { get; init; } = 4;

    /// <summary>Units of the fully connected layer whose ReLU output is the deep feature D(M) (paper: 1024).</summary>
    public int FeatureSize { get; init; } = 1024;

    /// <summary>Channels after the multi-scale module (concatenated branches).</summary>
    public int MultiScaleChannels => BranchKernels.Count * (StemChannels + DenseLayers * GrowthRate);

    /// <summary>Channels after the second dense block.</summary>
    public int DenseChannels => MultiScaleChannels + DenseLayers * GrowthRate;

    /// <summary>Side of the feature maps after the multi-scale module.</summary>
    public int MapSize => InputSize / BranchPool;

    /// <summary>Throws when the combination cannot form a network.</summary>
    public void Validate()
    {
        if (InputSize < BranchPool || InputSize % BranchPool != 0)
            throw new ArgumentException($"input size {InputSize} must be a positive multiple of the branch pool {BranchPool}");
        if (Bits is < 8 or > 4096 || Bits % 8 != 0)
            throw new ArgumentException($"bits {Bits} must be a multiple of 8 between 8 and 4096 (codes are stored as k/8 bytes)");
        if (Classes < 2) throw new ArgumentException("at least 2 classes are needed");
        if (BranchKernels.Count == 0 || BranchKernels.Any(k => k < 1 || k % 2 == 0))
            throw new ArgumentException("branch kernels must be odd and positive ('same' padding (k-1)/2)");
        if (UseAttention && (AttentionHeads < 1 || MultiScaleChannels % AttentionHeads != 0))
            throw new ArgumentException($"{MultiScaleChannels} channels do not split into {AttentionHeads} heads");
        if (FeaturePool < 1 || FeaturePool > MapSize)
            throw new ArgumentException($"feature pool {FeaturePool} must be between 1 and the map size {MapSize}");
        if (StemChannels < 1 || GrowthRate < 1 || DenseLayers < 1 || BottleneckFactor < 1 || FeatureSize < 1)
            throw new ArgumentException("channel counts must be positive");
    }
}
