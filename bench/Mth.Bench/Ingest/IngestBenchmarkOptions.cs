using System.Globalization;

namespace Mth.Bench.Ingest;

/// <summary>Command-line options of <c>mth bench ingest</c>.</summary>
internal sealed record IngestBenchmarkOptions
{
    public int Instances { get; init; } = 1000;

    /// <summary>Rows and columns of the CT instances (128: about 33 KB a file, as in the DICOM benchmark).</summary>
    public int Size { get; init; } = 128;

    /// <summary>Runs of each rate measurement; the median is reported.</summary>
    public int Repeat { get; init; } = 3;

    public int Associations { get; init; } = 4;

    /// <summary>Where instances are generated and stored: the disk to be judged.</summary>
    public string WorkDirectory { get; init; } = Path.GetTempPath();

    /// <summary>Instances per second of the steady-rate run (one association, our SCU).</summary>
    public double Rate { get; init; } = 20;

    /// <summary>Length of the steady-rate run.</summary>
    public int Seconds { get; init; } = 30;

    /// <summary>A RabbitMQ to publish to (amqp://…); without it Ingest publishes on the in-memory bus.</summary>
    public string? AmqpUri { get; init; }

    public static IngestBenchmarkOptions Parse(string[] args)
    {
        var options = new IngestBenchmarkOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--instances" => options with { Instances = NextInt() },
                "--size" => options with { Size = NextInt() },
                "--repeat" => options with { Repeat = NextInt() },
                "--associations" => options with { Associations = NextInt() },
                "--work" => options with { WorkDirectory = Next() },
                "--amqp" => options with { AmqpUri = Next() },
                "--rate" => options with { Rate = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--seconds" => options with { Seconds = NextInt() },
                _ => throw new ArgumentException(
                    $"Unknown option '{args[i]}'. Options: --instances N --size N --repeat N --associations N --work DIR --amqp URI --rate N --seconds N."),
            };
        }

        if (options.Instances < 1 || options.Size < 8 || options.Repeat < 1 || options.Associations < 1 || options.Rate <= 0 || options.Seconds < 1)
        {
            throw new ArgumentException("Counts must be positive and --size at least 8.");
        }

        return options;
    }
}
