namespace Mth.Dicom;

/// <summary>
/// How this implementation names itself in file meta information (PS3.10 7.1) and in
/// association negotiation (PS3.7 D.3.3.2).
/// </summary>
public static class DicomImplementation
{
    /// <summary>A UID under the 2.25 (UUID) root, fixed for this implementation.</summary>
    public const string ClassUid = "2.25.61277919452031258530310096169337030721";

    /// <summary>
    /// Stands in, when a file read lacks a valid Implementation Class UID, for the unknown
    /// writer (the UUID-derived UID of the nil UUID).
    /// </summary>
    public const string UnknownClassUid = "2.25.0";

    /// <summary>At most 16 characters (SH).</summary>
    public const string VersionName = "MTHSEARCH_1";
}
