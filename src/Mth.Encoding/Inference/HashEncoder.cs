using Microsoft.ML.OnnxRuntime;
using Mth.Encoding.Codes;
using Mth.Encoding.Manifest;
using Mth.Encoding.Preprocessing;
using Mth.Imaging;

namespace Mth.Encoding.Inference;

/// <summary>
/// Runs a released model with ONNX Runtime and turns images into k-bit codes. Tries the CUDA
/// execution provider first (unless told otherwise) and falls back to CPU when CUDA cannot be
/// loaded: with the GPU package on a machine without CUDA, appending the provider throws
/// <see cref="OnnxRuntimeException"/>, and listing available providers cannot tell in advance.
/// <see cref="ExecutionProviderReport"/> says once which provider runs and why. Thread-safe:
/// ONNX Runtime sessions accept concurrent runs; preprocessing is per call.
/// </summary>
public sealed class HashEncoder : IDisposable
{
    /// <summary>Guards ONNX Runtime's process-wide log level while the CUDA provider is probed (<see cref="AppendCudaQuietly"/>).</summary>
    private static readonly Lock CudaProbe = new();

    private readonly InferenceSession session;
    private readonly string[] inputNames;
    private readonly string[] outputNames;
    private int disposed;

    private HashEncoder(ModelPackage package, InferenceSession session, HashEncoderOptions options, ExecutionProviderKind provider, string report)
    {
        Package = package;
        this.session = session;
        Options = options;
        ExecutionProvider = provider;
        ExecutionProviderReport = report;
        Preprocessor = new ImagePreprocessor(package.Manifest.ToPreprocessingOptions());
        inputNames = [package.Manifest.Onnx.Input];
        outputNames = [package.Manifest.Onnx.HashOutput];
    }

    public ModelPackage Package { get; }

    public ModelManifest Manifest => Package.Manifest;

    public HashEncoderOptions Options { get; }

    public ImagePreprocessor Preprocessor { get; }

    public int Bits => Manifest.Bits;

    public int CodeLength => Manifest.Bits / 8;

    public ExecutionProviderKind ExecutionProvider { get; }

    /// <summary>One line for the log: the provider in use and, after a fallback, why.</summary>
    public string ExecutionProviderReport { get; }

