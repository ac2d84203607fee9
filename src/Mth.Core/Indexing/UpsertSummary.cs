namespace Mth.Core.Indexing;

/// <summary>Counts of what a batch upsert did.</summary>
public readonly record struct UpsertSummary(int Inserted, int Updated, int Unchanged)
{
    public UpsertSummary Add(UpsertOutcome outcome) => outcome switch
    {
        UpsertOutcome.Inserted => this with { Inserted = Inserted + 1 },
        UpsertOutcome.Updated => this with { Updated = Updated + 1 },
        _ => this with { Unchanged = Unchanged + 1 },
    };

    public static UpsertSummary operator +(UpsertSummary a, UpsertSummary b) =>
        new(a.Inserted + b.Inserted, a.Updated + b.Updated, a.Unchanged + b.Unchanged);
}
