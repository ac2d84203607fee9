using System.Diagnostics;
using System.Text;
using Mth.Dicom;
using Mth.Dicom.IO;
using Mth.Dicom.Network.Client;
using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.UpperLayer;

namespace Mth.Bench.Ingest;

/// <summary>One C-STORE of a steady-rate run: when it was due, sent and acknowledged (Stopwatch time since the run began).</summary>
public sealed record SentInstance(string SopInstanceUid, TimeSpan DueAt, TimeSpan SentAt, TimeSpan AcknowledgedAt, DimseStatus Status);

/// <summary>
/// Sends instances at a steady rate over one association with our SCU, as a modality would during
/// a long acquisition: instance i is due at i / rate seconds; it is sent when due (or at once when
/// the previous answer came late, without catching up in a burst). Each instance is a copy of a
/// template with a fresh SOP Instance UID, made in memory, so a run of any length needs no files.
/// For <c>mth bench pipeline</c>: C-STORE to searchable is measured from <see cref="SentInstance.AcknowledgedAt"/>.
/// </summary>
public sealed class SteadyRateSender
{
    private readonly byte[] _template;
    private readonly int[] _uidPositions;
    private readonly string _templateUid;

    /// <param name="templatePath">A Part 10 file whose SOP Instance UID appears in its data set (not deflated).</param>
    public SteadyRateSender(string templatePath)
    {
        using var stream = File.OpenRead(templatePath);
        var meta = DicomFileMetaInformation.Read(stream) ?? throw new InvalidDataException(templatePath + " has no file meta.");
        if (meta.TransferSyntax.IsDeflated)
        {
            throw new ArgumentException("A deflated template cannot be copied by replacing its UID bytes.", nameof(templatePath));
        }

        using var rest = new MemoryStream();
        stream.CopyTo(rest);
        _template = rest.ToArray();
        SopClassUid = meta.MediaStorageSopClassUid;
        TransferSyntax = meta.TransferSyntax;
        _templateUid = meta.MediaStorageSopInstanceUid;
        var pattern = System.Text.Encoding.ASCII.GetBytes(_templateUid);
        var positions = new List<int>();
        for (var from = 0; _template.AsSpan(from).IndexOf(pattern) is var found and >= 0; from += found + pattern.Length)
        {
            positions.Add(from + found);
        }

        _uidPositions = positions.Count > 0 ? [.. positions] : throw new ArgumentException("The template's data set does not hold its SOP Instance UID.", nameof(templatePath));
    }

    public string SopClassUid { get; }

    public TransferSyntax TransferSyntax { get; }

    /// <summary>Sends <paramref name="count"/> instances at <paramref name="perSecond"/>; every answer is recorded, failures included.</summary>
    public async Task<IReadOnlyList<SentInstance>> SendAsync(string host, int port, string calledAeTitle, int count, double perSecond,
        IProgress<SentInstance>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(perSecond, 0);
        var contexts = new[] { new PresentationContextProposal(1, SopClassUid, [TransferSyntax.Uid]) };
        await using var association = await DicomClientAssociation.ConnectAsync(host, port, contexts,
            new DicomClientOptions { CallingAeTitle = "MTH_BENCH", CalledAeTitle = calledAeTitle }, cancellationToken).ConfigureAwait(false);
        var context = association.FindContext(SopClassUid, TransferSyntax)
            ?? throw new InvalidOperationException($"{calledAeTitle} refused {SopClassUid} in {TransferSyntax.Uid}.");
        var sent = new List<SentInstance>(count);
        var clock = Stopwatch.StartNew();
        var interval = TimeSpan.FromSeconds(1 / perSecond);
        for (var i = 0; i < count; i++)
        {
            var due = interval * i;
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }

            var uid = NewUidLike(_templateUid);
            var dataSet = CopyWithUid(uid);
            var sentAt = clock.Elapsed;
            var status = await association.StoreAsync(context, SopClassUid, uid, new MemoryStream(dataSet), cancellationToken).ConfigureAwait(false);
            var instance = new SentInstance(uid, due, sentAt, clock.Elapsed, status);
            sent.Add(instance);
            progress?.Report(instance);
        }

        await association.ReleaseAsync(cancellationToken).ConfigureAwait(false);
        return sent;
    }

    private byte[] CopyWithUid(string uid)
    {
        var copy = (byte[])_template.Clone();
        var bytes = System.Text.Encoding.ASCII.GetBytes(uid);
        foreach (var position in _uidPositions)
        {
            bytes.CopyTo(copy, position);
        }

        return copy;
    }

    /// <summary>A fresh 2.25 UID of exactly the template UID's length, so the data set's lengths stay valid.</summary>
    private static string NewUidLike(string template)
    {
        var length = template.Length;
        if (length < 8)
        {
            throw new ArgumentException("The template's SOP Instance UID is too short to vary.", nameof(template));
        }

        var digits = new StringBuilder("2.25.");
        digits.Append((char)('1' + Random.Shared.Next(9)));
        while (digits.Length < length)
        {
            digits.Append((char)('0' + Random.Shared.Next(10)));
        }

        var uid = digits.ToString();
        return DicomUid.IsValid(uid) ? uid : throw new InvalidOperationException("Generated an invalid UID.");
    }
}
