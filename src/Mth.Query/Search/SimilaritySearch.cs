using Microsoft.Extensions.Options;
using Mth.Core.Codes;
using Mth.Core.Indexing;
using Mth.Core.Instances;
using Mth.Dicom;
using Mth.Encoding.Images;
using Mth.Query.ActiveModel;
using Mth.Query.Api;

namespace Mth.Query.Search;

/// <summary>
/// The three searches the API offers, independent of HTTP: similar to a stored instance, similar studies to a
/// stored study, similar to an uploaded image. Each runs from start to end on one generation (one index
/// version and its model), so a model switch during a query changes nothing for it.
/// </summary>
internal sealed class SimilaritySearch : IDisposable
{
    private readonly ActiveSearch _active;
    private readonly InstanceRecordCache _records;
    private readonly ImageDecoderChain _decoders;
    private readonly QueryOptions _options;
    private readonly SemaphoreSlim _encodings;

    public SimilaritySearch(ActiveSearch active, InstanceRecordCache records, ImageDecoderChain decoders, IOptions<QueryOptions> options)
    {
        _active = active;
        _records = records;
        _decoders = decoders;
        _options = options.Value;
        _encodings = new SemaphoreSlim(_options.MaxConcurrentEncodings, _options.MaxConcurrentEncodings);
    }

    /// <summary>The stored instance's nearest instances in the active version; the instance itself is left out.</summary>
    public async Task<SimilarResponse> ByInstanceAsync(string sopInstanceUid, int k, CancellationToken cancellationToken)
    {
        QueryArguments.Uid(sopInstanceUid, "SOP Instance UID");
        using var lease = Lease();
        var generation = lease.Generation;
        var code = await generation.Search.GetCodeAsync(sopInstanceUid, cancellationToken).ConfigureAwait(false)
            ?? throw QueryProblemException.NotFound($"Instance {sopInstanceUid} is not indexed in the active version {generation.Version}.");

        var neighbours = (await generation.Search.SearchNearestAsync(code, k + 1, cancellationToken).ConfigureAwait(false))
            .Where(n => !string.Equals(n.Id, sopInstanceUid, StringComparison.Ordinal))
            .Take(k)
            .ToList();
        var records = await _records.GetManyAsync([sopInstanceUid, .. neighbours.Select(n => n.Id)], cancellationToken).ConfigureAwait(false);
        var query = new SimilarQuery(sopInstanceUid, records.GetValueOrDefault(sopInstanceUid)?.StudyInstanceUid, code.ToHex(), 1);
        return InstanceAnswer(generation.Version, k, query, neighbours, records);
    }

    /// <summary>Other studies ranked by their best match to any instance of the stored study; the study's own instances are left out.</summary>
    public async Task<SimilarResponse> ByStudyAsync(string studyInstanceUid, int k, CancellationToken cancellationToken)
    {
        QueryArguments.Uid(studyInstanceUid, "Study Instance UID");
        using var lease = Lease();
        var generation = lease.Generation;
        var members = await _records.Catalog.GetStudyInstancesAsync(studyInstanceUid, cancellationToken).ConfigureAwait(false);
        if (members.Count == 0)
        {
            throw QueryProblemException.NotFound($"Study {studyInstanceUid} has no instances in the instance catalog.");
        }

        // One search per distinct code, standing for the smallest SOP Instance UID that has it (the tie rule).
        var byCode = new Dictionary<BinaryCode, string>();
        foreach (var id in members.Order(StringComparer.Ordinal))
        {
            if (await generation.Search.GetCodeAsync(id, cancellationToken).ConfigureAwait(false) is { } code)
            {
                byCode.TryAdd(code, id);
            }
        }

        if (byCode.Count == 0)
        {
            throw QueryProblemException.NotFound($"No instance of study {studyInstanceUid} is indexed in the active version {generation.Version}.");
        }

        if (byCode.Count > _options.MaxStudyQueryCodes)
        {
            throw QueryProblemException.Unprocessable(
                $"Study {studyInstanceUid} has {byCode.Count} distinct codes; at most {_options.MaxStudyQueryCodes} are searched (Query:MaxStudyQueryCodes).");
        }

        var ranking = new StudyRanking(generation.Search, _records, _options.MaxStudyCandidates);
        var queries = byCode.Select(pair => (pair.Key, (string?)pair.Value)).ToList();
        var (matches, exact) = await ranking.RankAsync(queries, k, studyInstanceUid, members.ToHashSet(StringComparer.Ordinal), cancellationToken).ConfigureAwait(false);
        var query = new SimilarQuery(null, studyInstanceUid, byCode.Count == 1 ? byCode.Keys.First().ToHex() : null, byCode.Count);
        return StudyAnswer(generation.Version, k, exact, query, matches);
    }

