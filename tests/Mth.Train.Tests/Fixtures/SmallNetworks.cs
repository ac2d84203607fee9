using Mth.Train.Model;

namespace Mth.Train.Tests.Fixtures;

/// <summary>Network shapes small enough for unit tests on 2 cores (the paper's structure, fewer pixels and units).</summary>
public static class SmallNetworks
{
    public static MthNetworkOptions Options(int classes = 4, int bits = 16, int inputSize = 16) => new()
    {
        InputSize = inputSize,
        Bits = bits,
        Classes = classes,
        FeaturePool = 2,
        FeatureSize = 64,
    };
}
