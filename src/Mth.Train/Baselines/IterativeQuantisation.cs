using Mth.Train.Data;
using Mth.Train.Evaluation;
using static TorchSharp.torch;

namespace Mth.Train.Baselines;

/// <summary>
/// ITQ (Gong and Lazebnik, 2011): PCA of the centred training features to k dimensions, then a
/// k x k rotation R that minimises the quantisation loss ||B - V R||^2 by alternating
/// B = sign(V R) and the orthogonal Procrustes solution R = U W^T of svd(V^T B) = U S W^T.
/// PCA by seeded randomised subspace iteration (k + 10 columns, a few power iterations), which
/// is exact enough for the top k directions and avoids a d x d eigenproblem at d = 3 S^2.
/// </summary>
public sealed class IterativeQuantisation : IPixelHashing
{
    private readonly float[] mean;
    private readonly float[] projection; // Dimensions x Bits: principal directions times the rotation

    private IterativeQuantisation(float[] mean, float[] projection, int bits, double quantisationLoss)
    {
        this.mean = mean;
        this.projection = projection;
        Bits = bits;
        QuantisationLoss = quantisationLoss;
    }

    public string Name => "itq";

    public int Bits { get; }

    public int Dimensions => mean.Length;

    /// <summary>Mean of ||B - V R||^2 per training row after the last iteration.</summary>
    public double QuantisationLoss { get; }

    public static IterativeQuantisation Fit(
        ReadOnlySpan<float> training, int count, int dimensions, int bits, ulong seed, int iterations = 50, int powerIterations = 4)
    {
        Encoding.Codes.HashCodes.ByteLength(bits);
        if (bits > Math.Min(count, dimensions))
        {
            throw new ArgumentException($"ITQ needs at least {bits} training rows and dimensions (has {count} x {dimensions}).");
        }

        var mean = PixelMath.Mean(training, count, dimensions);
        var random = new SeededRandom(seed);
        using var scope = NewDisposeScope();
        var x = PixelMath.Centred(training, count, mean);
        var principal = PrincipalDirections(x, bits, powerIterations, random); // d x k
        var v = x.mm(principal).to(ScalarType.Float64); // n x k

        var rotation = linalg.qr(Gaussian(random, bits, bits)).Q; // random orthogonal start
        Tensor codes = v;
        for (var i = 0; i < iterations; i++)
        {
            codes = Sign(v.mm(rotation));
            var (u, _, wh) = linalg.svd(v.t().mm(codes), fullMatrices: false);
            rotation = u.mm(wh);
        }

        codes = Sign(v.mm(rotation));
        var loss = (codes - v.mm(rotation)).pow(2).sum().item<double>() / count;
        var combined = principal.to(ScalarType.Float64).mm(rotation).to(ScalarType.Float32).contiguous();
        return new IterativeQuantisation(mean, combined.data<float>().ToArray(), bits, loss);
    }

    public CodeSet Encode(ReadOnlySpan<float> features, int count)
    {
        using var scope = NewDisposeScope();
        var x = PixelMath.Centred(features, count, mean);
        return PixelMath.SignCodes(x.mm(tensor(projection, [Dimensions, Bits])), Bits);
    }

    /// <summary>Top-k right singular vectors of x (n x d) as a d x k matrix, by randomised subspace iteration.</summary>
    internal static Tensor PrincipalDirections(Tensor x, int k, int powerIterations, SeededRandom random)
    {
        var columns = Math.Min(k + 10, (int)Math.Min(x.shape[0], x.shape[1]));
        var q = linalg.qr(x.mm(Gaussian(random, (int)x.shape[1], columns).to(ScalarType.Float32))).Q; // n x l
        for (var i = 0; i < powerIterations; i++)
        {
            var z = linalg.qr(x.t().mm(q)).Q; // d x l
            q = linalg.qr(x.mm(z)).Q;
        }

        var small = q.t().mm(x).to(ScalarType.Float64); // l x d
        var (_, _, vh) = linalg.svd(small, fullMatrices: false); // singular values descending
        return vh[..k].t().to(ScalarType.Float32).contiguous();
    }

    private static Tensor Gaussian(SeededRandom random, int rows, int columns)
    {
        var values = new double[rows * columns];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = random.NextGaussian();
        }

        return tensor(values, [rows, columns]);
    }

    /// <summary>+1 where >= 0, else -1 (the project's bit rule).</summary>
    private static Tensor Sign(Tensor t) => where(t >= 0, 1.0, -1.0).to(t.dtype);
}
