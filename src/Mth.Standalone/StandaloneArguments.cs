using System.Globalization;

namespace Mth.Standalone;

/// <summary>What the program was asked to do.</summary>
internal enum StandaloneCommand
{
    Run,
    Reindex,
    Help,
}

/// <summary>
/// The command line: an optional command (<c>run</c>, the default, or <c>reindex</c>), a few short options that
/// name the settings a first user changes, and anything else passed on to configuration as it is
/// (<c>--Index:Provider=Redis</c>, <c>--Query:DefaultK=20</c>).
/// </summary>
internal sealed record StandaloneArguments(StandaloneCommand Command, IReadOnlyList<string> ConfigurationArguments, string? Model)
{
    public const string Usage = """
        Usage: mth run [options]       start MTH Search (DICOM listener, encoder, query API) in one process
               mth reindex [options]   rebuild the active model's index from the stored instances, then exit

        Options:
          --data DIR         data folder (index, instances, models, API key); default .mth under the current directory
          --http-port N      HTTP port of the query API; default 8080
          --dicom-port N     DICOM port; default 11112
          --ae-title TITLE   our DICOM AE title; default MTH
          --model VERSION    reindex only: the model (index version) to build; default the active one
          --Section:Key=V    any configuration setting (also from the environment, Section__Key=V, or the JSON file named by MTH_CONFIG)

        Production mode, by configuration alone:
          Messaging__Transport=RabbitMq Messaging__RabbitMqUri=amqp://user:pass@host:5672/
          Index__Provider=Redis Index__Redis__Configuration=host1:6379,host2:6379
        """;

    public static StandaloneArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var command = StandaloneCommand.Run;
        var start = 0;
        if (args.Count > 0)
        {
            switch (args[0])
            {
                case "run":
                    start = 1;
                    break;
                case "reindex":
                    command = StandaloneCommand.Reindex;
                    start = 1;
                    break;
                case "help" or "--help" or "-h":
                    return new StandaloneArguments(StandaloneCommand.Help, [], null);
            }
        }

        var configuration = new List<string>();
        string? model = null;
        for (var i = start; i < args.Count; i++)
        {
            var (name, inline) = Split(args[i]);
            switch (name)
            {
                case "--help" or "-h":
                    return new StandaloneArguments(StandaloneCommand.Help, [], null);
                case "--data":
                    configuration.Add($"--{StandaloneOptions.Section}:{nameof(StandaloneOptions.DataFolder)}={Value(args, ref i, name, inline)}");
                    break;
                case "--http-port":
                    configuration.Add($"--urls=http://0.0.0.0:{Port(Value(args, ref i, name, inline), name)}");
                    break;
                case "--dicom-port":
                    configuration.Add($"--Ingest:Port={Port(Value(args, ref i, name, inline), name)}");
                    break;
                case "--ae-title":
                    configuration.Add($"--Ingest:AeTitle={Value(args, ref i, name, inline)}");
                    break;
                case "--model" when command == StandaloneCommand.Reindex:
                    model = Value(args, ref i, name, inline);
                    break;
                default:
                    configuration.Add(args[i]);
                    break;
            }
        }

        return new StandaloneArguments(command, configuration, model);
    }

    private static (string Name, string? Inline) Split(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
    }

    private static string Value(IReadOnlyList<string> args, ref int i, string name, string? inline)
    {
        if (inline is not null)
        {
            return inline;
        }

        if (i + 1 >= args.Count)
        {
            throw new ArgumentException($"{name} needs a value.");
        }

        return args[++i];
    }

    private static string Port(string value, string name) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? port.ToString(CultureInfo.InvariantCulture)
            : throw new ArgumentException($"{name} must be a TCP port (1 to 65535), not '{value}'.");
}
