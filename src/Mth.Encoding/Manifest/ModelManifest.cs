using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Mth.Encoding.Preprocessing;

namespace Mth.Encoding.Manifest;

/// <summary>
/// manifest.json of a released model (docs/encoding.md has the schema): what the model is
/// (version, bits k, input size S, classes), how its input is made (preprocessing), what it was
/// trained on (data description and split hashes), how well it retrieves (metrics), how it was
/// trained (configuration), and the SHA-256 of model.onnx.
/// </summary>
public sealed partial record ModelManifest
{
    public const string CurrentFormat = "mth-model/1";
    public const string FileName = "manifest.json";

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public string Format { get; init; } = CurrentFormat;

    /// <summary>Unique name of this model; letters, digits, '.', '_', '-' (it names the registry folder).</summary>
    public required string Version { get; init; }

    public DateTimeOffset? CreatedUtc { get; init; }

    /// <summary>k: code length in bits.</summary>
    public required int Bits { get; init; }

    /// <summary>S: the model input is 3 x S x S.</summary>
    public required int InputSize { get; init; }

    public required OnnxModelInfo Onnx { get; init; }

    public required PreprocessingInfo Preprocessing { get; init; }

    public required IReadOnlyList<string> Classes { get; init; }

    public DataInfo? Data { get; init; }

    /// <summary>Named figures, e.g. "test.map_all", "validation.map_all" (free keys, numeric values).</summary>
    public IReadOnlyDictionary<string, double>? Metrics { get; init; }

    /// <summary>The training configuration as the trainer recorded it (free-form).</summary>
    public JsonObject? Training { get; init; }

    public PreprocessingOptions ToPreprocessingOptions() =>
        new(InputSize, Preprocessing.Mean, Preprocessing.Std, Preprocessing.Resize);

    /// <summary>Every problem of the manifest (empty when valid).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Format != CurrentFormat)
        {
            problems.Add($"format is '{Format}', expected '{CurrentFormat}'");
        }

        if (string.IsNullOrEmpty(Version) || !VersionPattern().IsMatch(Version))
        {
            problems.Add($"version '{Version}' must be 1-100 characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
        }

        if (Bits is < 8 or > 4096 || Bits % 8 != 0)
        {
            problems.Add($"bits {Bits} must be a multiple of 8 between 8 and 4096");
        }

        if (InputSize is < 4 or > 4096)
        {
            problems.Add($"input_size {InputSize} must be between 4 and 4096");
        }

        if (Onnx is null)
        {
            problems.Add("onnx section is missing");
        }
        else
        {
            if (string.IsNullOrEmpty(Onnx.File) || Onnx.File != Path.GetFileName(Onnx.File) || Onnx.File.StartsWith('.'))
            {
                problems.Add($"onnx.file '{Onnx.File}' must be a plain file name inside the model folder");
            }

            if (Onnx.Sha256 is null || !Sha256Pattern().IsMatch(Onnx.Sha256))
            {
                problems.Add("onnx.sha256 must be 64 lower-case hex digits");
            }

            if (string.IsNullOrEmpty(Onnx.Input) || string.IsNullOrEmpty(Onnx.HashOutput))
            {
                problems.Add("onnx.input and onnx.hash_output must name the graph's input and hash output");
            }
        }

        if (Preprocessing is null)
        {
            problems.Add("preprocessing section is missing");
        }
        else
        {
            if (Preprocessing.Mean is not { Count: 3 } || Preprocessing.Mean.Any(m => !float.IsFinite(m)))
            {
                problems.Add("preprocessing.mean must hold 3 finite values");
            }

            if (Preprocessing.Std is not { Count: 3 } || Preprocessing.Std.Any(s => !float.IsFinite(s) || s <= 0))
            {
                problems.Add("preprocessing.std must hold 3 positive values");
            }

            if (Preprocessing.Channels != PreprocessingInfo.GreyRepeatedRgbKept)
            {
                problems.Add($"preprocessing.channels '{Preprocessing.Channels}' is not supported ('{PreprocessingInfo.GreyRepeatedRgbKept}' is)");
            }

            if (Preprocessing.Resampler != PreprocessingInfo.AreaDownBilinearUp)
            {
                problems.Add($"preprocessing.resampler '{Preprocessing.Resampler}' is not supported ('{PreprocessingInfo.AreaDownBilinearUp}' is)");
            }

            if (!Enum.IsDefined(Preprocessing.Resize))
            {
                problems.Add("preprocessing.resize is not a known rule");
            }
        }

        if (Classes is null || Classes.Count == 0 || Classes.Any(string.IsNullOrWhiteSpace) || Classes.Distinct(StringComparer.Ordinal).Count() != Classes.Count)
        {
            problems.Add("classes must be a non-empty list of distinct names");
        }

        if (Metrics is not null && Metrics.Values.Any(v => !double.IsFinite(v)))
        {
            problems.Add("metrics must be finite numbers");
        }

        return problems;
    }

