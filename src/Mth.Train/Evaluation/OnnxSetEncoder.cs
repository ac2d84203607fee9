using System.Diagnostics;
using Mth.Encoding.Inference;
using Mth.Train.Data;

namespace Mth.Train.Evaluation;

/// <summary>
/// Encodes whole image sets with a released model through ONNX Runtime, using the same
/// cache-and-normalise path as training (InputBatchBuilder with the manifest's preprocessing),
/// so evaluation sees exactly the inputs the encoder service would make from the same pixels.
/// </summary>
public sealed class OnnxSetEncoder(HashEncoder encoder) : ISetCoder
{
    public HashEncoder Encoder { get; } = encoder ?? throw new ArgumentNullException(nameof(encoder));

    public string Name => Encoder.Manifest.Version;

    public int Bits => Encoder.Bits;

    public string Description =>
        $"model {Encoder.Manifest.Version}: {Encoder.Bits} bits, input 3x{Encoder.Manifest.InputSize}x{Encoder.Manifest.InputSize}; {Encoder.ExecutionProviderReport}";

    /// <summary>Disposes the encoder it wraps.</summary>
    public void Dispose() => Encoder.Dispose();

    /// <summary>Sign-bit codes of every image of <paramref name="set"/>, in position order; progress goes to <paramref name="log"/>.</summary>
    public async Task<CodeSet> EncodeAsync(ImageSet set, TextWriter? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        var preprocessor = Encoder.Preprocessor;
        // Encoding reads each image once: caching would only hold memory.
        var cache = new PreprocessedImageCache(set.Source, preprocessor, maxBytes: 0);
        var builder = new InputBatchBuilder(set, cache, preprocessor);
        var codes = new CodeSet(Encoder.Bits, set.Count);
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        var done = 0;
        await foreach (var batch in builder.InOrderAsync(Encoder.Options.MaxBatchSize, cancellationToken).ConfigureAwait(false))
        {
            var encoded = await Task.Run(() => Encoder.EncodeInputs(batch.Inputs, batch.Count, cancellationToken), cancellationToken).ConfigureAwait(false);
            for (var row = 0; row < batch.Count; row++)
            {
                codes.Set(batch.Positions[row], encoded[row]);
            }

            done += batch.Count;
            if (log is not null && (clock.Elapsed - lastReport > TimeSpan.FromSeconds(5) || done == set.Count))
            {
                lastReport = clock.Elapsed;
                var rate = done / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                var eta = (set.Count - done) / Math.Max(rate, 1e-9);
                log.WriteLine(FormattableString.Invariant($"encoding {set.Name}: {done}/{set.Count} images, {rate:F0} images/s, ETA {eta:F0} s"));
            }
        }

        return codes;
    }
}
