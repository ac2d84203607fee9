using Mth.Dicom.IO;
using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.UpperLayer;

namespace Mth.Dicom.Network.Client;

/// <summary>The outcome of sending one file.</summary>
/// <param name="Path">The file.</param>
/// <param name="SopInstanceUid">From its file meta, when it could be read.</param>
/// <param name="Status">The peer's C-STORE status, when the instance was sent.</param>
/// <param name="Error">Why the file was not sent or not stored, when it was not.</param>
public sealed record DicomFileSendResult(string Path, string? SopInstanceUid, DimseStatus? Status, string? Error)
{
    public bool Succeeded => Error is null && Status is { IsSuccessOrWarning: true };
}

/// <summary>
/// Sends Part 10 files with C-STORE (the SCU behind <c>mth dicom send</c>). Folders are walked
/// recursively. For each SOP class it proposes every transfer syntax the files are in, each in
/// its own presentation context so the peer answers each, plus Implicit VR Little Endian, the
/// syntax every SCP must accept. A file goes in its own transfer syntax when the peer accepts
/// it; otherwise native (uncompressed) pixel data is re-encoded to Implicit VR Little Endian on
/// the fly, and compressed pixel data is reported as not sent.
/// More than 128 contexts are spread over several associations. A file that cannot be sent is
/// reported and the rest go on.
/// </summary>
public sealed class DicomFileSender
{
    private readonly DicomClientOptions _options;
    private readonly IDicomNetworkLog _log;

    public DicomFileSender(DicomClientOptions options, IDicomNetworkLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _log = log ?? NullDicomNetworkLog.Instance;
    }

