using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Mth.Train.Export;
using Mth.Train.Loss;
using Mth.Train.Model;
using Mth.Train.Training;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace Mth.Train.Benchmarks;

/// <summary>What one measurement does.</summary>
public enum BenchmarkMode
{
    /// <summary>TorchSharp forward + batch-all loss + backward + Adam step.</summary>
    Train,
    /// <summary>TorchSharp forward in evaluation mode without gradients.</summary>
    EncodeTorch,
    /// <summary>ONNX Runtime (CPU) on the exported graph of the same weights.</summary>
    EncodeOnnx,
}

/// <summary>One measurement: images per second, and the process's peak resident memory when it ended.</summary>
public sealed record BenchmarkResult(BenchmarkMode Mode, int InputSize, int Batch, int Threads, int Batches, double ImagesPerSecond, long PeakResidentBytes);

/// <summary>
/// Training and encoding throughput of the MTH network on random inputs (speed does not depend on content).
/// Each measurement warms up first, then times whole batches. Run each in its own process for a clean peak memory
/// (`mth train bench` does so).
/// </summary>
public static class SpeedBenchmark
{
    public static BenchmarkResult Measure(BenchmarkMode mode, int inputSize, int batch, int threads, int batches, int warmup = 1)
    {
        set_num_threads(threads);
        manual_seed(1);
        using var network = new MthNetwork(new MthNetworkOptions { InputSize = inputSize, Bits = 48, Classes = 4 });
        using var input = randn(batch, 3, inputSize, inputSize);
        double seconds = mode switch
        {
            BenchmarkMode.Train => TimeTraining(network, input, batches, warmup),
            BenchmarkMode.EncodeTorch => TimeTorchEncoding(network, input, batches, warmup),
            _ => TimeOnnxEncoding(network, input, threads, batches, warmup),
        };
        return new BenchmarkResult(mode, inputSize, batch, threads, batches, batches * (double)batch / seconds, PeakResidentBytes());
    }

    private static double TimeTraining(MthNetwork network, Tensor input, int batches, int warmup)
    {
        int batch = (int)input.shape[0];
        var labels = Enumerable.Range(0, batch).Select(i => i * 4 / batch).ToArray();
        using var y = tensor(labels.Select(l => (long)l).ToArray());
        var objective = new MthObjective(new LossOptions(), network.Options.Bits);
        using var optimizer = optim.Adam(network.parameters(), 1e-3);
        network.train();
        var clock = new Stopwatch();
        for (int i = 0; i < warmup + batches; i++)
        {
            if (i == warmup) clock.Start();
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            using var output = network.call(input);
            using var triplets = TripletMiner.BatchAll(labels);
            using var loss = objective.Compute(output, y, triplets);
            loss.Total.backward();
            optimizer.step();
        }
        return clock.Elapsed.TotalSeconds;
    }

    private static double TimeTorchEncoding(MthNetwork network, Tensor input, int batches, int warmup)
    {
        network.eval();
        using var noGrad = no_grad();
        var clock = new Stopwatch();
        for (int i = 0; i < warmup + batches; i++)
        {
            if (i == warmup) clock.Start();
            using var scope = NewDisposeScope();
            network.EncodeHash(input).data<float>().ToArray();
        }
        return clock.Elapsed.TotalSeconds;
    }

    private static double TimeOnnxEncoding(MthNetwork network, Tensor input, int threads, int batches, int warmup)
    {
        network.eval();
        var model = MthOnnxExporter.Export(network);
        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        using var session = new InferenceSession(model, sessionOptions);
        var shape = input.shape.Select(d => (int)d).ToArray();
        var data = input.data<float>().ToArray();
        var tensorInput = new DenseTensor<float>(data, shape);
        var inputs = new[] { NamedOnnxValue.CreateFromTensor(MthOnnxExporter.InputName, tensorInput) };
        var clock = new Stopwatch();
        for (int i = 0; i < warmup + batches; i++)
        {
            if (i == warmup) clock.Start();
            using var results = session.Run(inputs);
            _ = results.First().AsTensor<float>().Length;
        }
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>VmHWM of this process (Linux); 0 where /proc is not there.</summary>
    public static long PeakResidentBytes()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return 0;
        foreach (var line in File.ReadLines(status))
        {
            if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        return 0;
    }
}