    /// <summary>Opens a checked model package; fails with a clear message when the graph does not match the manifest.</summary>
    public static HashEncoder Open(ModelPackage package, HashEncoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(package);
        options ??= new HashEncoderOptions();
        options.Validate();
        var (session, provider, report) = CreateSession(package.ModelPath, options);
        try
        {
            CheckGraph(session, package.Manifest);
            return new HashEncoder(package, session, options, provider, report);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Raw hash outputs (tanh, count x k) for <paramref name="count"/> preprocessed inputs laid
    /// out as count x 3 x S x S; cut into batches of at most <see cref="HashEncoderOptions.MaxBatchSize"/>.
    /// </summary>
    public float[] RunHashLayer(ReadOnlySpan<float> inputs, int count, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        var length = Preprocessor.InputLength;
        if (count < 0 || inputs.Length != (long)count * length)
        {
            throw new ArgumentException($"Expected {count} x {length} input floats, got {inputs.Length}.", nameof(inputs));
        }

        var outputs = new float[(long)count * Bits];
        using var runOptions = new RunOptions();
        using var registration = cancellationToken.Register(() => runOptions.Terminate = true);
        for (var start = 0; start < count; start += Options.MaxBatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = Math.Min(Options.MaxBatchSize, count - start);
            var buffer = inputs.Slice(start * length, batch * length).ToArray();
            using var input = OrtValue.CreateTensorValueFromMemory(buffer, [batch, 3, Preprocessor.InputSize, Preprocessor.InputSize]);
            try
            {
                using var results = session.Run(runOptions, inputNames, [input], outputNames);
                var hash = results[0].GetTensorDataAsSpan<float>();
                if (hash.Length != batch * Bits)
                {
                    throw new InvalidOperationException($"The model returned {hash.Length} hash values for {batch} images of {Bits} bits.");
                }

                hash.CopyTo(outputs.AsSpan(start * Bits, batch * Bits));
            }
            catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }

        return outputs;
    }

    /// <summary>Codes (k/8 bytes each, the project's bit convention) of preprocessed inputs.</summary>
    public byte[][] EncodeInputs(ReadOnlySpan<float> inputs, int count, CancellationToken cancellationToken = default)
    {
        var outputs = RunHashLayer(inputs, count, cancellationToken);
        var codes = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            codes[i] = HashCodes.Pack(outputs.AsSpan(i * Bits, Bits));
        }

        return codes;
    }

    /// <summary>Preprocesses decoded images (in parallel) and encodes them in batches.</summary>
    public async Task<byte[][]> EncodeAsync(IReadOnlyList<FloatImage> images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        var length = Preprocessor.InputLength;
        var inputs = new float[(long)images.Count * length];
        await Parallel.ForAsync(0, images.Count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            (i, _) =>
            {
                Preprocessor.Preprocess(images[i], inputs.AsSpan(i * length, length));
                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);
        // Inference is CPU- or GPU-bound work; keep it off the caller's thread.
        return await Task.Run(() => EncodeInputs(inputs, images.Count, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    public async Task<byte[]> EncodeAsync(FloatImage image, CancellationToken cancellationToken = default) =>
        (await EncodeAsync([image], cancellationToken).ConfigureAwait(false))[0];

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            session.Dispose();
        }
    }

    private static (InferenceSession Session, ExecutionProviderKind Provider, string Report) CreateSession(string modelPath, HashEncoderOptions options)
    {
        string? cudaFailure = null;
        if (options.ExecutionProvider != ExecutionProviderPreference.Cpu)
        {
            var cudaOptions = NewOptions(options);
            try
            {
                AppendCudaQuietly(cudaOptions, options.CudaDeviceId);
                var session = new InferenceSession(modelPath, cudaOptions);
                return (session, ExecutionProviderKind.Cuda, $"ONNX Runtime: CUDA execution provider, device {options.CudaDeviceId}");
            }
            catch (OnnxRuntimeException exception)
            {
                cudaFailure = FirstLine(exception.Message);
                if (options.ExecutionProvider == ExecutionProviderPreference.Cuda)
                {
                    throw new InvalidOperationException($"The CUDA execution provider was required but cannot be used: {cudaFailure}", exception);
                }
            }
            finally
            {
                cudaOptions.Dispose();
            }
        }

        using var cpuOptions = NewOptions(options);
        InferenceSession cpu;
        try
        {
            cpu = new InferenceSession(modelPath, cpuOptions);
        }
        catch (OnnxRuntimeException exception)
        {
            throw new ModelManifestException($"{modelPath}: ONNX Runtime cannot load the model: {FirstLine(exception.Message)}", exception);
        }

        var report = cudaFailure is null
            ? "ONNX Runtime: CPU execution provider (requested)"
            : $"ONNX Runtime: CPU execution provider (CUDA unavailable: {cudaFailure})";
        return (cpu, ExecutionProviderKind.Cpu, report);
    }

    /// <summary>
    /// Appends the CUDA provider with ONNX Runtime's process-wide logger at Fatal: a provider library that cannot load
    /// is otherwise written to stderr (in red) before the exception comes back, whose message goes into
    /// <see cref="ExecutionProviderReport"/> and is logged once by the caller. Serialised so that concurrent opens
    /// always restore the level they found.
    /// </summary>
    private static void AppendCudaQuietly(SessionOptions sessionOptions, int deviceId)
    {
        lock (CudaProbe)
        {
            var environment = OrtEnv.Instance();
            var level = environment.EnvLogLevel;
            environment.EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
            try
            {
                sessionOptions.AppendExecutionProvider_CUDA(deviceId);
            }
            finally
            {
                environment.EnvLogLevel = level;
            }
        }
    }

    private static SessionOptions NewOptions(HashEncoderOptions options)
    {
        var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (options.IntraOpThreads > 0)
        {
            sessionOptions.IntraOpNumThreads = options.IntraOpThreads;
        }

        return sessionOptions;
    }

    private static void CheckGraph(InferenceSession session, ModelManifest manifest)
    {
        if (!session.InputMetadata.TryGetValue(manifest.Onnx.Input, out var input))
        {
            throw new ModelManifestException($"The ONNX graph has no input '{manifest.Onnx.Input}' (inputs: {string.Join(", ", session.InputMetadata.Keys)}).");
        }

        if (!session.OutputMetadata.TryGetValue(manifest.Onnx.HashOutput, out var output))
        {
            throw new ModelManifestException($"The ONNX graph has no output '{manifest.Onnx.HashOutput}' (outputs: {string.Join(", ", session.OutputMetadata.Keys)}).");
        }

        var s = manifest.InputSize;
        var dims = input.Dimensions;
        if (input.ElementType != typeof(float) || dims.Length != 4 || !Fits(dims[1], 3) || !Fits(dims[2], s) || !Fits(dims[3], s))
        {
            throw new ModelManifestException($"The ONNX input '{manifest.Onnx.Input}' is [{string.Join(", ", dims)}] {input.ElementType.Name}; the manifest needs float [N, 3, {s}, {s}].");
        }

        var outDims = output.Dimensions;
        if (output.ElementType != typeof(float) || outDims.Length != 2 || !Fits(outDims[1], manifest.Bits))
        {
            throw new ModelManifestException($"The ONNX output '{manifest.Onnx.HashOutput}' is [{string.Join(", ", outDims)}]; the manifest needs float [N, {manifest.Bits}].");
        }
    }

    private static bool Fits(int dimension, int expected) => dimension <= 0 || dimension == expected;

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
