namespace Mth.Train.Data;

/// <summary>Shares of each class that go to the train, validation and test splits (summing to 1).</summary>
public sealed record SplitFractions
{
    public SplitFractions(double train, double validation, double test)
    {
        if (train <= 0 || validation < 0 || test < 0 || Math.Abs(train + validation + test - 1) > 1e-6)
        {
            throw new ArgumentException($"Split fractions must be non-negative, train positive, and sum to 1 (got {train}/{validation}/{test}).");
        }

        Train = train;
        Validation = validation;
        Test = test;
    }

    public static SplitFractions Default { get; } = new(0.7, 0.1, 0.2);

    public double Train { get; }

    public double Validation { get; }

    public double Test { get; }

    /// <summary>Parses "0.7/0.1/0.2" (or with commas).</summary>
    public static SplitFractions Parse(string text)
    {
        var parts = text.Split(['/', ','], StringSplitOptions.TrimEntries);
        if (parts.Length != 3 || !parts.All(p => double.TryParse(p, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _)))
        {
            throw new FormatException($"Expected train/validation/test fractions like 0.7/0.1/0.2, got '{text}'.");
        }

        var values = parts.Select(p => double.Parse(p, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new SplitFractions(values[0], values[1], values[2]);
    }
}
