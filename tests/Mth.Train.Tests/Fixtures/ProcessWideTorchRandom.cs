namespace Mth.Train.Tests.Fixtures;

/// <summary>
/// libtorch's default CPU generator is one per process: a test that seeds it and compares the weights or codes
/// it gets must not share the process with tests that draw from it at the same moment (network initialisation,
/// random tensors). xunit runs this collection on its own, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideTorchRandom
{
    public const string Name = "libtorch's process-wide random generator";
}
