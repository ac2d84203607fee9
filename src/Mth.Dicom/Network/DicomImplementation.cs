namespace Mth.Dicom.Network;

/// <summary>How this implementation names itself in association negotiation (PS3.7 D.3.3.2 and D.3.3.3).</summary>
public static class DicomImplementation
{
    /// <summary>Implementation Class UID: a fixed UUID-derived UID under the 2.25 root (PS3.5 B.2).</summary>
    public const string ClassUid = "2.25.162359861169985663991508499072898206092";

    /// <summary>Implementation Version Name: 1 to 16 characters.</summary>
    public const string VersionName = "MTH_SEARCH_0_1";
}
