namespace Mth.Dicom.Tests.Network;

/// <summary>
/// Tests that bound allocations read the process-wide allocation counter; they run alone so
/// that other tests' allocations cannot be counted against them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasurementCollection
{
    public const string Name = "Allocation measurement";
}
