using System.CommandLine;
using Mth.Bench.Dicom;
using Mth.Bench.Index;
using Mth.Bench.Pipeline;
using Mth.Bench.Ingest;

// ./mth bench …: each benchmark is a subcommand living in its own folder (Index/, later Dicom/, Pipeline/).
var root = new RootCommand("MTH Search benchmarks: speed and memory targets measured against a reference in the same run.")
{
    IndexBenchmarkCommand.Create(),
    DicomBenchmarkCommand.Create(),
    PipelineBenchmarkCommand.Create(),
    IngestBenchmarkCommand.Create(),
};

return await root.Parse(args).InvokeAsync();
