namespace Mth.Core.Indexing;

/// <summary>One search result: an item's id and its Hamming distance to the query.</summary>
public readonly record struct Neighbor(string Id, int Distance);
