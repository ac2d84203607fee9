using Mth.Core.Codes;

namespace Mth.Core.Indexing;

/// <summary>An item to store: its id (a SOP Instance UID in this product) and its code.</summary>
public sealed record IndexEntry(string Id, BinaryCode Code);