    /// <summary>Encodes an uploaded image with the active model and searches its code.</summary>
    public async Task<SimilarResponse> ByImageAsync(ReadOnlyMemory<byte> file, int k, SearchLevel level, CancellationToken cancellationToken)
    {
        if (!_decoders.CanDecode(file.Span[..Math.Min(file.Length, ImageDecoderChain.HeaderLength)]))
        {
            throw QueryProblemException.UnsupportedMedia(
                $"The upload is not an image this service reads ({string.Join(", ", _decoders.Decoders.Select(d => d.Name))}).");
        }

        using var lease = Lease();
        var generation = lease.Generation;
        BinaryCode code;
        await _encodings.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var image = Decode(file.Span);
            code = BinaryCode.FromBytes(await generation.Encoder.EncodeAsync(image, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            _encodings.Release();
        }

        var query = new SimilarQuery(null, null, code.ToHex(), 1);
        if (level == SearchLevel.Study)
        {
            var ranking = new StudyRanking(generation.Search, _records, _options.MaxStudyCandidates);
            var (matches, exact) = await ranking.RankAsync([(code, null)], k, null, new HashSet<string>(), cancellationToken).ConfigureAwait(false);
            return StudyAnswer(generation.Version, k, exact, query, matches);
        }

        var neighbours = await generation.Search.SearchNearestAsync(code, k, cancellationToken).ConfigureAwait(false);
        var records = await _records.GetManyAsync(neighbours.Select(n => n.Id).ToList(), cancellationToken).ConfigureAwait(false);
        return InstanceAnswer(generation.Version, k, query, neighbours, records);
    }

    private Mth.Imaging.FloatImage Decode(ReadOnlySpan<byte> file)
    {
        try
        {
            return _decoders.Decode(file);
        }
        catch (ImageDecodingException e) when (Unsupported(e) is { } unsupported)
        {
            throw QueryProblemException.UnsupportedMedia(unsupported.Message);
        }
        catch (ImageDecodingException e)
        {
            throw QueryProblemException.Unprocessable(e.Message);
        }
        catch (Exception e) when (e is DicomException)
        {
            throw Unsupported(e) is { } unsupported
                ? QueryProblemException.UnsupportedMedia(unsupported.Message)
                : QueryProblemException.Unprocessable(e.Message);
        }
    }

    /// <summary>A DICOM transfer syntax the renderer cannot decode is a media type problem (415), not damaged content.</summary>
    private static DicomUnsupportedTransferSyntaxException? Unsupported(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is DicomUnsupportedTransferSyntaxException unsupported)
            {
                return unsupported;
            }
        }

        return null;
    }

    private ActiveSearch.Lease Lease() => _active.Acquire() ?? throw QueryProblemException.NoActiveModel();

    private static SimilarResponse InstanceAnswer(string version, int k, SimilarQuery query, IReadOnlyList<Neighbor> neighbours, IReadOnlyDictionary<string, InstanceRecord> records) =>
        new(version, "instance", k, true, query, neighbours.Select((n, i) =>
        {
            var record = records.GetValueOrDefault(n.Id);
            return new SimilarResult(i + 1, n.Distance, version, n.Id, record?.SeriesInstanceUid, record?.StudyInstanceUid, record?.Modality);
        }).ToList());

    private static SimilarResponse StudyAnswer(string version, int k, bool exact, SimilarQuery query, IReadOnlyList<StudyMatch> matches) =>
        new(version, "study", k, exact, query, matches.Select((m, i) => new SimilarResult(
            i + 1, m.Distance, version, m.Instance.SopInstanceUid, m.Instance.SeriesInstanceUid, m.StudyInstanceUid, m.Instance.Modality, m.QueryId)).ToList());

    public void Dispose() => _encodings.Dispose();
}