    /// <summary>Files named and files under folders named, in a stable order.</summary>
    public static IReadOnlyList<string> ExpandPaths(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
            }
            else
            {
                files.Add(path);
            }
        }

        return files;
    }

    public async Task<IReadOnlyList<DicomFileSendResult>> SendAsync(string host, int port, IEnumerable<string> paths,
        IProgress<DicomFileSendResult>? progress = null, CancellationToken cancellationToken = default)
    {
        var results = new List<DicomFileSendResult>();
        void Report(DicomFileSendResult result)
        {
            results.Add(result);
            progress?.Report(result);
        }

        var instances = new List<FileInstance>();
        foreach (var path in ExpandPaths(paths))
        {
            if (TryDescribe(path, out var instance, out var error))
            {
                instances.Add(instance);
            }
            else
            {
                Report(new DicomFileSendResult(path, null, null, error));
            }
        }

        foreach (var batch in PlanAssociations(instances))
        {
            await SendBatchAsync(host, port, batch, Report, cancellationToken).ConfigureAwait(false);
        }

        return results;
    }

    private async Task SendBatchAsync(string host, int port, Batch batch, Action<DicomFileSendResult> report, CancellationToken cancellationToken)
    {
        DicomClientAssociation association;
        try
        {
            association = await DicomClientAssociation.ConnectAsync(host, port, batch.Contexts, _options, cancellationToken).ConfigureAwait(false);
        }
        catch (DicomNetworkException ex)
        {
            foreach (var instance in batch.Instances)
            {
                report(new DicomFileSendResult(instance.Path, instance.SopInstanceUid, null, ex.Message));
            }

            return;
        }

        await using (association.ConfigureAwait(false))
        {
            for (var i = 0; i < batch.Instances.Count; i++)
            {
                var instance = batch.Instances[i];
                var context = association.FindContext(instance.SopClassUid, instance.TransferSyntax);
                var converted = false;
                if (context is null && !instance.TransferSyntax.IsEncapsulated)
                {
                    // Native pixel data can be re-encoded in the syntax every SCP must accept.
                    context = association.FindContext(instance.SopClassUid, TransferSyntax.ImplicitVRLittleEndian);
                    converted = context is not null;
                }

                if (context is null)
                {
                    var why = association.FindContext(instance.SopClassUid) is null
                        ? $"the peer accepts no presentation context for SOP class {instance.SopClassUid}"
                        : $"the peer refused {instance.TransferSyntax.Name} for SOP class {instance.SopClassUid}, and compressed pixel data is not converted";
                    report(new DicomFileSendResult(instance.Path, instance.SopInstanceUid, null, why));
                    continue;
                }

                try
                {
                    var status = converted
                        ? await StoreConvertedAsync(association, context, instance, cancellationToken).ConfigureAwait(false)
                        : await StoreAsStoredAsync(association, context, instance, cancellationToken).ConfigureAwait(false);
                    report(new DicomFileSendResult(instance.Path, instance.SopInstanceUid, status,
                        status.IsSuccessOrWarning ? null : $"the peer answered {status}"));
                }
                catch (Exception ex) when (ex is DicomNetworkException or IOException or DicomException)
                {
                    var what = ex is DicomNetworkException ? ex.Message : "cannot read the file: " + ex.Message;
                    _log.Write(DicomLogLevel.Warning, $"Sending to {host}:{port} failed: {what}");
                    report(new DicomFileSendResult(instance.Path, instance.SopInstanceUid, null, what));
                    foreach (var rest in batch.Instances.Skip(i + 1))
                    {
                        report(new DicomFileSendResult(rest.Path, rest.SopInstanceUid, null, "not sent: the association failed: " + what));
                    }

                    return;
                }
            }

            await association.ReleaseAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<DimseStatus> StoreAsStoredAsync(DicomClientAssociation association, AcceptedPresentationContext context,
        FileInstance instance, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(instance.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        file.Position = instance.DataSetOffset;
        return await association.StoreAsync(context, instance.SopClassUid, instance.SopInstanceUid, file, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Re-encodes the data set into the context's transfer syntax while it is sent, through a pipe: never whole in memory.</summary>
    private static async Task<DimseStatus> StoreConvertedAsync(DicomClientAssociation association, AcceptedPresentationContext context,
        FileInstance instance, CancellationToken cancellationToken)
    {
        using var source = await DicomFile.OpenAsync(instance.Path, cancellationToken: cancellationToken).ConfigureAwait(false);
        var pipe = new System.IO.Pipelines.Pipe();
        var encode = Task.Run(async () =>
        {
            var writer = pipe.Writer.AsStream();
            try
            {
                await DicomDataSetWriter.WriteAsync(writer, source.DataSet, context.TransferSyntax, cancellationToken).ConfigureAwait(false);
                await pipe.Writer.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                await pipe.Writer.CompleteAsync(ex).ConfigureAwait(false);
            }
        }, cancellationToken);
        try
        {
            return await association.StoreAsync(context, instance.SopClassUid, instance.SopInstanceUid, pipe.Reader.AsStream(), cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            await pipe.Reader.CompleteAsync().ConfigureAwait(false);
            await encode.ConfigureAwait(false);
        }
    }

    /// <summary>Reads what sending needs from a file's meta; false with a reason for anything that is not a sendable Part 10 file.</summary>
    private static bool TryDescribe(string path, out FileInstance instance, out string error)
    {
        instance = null!;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
            var meta = DicomFileMetaInformation.Read(file);
            if (meta is null)
            {
                error = "not a DICOM Part 10 file (no DICM prefix)";
                return false;
            }

            if (!DicomUid.IsValid(meta.MediaStorageSopClassUid) || !DicomUid.IsValid(meta.MediaStorageSopInstanceUid) || !DicomUid.IsValid(meta.TransferSyntaxUid))
            {
                error = "the file meta holds an invalid SOP class, SOP instance or transfer syntax UID";
                return false;
            }

            instance = new FileInstance(path, meta.MediaStorageSopClassUid, meta.MediaStorageSopInstanceUid, meta.TransferSyntax, file.Position);
            error = string.Empty;
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DicomException)
        {
            error = "cannot read the file: " + ex.Message;
            return false;
        }
    }

    /// <summary>Groups files into associations of at most 128 presentation contexts.</summary>
    private static List<Batch> PlanAssociations(List<FileInstance> instances)
    {
        var batches = new List<Batch>();
        var current = new Batch();
        foreach (var instance in instances)
        {
            var needed = current.ContextsNeededFor(instance);
            if (current.ContextCount + needed > AssociationPduCodec.MaxPresentationContexts)
            {
                batches.Add(current);
                current = new Batch();
            }

            current.Add(instance);
        }

        if (current.Instances.Count > 0)
        {
            batches.Add(current);
        }

        return batches;
    }

    private sealed record FileInstance(string Path, string SopClassUid, string SopInstanceUid, TransferSyntax TransferSyntax, long DataSetOffset);

    private sealed class Batch
    {
        private readonly HashSet<(string SopClass, string TransferSyntax)> _pairs = [];
        private readonly List<(string SopClass, string TransferSyntax)> _ordered = [];

        public List<FileInstance> Instances { get; } = [];

        public int ContextCount => _pairs.Count;

        public IReadOnlyList<PresentationContextProposal> Contexts =>
            _ordered.Select((pair, i) => new PresentationContextProposal((byte)((2 * i) + 1), pair.SopClass, [pair.TransferSyntax])).ToList();

        public int ContextsNeededFor(FileInstance instance) =>
            Needed(instance).Count(pair => !_pairs.Contains(pair));

        public void Add(FileInstance instance)
        {
            Instances.Add(instance);
            foreach (var pair in Needed(instance))
            {
                if (_pairs.Add(pair))
                {
                    _ordered.Add(pair);
                }
            }
        }

        private static IEnumerable<(string, string)> Needed(FileInstance instance)
        {
            yield return (instance.SopClassUid, instance.TransferSyntax.Uid);
            yield return (instance.SopClassUid, TransferSyntax.ImplicitVRLittleEndian.Uid);
        }
    }
}
