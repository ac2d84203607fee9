using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mth.Encoding.Images;
using Mth.Encoding.Manifest;

namespace Mth.Train.Data;

/// <summary>The three parts of a split.</summary>
public enum SplitPart
{
    Train,
    Validation,
    Test,
}

/// <summary>
/// A seeded, stratified train/validation/test split of a source, written down with the
/// SHA-256 of every item so that it can be reloaded and checked. Stratified per class; items
/// with byte-identical content are kept in one part (no leakage through duplicates); the
/// result depends only on the items' keys, labels and hashes and the seed, not on the order in
/// which files were listed.
/// </summary>
public sealed class DatasetSplit
{
    public const string Format = "mth-split/1";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly SplitPart[] assignment;
    private readonly string[] hashes;
    private readonly ImageSet[] sets;

    private DatasetSplit(ILabelledImageSource source, ulong seed, SplitFractions fractions, SplitPart[] assignment, string[] hashes)
    {
        Source = source;
        Seed = seed;
        Fractions = fractions;
        this.assignment = assignment;
        this.hashes = hashes;
        sets = Enum.GetValues<SplitPart>()
            .Select(part => new ImageSet(source, Enumerable.Range(0, assignment.Length).Where(i => assignment[i] == part), Name(part)))
            .ToArray();
    }

    public ILabelledImageSource Source { get; }

    public ulong Seed { get; }

    public SplitFractions Fractions { get; }

    /// <summary>The part of each source item, by source index.</summary>
    public IReadOnlyList<SplitPart> Assignment => assignment;

    /// <summary>SHA-256 of each source item, by source index.</summary>
    public IReadOnlyList<string> ItemHashes => hashes;

    public ImageSet Train => sets[(int)SplitPart.Train];

    public ImageSet Validation => sets[(int)SplitPart.Validation];

    public ImageSet Test => sets[(int)SplitPart.Test];

    public ImageSet this[SplitPart part] => sets[(int)part];

    public static string Name(SplitPart part) => part switch
    {
        SplitPart.Train => "train",
        SplitPart.Validation => "validation",
        _ => "test",
    };

    public static SplitPart ParsePart(string name) => name.Trim().ToLowerInvariant() switch
    {
        "train" => SplitPart.Train,
        "validation" or "val" => SplitPart.Validation,
        "test" => SplitPart.Test,
        _ => throw new DataSourceException($"Unknown split part '{name}' (train, validation, test)."),
    };

