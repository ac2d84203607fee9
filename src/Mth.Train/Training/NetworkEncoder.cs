using Mth.Train.Model;
using static TorchSharp.torch;

namespace Mth.Train.Training;

/// <summary>Hash-like outputs h of a set of inputs, row-major (count x bits), with their labels.</summary>
public sealed record EncodedSet(float[] Hash, int Bits, IReadOnlyList<int> Labels)
{
    public int Count => Labels.Count;
}

/// <summary>Runs the network in evaluation mode over inputs, in batches, without gradients.</summary>
public static class NetworkEncoder
{
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
