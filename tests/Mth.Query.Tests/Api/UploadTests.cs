using System.Net.Http.Headers;
using Mth.Core.Codes;
using Mth.Dicom.IO;
using Mth.Encoding.Images;
using Mth.Encoding.Inference;
using Mth.Encoding.Manifest;
using Mth.Testing.Redis;

namespace Mth.Query.Tests.Api;

/// <summary>
/// An uploaded image is encoded with the active model exactly as the encoder encodes a stored instance (the shared
/// decoder chain and DICOM rendering of Mth.Encoding, the model's own preprocessing), then searched like a stored code.
/// </summary>
[Collection("redis")]
public sealed class UploadTests(RedisServerFixture single, RedisClusterFixture cluster) : RedisTopologyTests(single, cluster)
{
    public static TheoryData<string, string> Formats => new()
    {
        { "png", "image/png" }, { "jpeg", "image/jpeg" }, { "dicom", "application/dicom" }, { "dicom", "application/octet-stream" },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task A_raw_upload_is_encoded_as_the_encoder_would_and_ranked_as_the_brute_force(string format, string contentType)
    {
        await using var scenario = await StartAsync();
        var file = Image(format, seed: 3);
        using var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);

        var answer = await QueryServiceHost.ReadAnswerAsync(await scenario.Client.PostAsync("/v1/similar?k=12", content));

        var code = await EncoderPathCodeAsync(scenario, format, file);
        Assert.Equal(code.ToHex(), answer.Query.Code);
        Assert.Equal("instance", answer.Level);
        Assert.Equal(scenario.Corpus.NearestInstances(code, 12).Select(e => (e.Instance.Sop, e.Distance, e.Instance.Study)),
            answer.Results.Select(r => (r.SopInstanceUid, r.Distance, r.StudyInstanceUid!)));
    }

    [Theory]
    [InlineData("png")]
    [InlineData("dicom")]
    public async Task A_multipart_upload_at_study_level_ranks_studies_by_their_best_match(string format)
    {
        await using var scenario = await StartAsync();
        var file = Image(format, seed: 8);
        using var form = new MultipartFormDataContent { { new ByteArrayContent(file), "file", "image." + format } };

        var answer = await QueryServiceHost.ReadAnswerAsync(await scenario.Client.PostAsync("/v1/similar?k=7&level=study", form));

        var code = await EncoderPathCodeAsync(scenario, format, file);
        Assert.Equal("study", answer.Level);
        Assert.Equal(code.ToHex(), answer.Query.Code);
        Assert.Equal(scenario.Corpus.NearestStudies([(code, null)], 7).Select(e => (e.Study, e.Distance, e.Sop)),
            answer.Results.Select(r => (r.StudyInstanceUid!, r.Distance, r.SopInstanceUid)));
    }

    private Task<SearchScenario> StartAsync() =>
        SearchScenario.StartAsync(Connection("single"), Configuration("single"), NewPrefix("single"), "Replica");

    private static byte[] Image(string format, int seed) => format switch
    {
        "png" => UploadImages.Png(seed),
        "jpeg" => UploadImages.Jpeg(seed),
        _ => UploadImages.Dicom(seed),
    };

    /// <summary>
    /// The code the encoder computes: a stored DICOM instance opened from its file and rendered by
    /// <see cref="DicomImageDecoder.Render"/>, other images through the decoder chain; the model package from the
    /// registry; <see cref="HashEncoder.EncodeAsync(Mth.Imaging.FloatImage, CancellationToken)"/>.
    /// </summary>
    private static async Task<BinaryCode> EncoderPathCodeAsync(SearchScenario scenario, string format, byte[] file)
    {
        using var encoder = HashEncoder.Open(await new ModelRegistry(scenario.Registry).OpenAsync("m1"), new HashEncoderOptions { ExecutionProvider = ExecutionProviderPreference.Cpu });
        Mth.Imaging.FloatImage image;
        if (format == "dicom")
        {
            using var dicom = DicomFile.Open(new MemoryStream(file));
            image = new DicomImageDecoder().Render(dicom);
        }
        else
        {
            image = ImageDecoderChain.Default.Decode(file);
        }

        return BinaryCode.FromBytes(await encoder.EncodeAsync(image));
    }
}