    /// <summary>
    /// SHA-256 over the part's lines "key\tclass\tsha256\n" in ordinal key order: one value that
    /// names exactly which images (and which bytes) a part holds; recorded in model manifests.
    /// </summary>
    public string PartHash(SplitPart part)
    {
        var lines = new StringBuilder();
        foreach (var index in Enumerable.Range(0, assignment.Length).Where(i => assignment[i] == part)
                     .OrderBy(i => Source.Items[i].Key, StringComparer.Ordinal))
        {
            var item = Source.Items[index];
            lines.Append(item.Key).Append('\t').Append(Source.ClassNames[item.Label]).Append('\t').Append(hashes[index]).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(lines.ToString())));
    }

    /// <summary>The data section of a released model's manifest: source, seed, per-part hashes and counts.</summary>
    public DataInfo ToManifestData() => new()
    {
        Description = Source.Description,
        // The source's name only: a full path would leak the training machine's layout into every release.
        Source = Path.GetFileName(Path.TrimEndingDirectorySeparator(DataSources.SplitSpec(Source.Location).Location)),
        SplitSeed = Seed,
        SplitHashes = Enum.GetValues<SplitPart>().ToDictionary(Name, PartHash),
        SplitCounts = Enum.GetValues<SplitPart>().ToDictionary(Name, part => this[part].Count),
    };

    public static async Task<DatasetSplit> CreateAsync(
        ILabelledImageSource source, SplitFractions fractions, ulong seed,
        IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(fractions);
        var hashes = await HashAllAsync(source, progress, cancellationToken).ConfigureAwait(false);
        return new DatasetSplit(source, seed, fractions, Assign(source, hashes, fractions, seed), hashes);
    }

    /// <summary>Per class: duplicate groups in key order, shuffled by a class-specific stream of the seed, cut into test, validation, train.</summary>
    private static SplitPart[] Assign(ILabelledImageSource source, string[] hashes, SplitFractions fractions, ulong seed)
    {
        var items = source.Items;
        var order = Enumerable.Range(0, items.Count).OrderBy(i => items[i].Key, StringComparer.Ordinal).ToArray();
        // A duplicate group belongs to the class of its first member in key order.
        var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var groupOrder = new List<string>();
        foreach (var index in order)
        {
            if (!groups.TryGetValue(hashes[index], out var members))
            {
                groups[hashes[index]] = members = [];
                groupOrder.Add(hashes[index]);
            }

            members.Add(index);
        }

        var assignment = new SplitPart[items.Count];
        var random = new SeededRandom(seed);
        for (var label = 0; label < source.ClassNames.Count; label++)
        {
            var classGroups = groupOrder.Where(h => items[groups[h][0]].Label == label).Select(h => groups[h]).ToArray();
            random.Fork((ulong)label + 1).Shuffle(classGroups.AsSpan());
            var total = classGroups.Sum(g => g.Count);
            var testQuota = Quota(total, fractions.Test);
            var validationQuota = Quota(total, fractions.Validation);
            int test = 0, validation = 0;
            foreach (var group in classGroups)
            {
                SplitPart part;
                if (test < testQuota)
                {
                    part = SplitPart.Test;
                    test += group.Count;
                }
                else if (validation < validationQuota)
                {
                    part = SplitPart.Validation;
                    validation += group.Count;
                }
                else
                {
                    part = SplitPart.Train;
                }

                foreach (var member in group)
                {
                    assignment[member] = part;
                }
            }
        }

        return assignment;
    }

    /// <summary>Rounded share, at least one item when the fraction is positive and the class has three or more.</summary>
    private static int Quota(int total, double fraction)
    {
        if (fraction <= 0)
        {
            return 0;
        }

        var quota = (int)Math.Round(total * fraction, MidpointRounding.AwayFromZero);
        return total >= 3 ? Math.Max(1, quota) : quota;
    }

    private static async Task<string[]> HashAllAsync(ILabelledImageSource source, IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        var hashes = new string[source.Items.Count];
        var done = 0;
        await Parallel.ForAsync(0, hashes.Length, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            async (index, token) =>
            {
                hashes[index] = await source.HashAsync(index, token).ConfigureAwait(false);
                var count = Interlocked.Increment(ref done);
                if (count % 256 == 0 || count == hashes.Length)
                {
                    progress?.Report((count, hashes.Length));
                }
            }).ConfigureAwait(false);
        return hashes;
    }

    /// <summary>Writes the split file; the source is recorded relative to the file's folder where it can be.</summary>
    public async Task SaveAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var document = new SplitDocument
        {
            Format = Format,
            Source = RelativeSpec(Source.Location, directory),
            SourceDescription = Source.Description,
            Seed = Seed,
            Fractions = new FractionsDocument { Train = Fractions.Train, Validation = Fractions.Validation, Test = Fractions.Test },
            Classes = [.. Source.ClassNames],
            Counts = Enum.GetValues<SplitPart>().ToDictionary(Name, part => this[part].Count),
            Hashes = Enum.GetValues<SplitPart>().ToDictionary(Name, PartHash),
            Items = Enumerable.Range(0, assignment.Length)
                .Select(i => new ItemDocument
                {
                    Key = Source.Items[i].Key,
                    Label = Source.ClassNames[Source.Items[i].Label],
                    Sha256 = hashes[i],
                    Split = Name(assignment[i]),
                })
                .ToList(),
        };
        var temporary = path + ".tmp";
        await using (var stream = File.Create(temporary))
        {
            await JsonSerializer.SerializeAsync(stream, document, JsonOptions, cancellationToken).ConfigureAwait(false);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// Reloads a split file: opens its source (or <paramref name="sourceOverride"/> where the data
    /// moved), and checks that the source holds exactly the recorded items with the recorded labels
    /// and bytes; any difference is an error that names the first offending item.
    /// </summary>
    public static async Task<DatasetSplit> LoadAsync(string path, ImageDecoderChain? decoders = null, string? sourceOverride = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new DataSourceException($"Split file '{path}' does not exist.");
        }

        SplitDocument document;
        try
        {
            await using var stream = File.OpenRead(path);
            document = await JsonSerializer.DeserializeAsync<SplitDocument>(stream, JsonOptions, cancellationToken).ConfigureAwait(false)
                ?? throw new DataSourceException($"Split file '{path}' is empty.");
        }
        catch (JsonException exception)
        {
            throw new DataSourceException($"Split file '{path}' is not valid JSON: {exception.Message}", exception);
        }

        if (document.Format != Format || document.Items is null || document.Fractions is null || document.Source is null)
        {
            throw new DataSourceException($"'{path}' is not a split file of format {Format}.");
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var spec = sourceOverride ?? ResolveSpec(document.Source, directory);
        var source = DataSources.OpenSource(spec, decoders);
        if (document.Classes is not null && !document.Classes.SequenceEqual(source.ClassNames))
        {
            throw new DataSourceException($"Split file '{path}': the source's classes ({string.Join(", ", source.ClassNames)}) differ from the recorded ones ({string.Join(", ", document.Classes)}).");
        }

        var byKey = new Dictionary<string, ItemDocument>(StringComparer.Ordinal);
        foreach (var item in document.Items)
        {
            if (item.Key is null || !byKey.TryAdd(item.Key, item))
            {
                throw new DataSourceException($"Split file '{path}' lists an item without key or twice: '{item.Key}'.");
            }
        }

        foreach (var item in source.Items)
        {
            if (!byKey.ContainsKey(item.Key))
            {
                throw new DataSourceException($"Split file '{path}' does not list '{item.Key}' of the source {spec}.");
            }
        }

        if (byKey.Count != source.Items.Count)
        {
            var present = source.Items.Select(i => i.Key).ToHashSet(StringComparer.Ordinal);
            var missing = byKey.Keys.First(key => !present.Contains(key));
            throw new DataSourceException($"'{missing}' of split file '{path}' is missing from the source {spec}.");
        }

        var hashes = await HashAllAsync(source, null, cancellationToken).ConfigureAwait(false);
        var assignment = new SplitPart[source.Items.Count];
        for (var i = 0; i < source.Items.Count; i++)
        {
            var item = source.Items[i];
            var recorded = byKey[item.Key];

            if (recorded.Label != source.ClassNames[item.Label])
            {
                throw new DataSourceException($"'{item.Key}' is labelled '{source.ClassNames[item.Label]}' in the source but '{recorded.Label}' in the split file.");
            }

            if (!string.Equals(recorded.Sha256, hashes[i], StringComparison.Ordinal))
            {
                throw new DataSourceException($"'{item.Key}' has changed since the split was made (SHA-256 {hashes[i]}, recorded {recorded.Sha256}).");
            }

            assignment[i] = ParsePart(recorded.Split ?? string.Empty);
        }

        var fractions = new SplitFractions(document.Fractions.Train, document.Fractions.Validation, document.Fractions.Test);
        return new DatasetSplit(source, document.Seed, fractions, assignment, hashes);
    }

    private static string RelativeSpec(string spec, string directory)
    {
        var (location, selector) = DataSources.SplitSpec(spec);
        var relative = Path.GetRelativePath(directory, Path.GetFullPath(location)).Replace(Path.DirectorySeparatorChar, '/');
        return selector is null ? relative : $"{relative}#{selector}";
    }

    private static string ResolveSpec(string spec, string directory)
    {
        var (location, selector) = DataSources.SplitSpec(spec);
        var full = Path.GetFullPath(Path.Combine(directory, location));
        return selector is null ? full : $"{full}#{selector}";
    }

    private sealed class SplitDocument
    {
        public string? Format { get; set; }
        public string? Source { get; set; }
        public string? SourceDescription { get; set; }
        public ulong Seed { get; set; }
        public FractionsDocument? Fractions { get; set; }
        public List<string>? Classes { get; set; }
        public Dictionary<string, int>? Counts { get; set; }
        public Dictionary<string, string>? Hashes { get; set; }
        public List<ItemDocument>? Items { get; set; }
    }

    private sealed class FractionsDocument
    {
        public double Train { get; set; }
        public double Validation { get; set; }
        public double Test { get; set; }
    }

    private sealed class ItemDocument
    {
        public string? Key { get; set; }
        public string? Label { get; set; }
        public string? Sha256 { get; set; }
        public string? Split { get; set; }
    }
}
