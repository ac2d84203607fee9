using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Mth.Core.Instances;

namespace Mth.Query.Search;

/// <summary>
/// The instance catalog's records as the query service reads them, kept in memory for a while: every answer names
/// its results' series, study and modality, and without a cache that is two Redis commands per result. A record
/// hardly ever changes (a SOP Instance UID names one instance, written once by the encoder); one that does is seen
/// after at most <see cref="QueryOptions.InstanceCacheTtl"/>. Instances the catalog does not know are not cached.
/// </summary>
internal sealed class InstanceRecordCache : IDisposable
{
    private readonly IInstanceCatalog _catalog;
    private readonly MemoryCache? _cache;
    private readonly TimeSpan _ttl;

    public InstanceRecordCache(IInstanceCatalog catalog, IOptions<QueryOptions> options)
    {
        _catalog = catalog;
        _ttl = options.Value.InstanceCacheTtl;
        if (options.Value.InstanceCacheEntries > 0 && _ttl > TimeSpan.Zero)
        {
            _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.InstanceCacheEntries, CompactionPercentage = 0.1 });
        }
    }

    public IInstanceCatalog Catalog => _catalog;

    public async ValueTask<IReadOnlyDictionary<string, InstanceRecord>> GetManyAsync(IReadOnlyCollection<string> sopInstanceUids, CancellationToken cancellationToken)
    {
        if (_cache is null)
        {
            return await _catalog.GetManyAsync(sopInstanceUids, cancellationToken).ConfigureAwait(false);
        }

        var found = new Dictionary<string, InstanceRecord>(StringComparer.Ordinal);
        List<string>? missing = null;
        foreach (var uid in sopInstanceUids)
        {
            if (_cache.TryGetValue(uid, out InstanceRecord? record) && record is not null)
            {
                found[uid] = record;
            }
            else
            {
                (missing ??= []).Add(uid);
            }
        }

        if (missing is not null)
        {
            foreach (var (uid, record) in await _catalog.GetManyAsync(missing, cancellationToken).ConfigureAwait(false))
            {
                found[uid] = record;
                _cache.Set(uid, record, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _ttl });
            }
        }

        return found;
    }

    public void Dispose() => _cache?.Dispose();
}
