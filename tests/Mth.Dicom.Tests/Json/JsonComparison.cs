using System.Text.Json;

namespace Mth.Dicom.Tests.Json;

/// <summary>Compares two DICOM JSON documents: same keys, strings equal, numbers equal as decimals.</summary>
internal static class JsonComparison
{
    /// <summary>The first difference as "path: explanation", or null when the documents agree.</summary>
    public static string? FirstDifference(JsonElement expected, JsonElement actual, string path = "$")
    {
        if (expected.ValueKind != actual.ValueKind)
        {
            return $"{path}: {expected.ValueKind} expected, {actual.ValueKind} found ({Show(expected)} vs {Show(actual)})";
        }

        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var expectedNames = expected.EnumerateObject().Select(p => p.Name).ToList();
                var actualNames = actual.EnumerateObject().Select(p => p.Name).ToList();
                if (!expectedNames.SequenceEqual(actualNames))
                {
                    return $"{path}: keys [{string.Join(",", expectedNames.Except(actualNames))}] missing, [{string.Join(",", actualNames.Except(expectedNames))}] extra";
                }

                foreach (var property in expected.EnumerateObject())
                {
                    if (FirstDifference(property.Value, actual.GetProperty(property.Name), $"{path}.{property.Name}") is { } difference)
                    {
                        return difference;
                    }
                }

                return null;
            case JsonValueKind.Array:
                if (expected.GetArrayLength() != actual.GetArrayLength())
                {
                    return $"{path}: {expected.GetArrayLength()} values expected, {actual.GetArrayLength()} found";
                }

                for (var i = 0; i < expected.GetArrayLength(); i++)
                {
                    if (FirstDifference(expected[i], actual[i], $"{path}[{i}]") is { } difference)
                    {
                        return difference;
                    }
                }

                return null;
            case JsonValueKind.Number:
                // Equal as doubles, or as singles (an FL printed with more digits than it holds).
                var (a, b) = (expected.GetDouble(), actual.GetDouble());
                return a == b || (float)a == (float)b ? null : $"{path}: {expected.GetRawText()} expected, {actual.GetRawText()} found";
            case JsonValueKind.String:
                return expected.GetString() == actual.GetString() ? null : $"{path}: \"{expected.GetString()}\" expected, \"{actual.GetString()}\" found";
            default:
                return null;
        }
    }

    private static string Show(JsonElement element)
    {
        var text = element.GetRawText();
        return text.Length > 60 ? text[..60] + "…" : text;
    }
}
