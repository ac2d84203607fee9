using System.Text.Json;
using System.Text.Json.Serialization;
using Mth.Core.Indexing;
using Mth.Core.Indexing.MultiIndexHashing;

namespace Mth.Core.Embedded;

/// <summary>
/// The persistent index of the all-in-one mode: versions and the active pointer in a local folder.
/// <c>catalog.json</c> (versions, their state, the active version) is replaced atomically (write, fsync,
/// rename); each version lives in <c>versions/&lt;name&gt;/</c> (see <see cref="EmbeddedIndexVersion"/>).
/// One process owns the folder at a time (an exclusive lock file); a restart reopens everything.
/// </summary>
public sealed class EmbeddedIndexCatalog : IIndexCatalog, IDisposable
{
    private readonly string _root;
    private readonly EmbeddedIndexOptions _options;
    private readonly FileStream _lockFile;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, EmbeddedIndexVersion> _open = new(StringComparer.Ordinal);
    private CatalogFile _catalog;

    private EmbeddedIndexCatalog(string root, EmbeddedIndexOptions options, FileStream lockFile, CatalogFile catalog)
    {
        _root = root;
        _options = options;
        _lockFile = lockFile;
        _catalog = catalog;
    }

    private string CatalogPath => Path.Combine(_root, "catalog.json");

    private string VersionFolder(string version) => Path.Combine(_root, "versions", version);

    /// <summary>Opens (or creates) the index in <paramref name="root"/>. Throws <see cref="IOException"/> when another process holds it.</summary>
    public static EmbeddedIndexCatalog Open(string root, EmbeddedIndexOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Directory.CreateDirectory(Path.Combine(root, "versions"));
        var lockFile = FolderLock.Acquire(root, "index");

        var path = Path.Combine(root, "catalog.json");
        var catalog = File.Exists(path)
            ? JsonSerializer.Deserialize<CatalogFile>(File.ReadAllText(path)) ?? new CatalogFile()
            : new CatalogFile();
        return new EmbeddedIndexCatalog(root, options ?? new EmbeddedIndexOptions(), lockFile, catalog);
    }

    public async ValueTask<IHammingIndex> CreateVersionAsync(string version, IndexVersionOptions options, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateVersion(version);
        ArgumentNullException.ThrowIfNull(options);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var layout = options.Layout();
            if (_catalog.Versions.TryGetValue(version, out var existing))
            {
                if (existing.State != ReadyState)
                {
                    throw new IndexCatalogException($"Version '{version}' is being dropped; finish the drop before creating it again.");
                }

                if (existing.Bits != options.Bits || (options.SubstringCount is not null && existing.Substrings != layout.Count))
                {
                    throw new IndexCatalogException($"Version '{version}' exists with other options ({existing.Bits} bits, {existing.Substrings} substrings).");
                }

                return OpenLoaded(version, existing);
            }

            var entry = new VersionEntry { Bits = options.Bits, Substrings = layout.Count, State = ReadyState };
            Directory.CreateDirectory(VersionFolder(version));
            _catalog.Versions[version] = entry;
            Save();
            return OpenLoaded(version, entry);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask<IHammingIndex?> OpenVersionAsync(string version, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateVersion(version);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _catalog.Versions.TryGetValue(version, out var entry) && entry.State == ReadyState ? OpenLoaded(version, entry) : null;
        }
        finally
        {
            _gate.Release();
        }
    }

    private EmbeddedIndexVersion OpenLoaded(string version, VersionEntry entry)
    {
        if (!_open.TryGetValue(version, out var index))
        {
            index = EmbeddedIndexVersion.Open(VersionFolder(version), version, SubstringLayout.Create(entry.Bits, entry.Substrings), _options);
            _open[version] = index;
        }

        return index;
    }

    public async ValueTask<IReadOnlyList<IndexVersionInfo>> ListVersionsAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _catalog.Versions.OrderBy(v => v.Key, StringComparer.Ordinal)
                .Select(v => new IndexVersionInfo(v.Key, v.Value.Bits, v.Value.Substrings, v.Value.State == ReadyState ? IndexVersionState.Ready : IndexVersionState.Dropping))
                .ToList();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask<string?> GetActiveVersionAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _catalog.Active;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask<bool> TrySetActiveVersionAsync(string? expectedActive, string newActive, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateVersion(newActive);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_catalog.Versions.TryGetValue(newActive, out var entry) || entry.State != ReadyState)
            {
                throw new IndexCatalogException($"Version '{newActive}' does not exist or is being dropped and cannot become active.");
            }

            if (!string.Equals(_catalog.Active, expectedActive, StringComparison.Ordinal))
            {
                return false;
            }

            _catalog.Active = newActive;
            Save();
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DropVersionAsync(string version, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateVersion(version);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_catalog.Versions.TryGetValue(version, out var entry))
            {
                return;
            }

            if (string.Equals(_catalog.Active, version, StringComparison.Ordinal))
            {
                throw new IndexCatalogException($"Version '{version}' is active; make another version active before dropping it.");
            }

            // Marked first (durably): a crash during the deletion leaves a version that is no longer opened
            // and that the next call finishes.
            entry.State = DroppingState;
            Save();
            if (_open.Remove(version, out var index))
            {
                index.Dispose();
            }
        }
        finally
        {
            _gate.Release();
        }

        await Task.Run(() =>
        {
            if (Directory.Exists(VersionFolder(version)))
            {
                Directory.Delete(VersionFolder(version), recursive: true);
            }
        }, cancellationToken).ConfigureAwait(false);

        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            _catalog.Versions.Remove(version);
            Save();
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Save()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(_catalog, new JsonSerializerOptions { WriteIndented = true });
        VersionFiles.WriteDurably(CatalogPath, stream => stream.Write(json));
    }

    public void Dispose()
    {
        foreach (var index in _open.Values)
        {
            index.Dispose();
        }

        _open.Clear();
        _gate.Dispose();
        _lockFile.Dispose();
    }

    private const string ReadyState = "ready";
    private const string DroppingState = "dropping";

    private sealed class CatalogFile
    {
        [JsonPropertyName("active")]
        public string? Active { get; set; }

        [JsonPropertyName("versions")]
        public Dictionary<string, VersionEntry> Versions { get; set; } = new(StringComparer.Ordinal);
    }

    private sealed class VersionEntry
    {
        [JsonPropertyName("bits")]
        public int Bits { get; set; }

        [JsonPropertyName("substrings")]
        public int Substrings { get; set; }

        [JsonPropertyName("state")]
        public string State { get; set; } = ReadyState;
    }
}
