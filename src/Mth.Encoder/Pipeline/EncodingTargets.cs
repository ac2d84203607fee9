using Mth.Core.Indexing;
using Mth.Encoder.Reencoding;
using Mth.Encoding.Inference;

namespace Mth.Encoder.Pipeline;

/// <summary>An index version to write into and the model whose codes it holds.</summary>
internal sealed record EncodingTarget(string Version, IHammingIndex Index, HashEncoder Model);

/// <summary>
/// The versions a batch of new instances goes into, versions being built first and the active one last: an
/// instance a query can find in the active version is then already in the version that may replace it, so a
/// switch never shows a query an instance it could see a moment before as missing.
/// </summary>
internal sealed record LiveTargets(IReadOnlyList<EncodingTarget> Targets, string? Active);

/// <summary>
/// Which index versions a newly stored instance goes into: the active one and every version a running
/// re-encoding is filling, read afresh for each batch. Reading after the batch's messages arrived closes
/// the race with a release starting: a file stored before the job existed is listed by the job's planning
/// (which starts after the job record is written); a file stored after it is written here into both.
/// </summary>
internal sealed class EncodingTargets(IIndexCatalog catalog, ReencodingJobStore jobs, EncoderModels models)
{
    public async Task<LiveTargets> ForNewInstancesAsync(CancellationToken cancellationToken)
    {
        var active = await catalog.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
        var versions = new List<string>();
        foreach (var job in await jobs.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (job.Phase == ReencodingJobPhase.Running && job.Target != active && !versions.Contains(job.Target, StringComparer.Ordinal))
            {
                versions.Add(job.Target);
            }
        }

        if (active is not null)
        {
            versions.Add(active);
        }

        if (versions.Count == 0)
        {
            throw new NoIndexVersionException("No active index version yet (the encoders create one from the model registry at start).");
        }

        var targets = new List<EncodingTarget>(versions.Count);
        foreach (var version in versions)
        {
            targets.Add(await ForVersionAsync(version, cancellationToken).ConfigureAwait(false));
        }

        return new LiveTargets(targets, active);
    }

    public async Task<EncodingTarget> ForVersionAsync(string version, CancellationToken cancellationToken)
    {
        var index = await catalog.OpenVersionAsync(version, cancellationToken).ConfigureAwait(false)
            ?? throw new NoIndexVersionException($"Index version {version} does not exist (or is being dropped).");
        var model = await models.GetAsync(version, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (model.Bits != index.Bits)
        {
            throw new InvalidOperationException($"Index version {version} holds {index.Bits}-bit codes but model {version} makes {model.Bits}-bit codes.");
        }

        return new EncodingTarget(version, index, model);
    }
}

/// <summary>There is no index version to write into yet (transient: retried while the encoders create one).</summary>
internal sealed class NoIndexVersionException(string message) : Exception(message);
