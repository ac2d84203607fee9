using Mth.Train.Baselines;
using Mth.Train.Data;
using Mth.Train.Evaluation;
using static TorchSharp.torch;

namespace Mth.Train.Tests.Baselines;

public sealed class PixelBaselineTests
{
    /// <summary>Rows around one random centre per class (count x d), with labels.</summary>
    private static (float[] Features, int[] Labels) Clusters(int classes, int perClass, int dimensions, double noise, ulong seed)
    {
        var random = new SeededRandom(seed);
        var centres = Enumerable.Range(0, classes).Select(_ => Enumerable.Range(0, dimensions).Select(_ => random.NextGaussian()).ToArray()).ToArray();
        var features = new float[classes * perClass * dimensions];
        var labels = new int[classes * perClass];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = i % classes;
            for (var d = 0; d < dimensions; d++)
            {
                features[i * dimensions + d] = (float)(centres[labels[i]][d] + noise * random.NextGaussian());
            }
        }

        return (features, labels);
    }

    [Theory]
    [InlineData("lsh")]
    [InlineData("itq")]
    public void Well_separated_classes_are_retrieved_almost_perfectly(string method)
    {
        var (train, trainLabels) = Clusters(3, 40, 64, 0.3, seed: 1);
        IPixelHashing hashing = method == "lsh"
            ? RandomHyperplaneLsh.Fit(train, 120, 64, 32, seed: 5)
            : IterativeQuantisation.Fit(train, 120, 64, 32, seed: 5);

        var codes = hashing.Encode(train, 120);
        var report = RetrievalEvaluator.Evaluate(codes, trainLabels, codes, trainLabels, ["a", "b", "c"]);

        Assert.True(report.MapAll > 0.9, $"{method}: mAP {report.MapAll}");
    }

    [Fact]
    public void Random_features_give_chance_level_retrieval()
    {
        var (train, _) = Clusters(1, 200, 64, 1.0, seed: 2);
        var labels = Enumerable.Range(0, 200).Select(i => i % 4).ToArray();
        var lsh = RandomHyperplaneLsh.Fit(train, 200, 64, 32, seed: 5);

        var codes = lsh.Encode(train, 200);
        var report = RetrievalEvaluator.Evaluate(codes, labels, codes, labels, ["a", "b", "c", "d"]);

        Assert.InRange(report.MapAll, 0.2, 0.35);
    }

    [Fact]
    public void The_same_seed_gives_the_same_codes_and_another_seed_other_hyperplanes()
    {
        var (train, _) = Clusters(2, 30, 40, 1.0, seed: 3);

        var first = RandomHyperplaneLsh.Fit(train, 60, 40, 16, seed: 7).Encode(train, 60);
        var again = RandomHyperplaneLsh.Fit(train, 60, 40, 16, seed: 7).Encode(train, 60);
        var other = RandomHyperplaneLsh.Fit(train, 60, 40, 16, seed: 8).Encode(train, 60);
        var itq = IterativeQuantisation.Fit(train, 60, 40, 16, seed: 7).Encode(train, 60);
        var itqAgain = IterativeQuantisation.Fit(train, 60, 40, 16, seed: 7).Encode(train, 60);

        Assert.Equal(Enumerable.Range(0, 60).Select(first.GetBytes), Enumerable.Range(0, 60).Select(again.GetBytes));
        Assert.NotEqual(Enumerable.Range(0, 60).Select(first.GetBytes), Enumerable.Range(0, 60).Select(other.GetBytes));
        Assert.Equal(Enumerable.Range(0, 60).Select(itq.GetBytes), Enumerable.Range(0, 60).Select(itqAgain.GetBytes));
    }

    [Fact]
    public void Principal_directions_recover_a_planted_subspace()
    {
        // Signal in 8 random directions of a 50-dimensional space with strong variance, small isotropic noise.
        var random = new SeededRandom(4UL);
        using var scope = NewDisposeScope();
        var basis = linalg.qr(tensor(Enumerable.Range(0, 50 * 8).Select(_ => (float)random.NextGaussian()).ToArray(), [50, 8])).Q;
        var scales = tensor(Enumerable.Range(0, 8).Select(i => 10f - i).ToArray(), [1, 8]);
        var coefficients = tensor(Enumerable.Range(0, 300 * 8).Select(_ => (float)random.NextGaussian()).ToArray(), [300, 8]) * scales;
        var noise = tensor(Enumerable.Range(0, 300 * 50).Select(_ => (float)(0.05 * random.NextGaussian())).ToArray(), [300, 50]);
        var x = coefficients.mm(basis.t()) + noise;
        x = x - x.mean([0], keepdim: true);

        var directions = IterativeQuantisation.PrincipalDirections(x, 8, powerIterations: 4, new SeededRandom(9UL));

        // Projections onto both subspaces agree: || P_found - P_planted || is small.
        var difference = (directions.mm(directions.t()) - basis.mm(basis.t())).norm().item<float>();
        Assert.True(difference < 0.05, $"subspace distance {difference}");
    }

    [Fact]
    public void Rotation_iterations_lower_the_quantisation_loss()
    {
        var (train, _) = Clusters(4, 50, 60, 1.0, seed: 6);

        var none = IterativeQuantisation.Fit(train, 200, 60, 16, seed: 1, iterations: 0);
        var fifty = IterativeQuantisation.Fit(train, 200, 60, 16, seed: 1, iterations: 50);

        Assert.True(fifty.QuantisationLoss < none.QuantisationLoss, $"{fifty.QuantisationLoss} vs {none.QuantisationLoss}");
    }

    [Fact]
    public void Itq_needs_as_many_rows_and_dimensions_as_bits()
    {
        var (train, _) = Clusters(1, 10, 20, 1.0, seed: 6);
        Assert.Throws<ArgumentException>(() => IterativeQuantisation.Fit(train, 10, 20, 16, seed: 1));
    }
}
