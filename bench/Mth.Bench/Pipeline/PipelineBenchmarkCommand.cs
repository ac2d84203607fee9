using System.CommandLine;

namespace Mth.Bench.Pipeline;

/// <summary>
/// <c>./mth bench pipeline query …</c>: query latency with concurrent clients over a large index (HTTP against the
/// query service, next to the index searched in process). <c>./mth bench pipeline store …</c>: C-STORE to
/// searchable at a steady rate through Ingest, Encoder and Query running as processes.
/// </summary>
internal static class PipelineBenchmarkCommand
{
    public static Command Create()
    {
        var command = new Command("pipeline", "The pipeline's targets: query latency under concurrent load, and C-STORE to searchable.")
        {
            CreateQuery(),
            CreateStore(),
        };
        return command;
    }

    private static Command CreateStore()
    {
        var defaults = new StoreBenchmarkOptions { Redis = [], RabbitMqUri = "" };
        var redis = new Option<string>("--redis") { Description = "HOST:PORT of a single Redis, or comma-separated seeds of a Redis Cluster.", Required = true };
        var rabbitMq = new Option<string>("--rabbitmq") { Description = "amqp://user:password@host:port/ of the RabbitMQ the services use.", Required = true };
        var rate = new Option<double>("--rate") { Description = "C-STORE requests per second.", DefaultValueFactory = _ => defaults.Rate };
        var duration = new Option<TimeSpan>("--duration") { Description = "How long to send (hh:mm:ss), 5 minutes by default; shorter for trying.", DefaultValueFactory = _ => defaults.Duration };
        var warmup = new Option<int>("--warmup") { Description = "Instances sent and waited for before timing.", DefaultValueFactory = _ => defaults.Warmup };
        var model = new Option<string?>("--model") { Description = "A released model folder (model.onnx + manifest.json); default: a tiny generated model." };
        var template = new Option<string?>("--template") { Description = "A DICOM file copied for every instance; default: a generated 256x256 MR image." };
        var poll = new Option<int>("--poll-ms") { Description = "How often each instance not yet searchable is asked for, in ms.", DefaultValueFactory = _ => (int)defaults.PollInterval.TotalMilliseconds };
        var search = new Option<string>("--search") { Description = "Query:Search of the query service (Redis or Replica).", DefaultValueFactory = _ => defaults.Search };
        var port = new Option<int>("--base-port") { Description = "DICOM port of Ingest; the next three are the HTTP ports of Ingest, Encoder and Query.", DefaultValueFactory = _ => defaults.BasePort };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout (progress stays on stderr)." };
        var command = new Command("store", "C-STORE to searchable, p50 and p95, at a steady rate through Ingest, Encoder and Query running as processes.")
        {
            redis, rabbitMq, rate, duration, warmup, model, template, poll, search, port, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new StoreBenchmarkOptions
            {
                Redis = parse.GetValue(redis)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                RabbitMqUri = parse.GetValue(rabbitMq)!,
                Rate = parse.GetValue(rate),
                Duration = parse.GetValue(duration),
                Warmup = parse.GetValue(warmup),
                Model = parse.GetValue(model),
                Template = parse.GetValue(template),
                PollInterval = TimeSpan.FromMilliseconds(parse.GetValue(poll)),
                Search = parse.GetValue(search)!,
                BasePort = parse.GetValue(port),
                Json = parse.GetValue(json),
            };
            if (options.Rate <= 0 || options.Duration <= TimeSpan.Zero || options.Warmup < 0 || options.PollInterval <= TimeSpan.Zero)
            {
                await Console.Error.WriteLineAsync("bench pipeline store: --rate, --duration and --poll-ms must be positive, --warmup not negative.").ConfigureAwait(false);
                return 2;
            }

            var report = await new StoreBenchmark(options).RunAsync(cancellationToken).ConfigureAwait(false);
            Console.WriteLine(options.Json ? report.ToJson() : report.ToText());
            return report.Passed ? 0 : 1;
        });
        return command;
    }

    private static Command CreateQuery()
    {
        var defaults = new QueryBenchmarkOptions { Redis = [] };
        var redis = new Option<string>("--redis") { Description = "HOST:PORT of a single Redis, or comma-separated seeds of a Redis Cluster.", Required = true };
        var n = new Option<int>("--n") { Description = "Indexed codes.", DefaultValueFactory = _ => defaults.N };
        var bits = new Option<int>("--bits") { Description = "Code length in bits.", DefaultValueFactory = _ => defaults.Bits };
        var k = new Option<int>("--k") { Description = "Results per query.", DefaultValueFactory = _ => defaults.K };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients (closed loop).", DefaultValueFactory = _ => defaults.Clients };
        var queries = new Option<int>("--queries") { Description = "Timed queries per method.", DefaultValueFactory = _ => defaults.Queries };
        var warmup = new Option<int>("--warmup") { Description = "Untimed queries per method before timing.", DefaultValueFactory = _ => defaults.Warmup };
        var clustered = new Option<bool>("--clustered") { Description = "Codes around 64 centres with 1/8 bit flips (like learned codes) instead of uniform." };
        var seed = new Option<int>("--seed") { Description = "Seed of the generated codes and of the queried instances.", DefaultValueFactory = _ => defaults.Seed };
        var prefix = new Option<string>("--prefix") { Description = "Key prefix of the benchmark data.", DefaultValueFactory = _ => defaults.Prefix };
        var keep = new Option<bool>("--keep") { Description = "Keep the loaded data in Redis (a rerun with the same options skips the load)." };
        var modes = new Option<string>("--modes") { Description = "Query:Search modes timed over HTTP, comma-separated (Redis, Replica); empty: none.", DefaultValueFactory = _ => string.Join(',', defaults.Modes) };
        var port = new Option<int>("--port") { Description = "Port for the query service the benchmark starts.", DefaultValueFactory = _ => defaults.Port };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout (progress stays on stderr)." };

        var command = new Command("query", "Query p50/p99 with concurrent clients over N indexed codes: HTTP against the query service, and the index searched in process.")
        {
            redis, n, bits, k, clients, queries, warmup, clustered, seed, prefix, keep, modes, port, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new QueryBenchmarkOptions
            {
                Redis = parse.GetValue(redis)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                N = parse.GetValue(n),
                Bits = parse.GetValue(bits),
                K = parse.GetValue(k),
                Clients = parse.GetValue(clients),
                Queries = parse.GetValue(queries),
                Warmup = parse.GetValue(warmup),
                Clustered = parse.GetValue(clustered),
                Seed = parse.GetValue(seed),
                Prefix = parse.GetValue(prefix)!,
                Keep = parse.GetValue(keep),
                Modes = (parse.GetValue(modes) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                Port = parse.GetValue(port),
                Json = parse.GetValue(json),
            };
            if (options.N < 2 || options.Clients < 1 || options.Queries < 1 || options.K < 1 || options.Warmup < 0)
            {
                await Console.Error.WriteLineAsync("bench pipeline query: --n must be at least 2, --clients, --queries and --k at least 1.").ConfigureAwait(false);
                return 2;
            }

            var report = await new QueryBenchmark(options).RunAsync(cancellationToken).ConfigureAwait(false);
            Console.WriteLine(options.Json ? report.ToJson() : report.ToText());
            return report.Passed ? 0 : 1;
        });
        return command;
    }
}
