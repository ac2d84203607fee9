using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Mth.Testing.Dicom;
using Mth.Testing.DicomNetwork;

namespace Mth.Standalone.Tests;

/// <summary>One result of a similar-instance answer, as the API writes it.</summary>
internal sealed record SimilarResult(
    [property: JsonPropertyName("rank")] int Rank,
    [property: JsonPropertyName("distance")] int Distance,
    [property: JsonPropertyName("sopInstanceUid")] string SopInstanceUid,
    [property: JsonPropertyName("studyInstanceUid")] string StudyInstanceUid,
    [property: JsonPropertyName("modality")] string Modality);

internal sealed record SimilarAnswer(
    [property: JsonPropertyName("modelVersion")] string ModelVersion,
    [property: JsonPropertyName("results")] IReadOnlyList<SimilarResult> Results);

/// <summary>Synthetic MR images pushed with dcmtk's storescu, then asked for over HTTP with the API key.</summary>
internal static class SearchProbe
{
    public static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Writes <paramref name="count"/> 64 x 64 synthetic MR instances (two per study) under <paramref name="folder"/>.</summary>
    public static IReadOnlyList<(SyntheticInstance Instance, string Path)> Write(string folder, int count, int firstSeed = 1)
    {
        var written = new List<(SyntheticInstance, string)>();
        SyntheticInstance? previous = null;
        for (var i = 0; i < count; i++)
        {
            var instance = new SyntheticInstance { Rows = 64, Columns = 64, Seed = firstSeed + i };
            if (i % 2 == 1 && previous is not null)
            {
                instance = instance with { StudyInstanceUid = previous.StudyInstanceUid };
            }

            written.Add((instance, instance.WriteTo(Path.Combine(folder, $"image-{firstSeed + i}.dcm"))));
            previous = instance;
        }

        return written;
    }

    public static async Task PushAsync(StandaloneProcess process, IEnumerable<string> files, string aeTitle = "MTH")
    {
        var result = await DcmtkProcess.RunAsync("storescu",
            ["-aec", aeTitle, "127.0.0.1", process.DicomPort.ToString(CultureInfo.InvariantCulture), .. files], StoreTimeout);
        Assert.True(result.Succeeded, $"storescu: {result}\n{process.Output}");
    }

    public static HttpClient Client(StandaloneProcess process, string? apiKey)
    {
        var http = new HttpClient { BaseAddress = process.BaseAddress };
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        return http;
    }

    public static async Task<(HttpStatusCode Status, SimilarAnswer? Answer)> SimilarAsync(HttpClient http, string sopInstanceUid, int k)
    {
        using var response = await http.GetAsync(new Uri($"/v1/instances/{sopInstanceUid}/similar?k={k}", UriKind.Relative));
        return (response.StatusCode, response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<SimilarAnswer>() : null);
    }

    /// <summary>Every instance's answer (all the others, k = n - 1), once each is searchable; fails after <paramref name="bound"/>.</summary>
    public static async Task<Dictionary<string, SimilarAnswer>> AnswersAsync(HttpClient http, IReadOnlyList<string> sopInstanceUids, TimeSpan bound, StandaloneProcess process)
    {
        var answers = new Dictionary<string, SimilarAnswer>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        foreach (var uid in sopInstanceUids)
        {
            while (true)
            {
                var (status, answer) = await SimilarAsync(http, uid, sopInstanceUids.Count - 1);
                if (status == HttpStatusCode.OK && answer!.Results.Count == sopInstanceUids.Count - 1)
                {
                    answers[uid] = answer;
                    break;
                }

                Assert.True(status is HttpStatusCode.OK or HttpStatusCode.NotFound or HttpStatusCode.ServiceUnavailable, $"unexpected {status} for an instance:\n{process.Output}");
                Assert.True(clock.Elapsed < bound, $"not every instance searchable within {bound.TotalSeconds:0} s (last answer {status}):\n{process.Output}");
                await Task.Delay(200);
            }
        }

        return answers;
    }

    /// <summary>Two sets of answers say the same: per query the same instances at the same distances, in distance order.</summary>
    public static void AssertSameAnswers(Dictionary<string, SimilarAnswer> expected, Dictionary<string, SimilarAnswer> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (uid, answer) in expected)
        {
            var other = actual[uid];
            Assert.Equal(answer.ModelVersion, other.ModelVersion);
            // Equal distances may come in either order; the pairs are the same.
            Assert.Equal(
                answer.Results.Select(r => (r.SopInstanceUid, r.Distance)).Order(),
                other.Results.Select(r => (r.SopInstanceUid, r.Distance)).Order());
            Assert.True(other.Results.Select(r => r.Distance).SequenceEqual(other.Results.Select(r => r.Distance).Order()), "results in distance order");
        }
    }
}
