using System.Buffers;
using Mth.Core.Codes;
using Mth.Core.Indexing;
using Mth.Core.Instances;

namespace Mth.Encoder.Pipeline;

/// <summary>A read that failed for a reason that may pass (I/O): the message is retried.</summary>
internal sealed record FailedInstance(string StorageKey, Exception Error) : InstanceRead(StorageKey);

/// <summary>An instance to read: its storage key and the SOP Instance UID announced for it (null: not checked).</summary>
internal readonly record struct InstanceRequest(string StorageKey, string? SopInstanceUid);

/// <summary>The codes a batch wrote: per rendered instance (same order), one code per target version.</summary>
internal sealed record EncodedBatch(IReadOnlyList<RenderedInstance> Instances, IReadOnlyList<EncodingTarget> Targets, BinaryCode[][] Codes);

/// <summary>
/// The work shared by live encoding and re-encoding: read and render a batch of stored instances in
/// parallel, run each target's model once over the whole batch (preprocessing at the model's S into one
/// pooled input tensor), then write the catalog records and each target version's codes. Records go first,
/// so that any code a query finds has its record. Every write is idempotent: a redelivered batch changes nothing.
/// </summary>
internal sealed class BatchEncoder(InstanceReader reader, IInstanceCatalog instances)
{
    public InstanceReader Reader => reader;

    /// <summary>Reads and renders in parallel (one item per core at a time); never throws for one item's sake.</summary>
    public async Task<InstanceRead[]> ReadAsync(IReadOnlyList<InstanceRequest> requests, CancellationToken cancellationToken)
    {
        var reads = new InstanceRead[requests.Count];
        await Parallel.ForAsync(0, requests.Count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            (i, _) =>
            {
                try
                {
                    reads[i] = reader.Read(requests[i].StorageKey, requests[i].SopInstanceUid);
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    reads[i] = new FailedInstance(requests[i].StorageKey, exception);
                }

                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);
        return reads;
    }

    /// <summary>Encodes the rendered instances with every target's model and writes records and codes. Throws when a write fails.</summary>
    public async Task<EncodedBatch> EncodeAsync(IReadOnlyList<RenderedInstance> rendered, IReadOnlyList<EncodingTarget> targets, CancellationToken cancellationToken)
    {
        var codes = new BinaryCode[rendered.Count][];
        for (var i = 0; i < rendered.Count; i++)
        {
            codes[i] = new BinaryCode[targets.Count];
        }

        for (var t = 0; t < targets.Count; t++)
        {
            var packed = await InferAsync(rendered, targets[t], cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < rendered.Count; i++)
            {
                codes[i][t] = BinaryCode.FromBytes(packed[i]);
            }
        }

        if (rendered.Count > 0)
        {
            await instances.PutManyAsync(rendered.Select(r => r.Record).ToList(), cancellationToken).ConfigureAwait(false);
            for (var t = 0; t < targets.Count; t++)
            {
                var entries = new IndexEntry[rendered.Count];
                for (var i = 0; i < rendered.Count; i++)
                {
                    entries[i] = new IndexEntry(rendered[i].Record.SopInstanceUid, codes[i][t]);
                }

                await targets[t].Index.UpsertManyAsync(entries, cancellationToken).ConfigureAwait(false);
            }
        }

        return new EncodedBatch(rendered, targets, codes);
    }

    private static async Task<byte[][]> InferAsync(IReadOnlyList<RenderedInstance> rendered, EncodingTarget target, CancellationToken cancellationToken)
    {
        if (rendered.Count == 0)
        {
            return [];
        }

        var model = target.Model;
        var length = model.Preprocessor.InputLength;
        var inputs = ArrayPool<float>.Shared.Rent(rendered.Count * length);
        try
        {
            await Parallel.ForAsync(0, rendered.Count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
                (i, _) =>
                {
                    model.Preprocessor.Preprocess(rendered[i].Image, inputs.AsSpan(i * length, length));
                    return ValueTask.CompletedTask;
                }).ConfigureAwait(false);
            // Inference is CPU- or GPU-bound; ONNX Runtime's own threads do the work.
            return await Task.Run(() => model.EncodeInputs(inputs.AsSpan(0, rendered.Count * length), rendered.Count, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(inputs);
        }
    }
}
