using System.CommandLine;

namespace Mth.Bench.Dicom;

/// <summary><c>mth bench dicom [options]</c>: registers <see cref="DicomBenchmark"/> as a subcommand; its options are parsed by <see cref="DicomBenchmarkOptions"/>.</summary>
public static class DicomBenchmarkCommand
{
    public static Command Create()
    {
        var command = new Command("dicom",
            "Receive rate of the storage SCP from dcmtk storescu next to dcmtk storescp, and its memory while receiving a 500 MB instance. " +
            "Options: --small N --large N --big-mib N --repeat N --associations N --work DIR --skip-memory.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction((parseResult, cancellationToken) => DicomBenchmark.RunAsync([.. parseResult.UnmatchedTokens], cancellationToken));
        return command;
    }
}
