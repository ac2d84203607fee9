namespace Mth.Core.Coordination;

/// <summary>
/// Small text documents (JSON) shared by every process of one deployment: the state of background jobs
/// that several encoders work on together (re-encoding after a model release, progress records). Each
/// document carries a revision that every write increments; a write is a compare-and-set on that revision,
/// so concurrent writers never overwrite each other unseen. Lives beside the index: in Redis, in the
/// embedded folder, or in memory.
/// </summary>
public interface ICoordinationStore
{
    /// <summary>The document, or null when the key has none.</summary>
    ValueTask<CoordinationDocument?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes <paramref name="value"/> when the stored revision is <paramref name="expectedRevision"/> (0: the key
    /// must have no document). Returns the new revision, or null when another writer changed the document first.
    /// </summary>
    ValueTask<long?> TryWriteAsync(string key, string value, long expectedRevision, CancellationToken cancellationToken = default);

    /// <summary>Removes the document; false when there was none.</summary>
    ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);
}

/// <summary>A stored document and the revision it was read at (1 after the first write).</summary>
public sealed record CoordinationDocument(string Key, string Value, long Revision);

/// <summary>Keys are 1 to 200 characters of [A-Za-z0-9._/-] (they become Redis keys and log entries).</summary>
public static class CoordinationKeys
{
    public const int MaxLength = 200;

    public static string Validate(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > MaxLength || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '/' or '-'))
        {
            throw new ArgumentException($"A coordination key must be 1 to {MaxLength} characters of A-Z, a-z, 0-9, '.', '_', '/', '-'.", nameof(key));
        }

        return key;
    }

    public static void CheckRevision(long expectedRevision)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expectedRevision);
    }
}
