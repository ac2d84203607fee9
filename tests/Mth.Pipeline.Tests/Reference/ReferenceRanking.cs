using Mth.Core.Codes;
using Mth.Dicom.IO;
using Mth.Encoding.Images;
using Mth.Encoding.Inference;
using Mth.Encoding.Manifest;
using Mth.Pipeline.Tests.Corpus;

namespace Mth.Pipeline.Tests.Reference;

/// <summary>A brute-force neighbour: its instance, and the Hamming distance to the query.</summary>
public sealed record Neighbour(PushedInstance Instance, int Distance);

/// <summary>A study's best match: the other study, its nearest instance, and the query study's instance it matched.</summary>
public sealed record StudyMatch(string StudyInstanceUid, PushedInstance Instance, PushedInstance QueryInstance, int Distance);

/// <summary>
/// What the pipeline must answer, computed in this process without it: every image rendered from the pushed file
/// as the encoder renders it (<see cref="DicomImageDecoder.Render"/>), encoded with the same model package
/// (<see cref="HashEncoder"/>, CPU), and ranked by brute force with the documented order (docs/query.md):
/// ascending distance, ties by SOP Instance UID (ordinal); studies by their best match, ties by Study Instance UID.
/// </summary>
public sealed class ReferenceRanking
{
    private readonly Dictionary<string, (PushedInstance Instance, BinaryCode Code)> _codes;

    private ReferenceRanking(Dictionary<string, (PushedInstance, BinaryCode)> codes)
    {
        _codes = codes;
    }

    public IEnumerable<PushedInstance> Instances => _codes.Values.Select(v => v.Instance);

    public static async Task<ReferenceRanking> EncodeAsync(ModelPackage model, IEnumerable<PushedInstance> instances, CancellationToken cancellationToken = default)
    {
        var images = instances.Where(i => i.HasImage).ToList();
        var decoder = new DicomImageDecoder();
        var rendered = images.Select(i =>
        {
            using var file = DicomFile.Open(i.Path);
            return decoder.Render(file);
        }).ToList();
        using var encoder = HashEncoder.Open(model, new HashEncoderOptions { ExecutionProvider = ExecutionProviderPreference.Cpu, IntraOpThreads = 1 });
        var codes = await encoder.EncodeAsync(rendered, cancellationToken);
        return new ReferenceRanking(images.Select((image, i) => (image, BinaryCode.FromBytes(codes[i]))).ToDictionary(p => p.image.SopInstanceUid, p => p));
    }

    public BinaryCode CodeOf(string sopInstanceUid) => _codes[sopInstanceUid].Code;

    /// <summary>The k nearest other instances to a stored instance (the instance itself left out).</summary>
    public IReadOnlyList<Neighbour> NearestInstances(string sopInstanceUid, int k)
    {
        var code = CodeOf(sopInstanceUid);
        return [.. _codes.Values
            .Where(v => v.Instance.SopInstanceUid != sopInstanceUid)
            .Select(v => new Neighbour(v.Instance, code.DistanceTo(v.Code)))
            .OrderBy(n => n.Distance).ThenBy(n => n.Instance.SopInstanceUid, StringComparer.Ordinal)
            .Take(k)];
    }

    /// <summary>The k other studies nearest to a study, each by its best match.</summary>
    public IReadOnlyList<StudyMatch> NearestStudies(string studyInstanceUid, int k)
    {
        var query = _codes.Values.Where(v => v.Instance.StudyInstanceUid == studyInstanceUid).ToList();
        return [.. _codes.Values
            .Where(v => v.Instance.StudyInstanceUid != studyInstanceUid)
            .GroupBy(v => v.Instance.StudyInstanceUid)
            .Select(study => study
                .SelectMany(candidate => query.Select(q => new StudyMatch(study.Key, candidate.Instance, q.Instance, q.Code.DistanceTo(candidate.Code))))
                .OrderBy(m => m.Distance)
                .ThenBy(m => m.Instance.SopInstanceUid, StringComparer.Ordinal)
                .ThenBy(m => m.QueryInstance.SopInstanceUid, StringComparer.Ordinal)
                .First())
            .OrderBy(m => m.Distance).ThenBy(m => m.StudyInstanceUid, StringComparer.Ordinal)
            .Take(k)];
    }
}
