using System.Globalization;

namespace Mth.Bench.Dicom;

/// <summary>Command-line options of <c>mth bench dicom</c>.</summary>
internal sealed record DicomBenchmarkOptions
{
    public int SmallInstances { get; init; } = 1000;

    /// <summary>Rows and columns of the small instances (128: 32 KiB of pixels, about 33 KB a file).</summary>
    public int SmallSize { get; init; } = 128;

    public int LargeInstances { get; init; } = 200;

    public int LargeSize { get; init; } = 512;

    /// <summary>Size of the one big multi-frame instance for the memory measurement (MiB of pixels).</summary>
    public int BigInstanceMiB { get; init; } = 500;

    /// <summary>Runs of each measurement; the median is reported.</summary>
    public int Repeat { get; init; } = 3;

    /// <summary>Parallel associations in the concurrent scenario.</summary>
    public int Associations { get; init; } = 4;

    /// <summary>Where instances are generated and received: a real disk, so that fsync costs what it costs.</summary>
    public string WorkDirectory { get; init; } = Path.GetTempPath();

    public bool SkipMemory { get; init; }

    /// <summary>Largest instance the journal receiver journals (KiB); null: the store's default.</summary>
    public int? JournalMaxKiB { get; init; }

    /// <summary>Free spool slots the journal receiver keeps; null: the store's default (0: no spool).</summary>
    public int? SpoolSlots { get; init; }

    public static DicomBenchmarkOptions Parse(string[] args)
    {
        var options = new DicomBenchmarkOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--small" => options with { SmallInstances = NextInt() },
                "--large" => options with { LargeInstances = NextInt() },
                "--big-mib" => options with { BigInstanceMiB = NextInt() },
                "--repeat" => options with { Repeat = NextInt() },
                "--associations" => options with { Associations = NextInt() },
                "--work" => options with { WorkDirectory = Next() },
                "--skip-memory" => options with { SkipMemory = true },
                "--journal-max-kib" => options with { JournalMaxKiB = NextInt() },
                "--spool-slots" => options with { SpoolSlots = NextInt() },
                _ => throw new ArgumentException(
                    $"Unknown option '{args[i]}'. Options: --small N --large N --big-mib N --repeat N --associations N --work DIR --skip-memory --journal-max-kib N --spool-slots N."),
            };
        }

        if (options.SmallInstances < 1 || options.LargeInstances < 1 || options.Repeat < 1 || options.Associations < 1 || options.BigInstanceMiB < 1)
        {
            throw new ArgumentException("Counts must be positive.");
        }

        return options;
    }
}
