using System.Globalization;
using Mth.Dicom;

namespace Mth.Query.Api;

/// <summary>The checks of request arguments every endpoint shares; a bad one is a 400 problem.</summary>
internal static class QueryArguments
{
    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, or <paramref name="fallback"/> when absent.</summary>
    public static int Bounded(string? value, string name, int fallback, int max, int min = 1)
    {
        if (string.IsNullOrEmpty(value))
        {
            return fallback;
        }

        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed < min || parsed > max)
        {
            throw QueryProblemException.InvalidArgument($"{name} must be a whole number from {min} to {max}.");
        }

        return parsed;
    }

    /// <summary>A DICOM UID (PS3.5 9.1) before it reaches the index, the catalog or a path.</summary>
    public static string Uid(string uid, string what) =>
        DicomUid.IsValid(uid)
            ? uid
            : throw QueryProblemException.InvalidArgument($"The {what} is not a valid DICOM UID (digits and dots, at most 64 characters, PS3.5 9.1).");
}
