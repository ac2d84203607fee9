namespace Mth.Query.Search;

/// <summary>What a result stands for: one instance, or one study (represented by its best-matching instance).</summary>
public enum SearchLevel
{
    Instance,
    Study,
}
