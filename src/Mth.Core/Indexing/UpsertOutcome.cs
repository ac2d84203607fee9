namespace Mth.Core.Indexing;

/// <summary>What an upsert did. Repeating an upsert (a redelivered message) gives <see cref="Unchanged"/>.</summary>
public enum UpsertOutcome
{
    Inserted,
    Updated,
    Unchanged,
}