    /// <summary>Throws <see cref="ModelManifestException"/> listing every problem.</summary>
    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0)
        {
            throw new ModelManifestException($"Invalid model manifest: {string.Join("; ", problems)}.");
        }
    }

    public static ModelManifest Parse(string json)
    {
        ModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(json, JsonOptions);
        }
        catch (JsonException exception)
        {
            throw new ModelManifestException($"Model manifest is not valid: {exception.Message}", exception);
        }

        if (manifest is null)
        {
            throw new ModelManifestException("Model manifest is empty.");
        }

        manifest.Validate();
        return manifest;
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static async Task<ModelManifest> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new ModelManifestException($"Model manifest '{path}' does not exist.");
        }

        try
        {
            return Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
        }
        catch (ModelManifestException exception)
        {
            throw new ModelManifestException($"{path}: {exception.Message}", exception);
        }
    }

    /// <summary>Validates, then writes through a temporary file so that readers never see half a manifest.</summary>
    public async Task WriteAsync(string path, CancellationToken cancellationToken = default)
    {
        Validate();
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, ToJson(), cancellationToken).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex VersionPattern();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();
}

/// <summary>The ONNX file and the names of its graph input ([N, 3, S, S] floats) and hash output ([N, k], tanh).</summary>
public sealed record OnnxModelInfo
{
    public string File { get; init; } = "model.onnx";

    public required string Sha256 { get; init; }

    public string Input { get; init; } = "input";

    public string HashOutput { get; init; } = "hash";

    public int? Opset { get; init; }
}

/// <summary>How pixels become the model input; see <see cref="ImagePreprocessor"/>.</summary>
public sealed record PreprocessingInfo
{
    public const string GreyRepeatedRgbKept = "grey-repeated-rgb-kept";
    public const string AreaDownBilinearUp = "area-down-bilinear-up";

    public required IReadOnlyList<float> Mean { get; init; }

    public required IReadOnlyList<float> Std { get; init; }

    /// <summary>Grey images repeated on 3 channels, RGB kept.</summary>
    public string Channels { get; init; } = GreyRepeatedRgbKept;

    public ResizeRule Resize { get; init; } = ResizeRule.Stretch;

    /// <summary>Mth.Imaging's ImageResampler: exact area average when shrinking, bilinear when enlarging.</summary>
    public string Resampler { get; init; } = AreaDownBilinearUp;

    /// <summary>Pixels are scaled to [0, 1] before normalisation (8-bit: /255; DICOM: after the VOI window).</summary>
    public string ValueRange { get; init; } = "0-1";

    public static PreprocessingInfo From(PreprocessingOptions options) => new()
    {
        Mean = [.. options.Mean],
        Std = [.. options.Std],
        Resize = options.Resize,
    };
}

/// <summary>What the model was trained and measured on.</summary>
public sealed record DataInfo
{
    public string? Description { get; init; }

    public string? Source { get; init; }

    public ulong? SplitSeed { get; init; }

    /// <summary>SHA-256 per split part ("train", "validation", "test"), as DatasetSplit.PartHash computes it.</summary>
    public IReadOnlyDictionary<string, string>? SplitHashes { get; init; }

    public IReadOnlyDictionary<string, int>? SplitCounts { get; init; }
}
