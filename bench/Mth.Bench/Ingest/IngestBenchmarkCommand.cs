using System.CommandLine;

namespace Mth.Bench.Ingest;

/// <summary><c>mth bench ingest [options]</c>: registers <see cref="IngestBenchmark"/>; its options are parsed by <see cref="IngestBenchmarkOptions"/>.</summary>
public static class IngestBenchmarkCommand
{
    public static Command Create()
    {
        var command = new Command("ingest",
            "What Ingest's durable outbox costs per instance: the durable-write floor of each write sequence, and storescu receive rates " +
            "of the Ingest service next to the plain file store and dcmtk storescp, and C-STORE answer times at a steady rate. " +
            "Options: --instances N --size N --repeat N --associations N --work DIR --amqp URI --rate N --seconds N.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction((parseResult, cancellationToken) => IngestBenchmark.RunAsync([.. parseResult.UnmatchedTokens], cancellationToken));
        return command;
    }
}
