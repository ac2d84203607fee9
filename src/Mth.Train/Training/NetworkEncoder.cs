using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Mth.Train.Export;
using Mth.Train.Model;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace Mth.Train.Training;

/// <summary>Hash-like outputs h of a set of inputs, row-major (count x bits), with their labels.</summary>
public sealed record EncodedSet(float[] Hash, int Bits, IReadOnlyList<int> Labels)
{
    public int Count => Labels.Count;
}

/// <summary>Which runtime encodes sets for validation and reports.</summary>
public enum EncodingRuntime
{
    /// <summary>TorchSharp in evaluation mode.</summary>
    Torch,
    /// <summary>The exported ONNX graph of the current weights in ONNX Runtime (CPU): the released model's runtime, several times faster on CPU.</summary>
    OnnxRuntime,
}

/// <summary>Runs the network in evaluation mode over inputs, in batches, without gradients.</summary>
public static class NetworkEncoder
{
    public static EncodedSet Encode(MthNetwork network, ITrainingInputs inputs, int batchSize, EncodingRuntime runtime, int threads,
        CancellationToken cancellationToken = default) =>
        runtime == EncodingRuntime.Torch
            ? Encode(network, inputs, batchSize, cancellationToken)
            : EncodeWithOnnxRuntime(network, inputs, batchSize, threads, cancellationToken);

    /// <summary>Exports the current weights and encodes with ONNX Runtime on the CPU.</summary>
    public static EncodedSet EncodeWithOnnxRuntime(MthNetwork network, ITrainingInputs inputs, int batchSize, int threads,
        CancellationToken cancellationToken = default)
    {
        bool wasTraining = network.training;
        network.eval();
        byte[] model;
        try { model = MthOnnxExporter.Export(network); }
        finally { network.train(wasTraining); }
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(model, sessionOptions);
        int bits = network.Options.Bits, size = inputs.InputSize, length = 3 * size * size;
        var result = new float[(long)inputs.Count * bits];
        var indices = new int[batchSize];
        for (int start = 0; start < inputs.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = Math.Min(batchSize, inputs.Count - start);
            for (int i = 0; i < n; i++) indices[i] = start + i;
            var buffer = new float[n * length];
            inputs.Fill(indices.AsSpan(0, n), buffer, null);
            var input = new DenseTensor<float>(buffer, [n, 3, size, size]);
            using var outputs = session.Run([NamedOnnxValue.CreateFromTensor(MthOnnxExporter.InputName, input)]);
            var hash = outputs.Single(o => o.Name == MthOnnxExporter.OutputName).AsTensor<float>();
            int at = start * bits;
            foreach (var value in hash) result[at++] = value;
        }
        return new EncodedSet(result, bits, inputs.Labels);
    }

    public static EncodedSet Encode(MthNetwork network, ITrainingInputs inputs, int batchSize, CancellationToken cancellationToken = default)
    {
        int bits = network.Options.Bits, size = inputs.InputSize, length = 3 * size * size;
        var result = new float[(long)inputs.Count * bits];
        bool wasTraining = network.training;
        network.eval();
        try
        {
            using var noGrad = no_grad();
            var buffer = new float[(long)batchSize * length];
            var indices = new int[batchSize];
            for (int start = 0; start < inputs.Count; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int n = Math.Min(batchSize, inputs.Count - start);
                for (int i = 0; i < n; i++) indices[i] = start + i;
                inputs.Fill(indices.AsSpan(0, n), buffer.AsSpan(0, n * length), null);
                using var scope = NewDisposeScope();
                var x = tensor(buffer.AsSpan(0, n * length).ToArray(), [n, 3, size, size]);
                var h = network.EncodeHash(x);
                h.data<float>().CopyTo(result.AsSpan(start * bits, n * bits));
            }
        }
        finally
        {
            network.train(wasTraining);
        }
        return new EncodedSet(result, bits, inputs.Labels);
    }
}
