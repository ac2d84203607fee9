namespace Mth.Dicom.Network;

/// <summary>UIDs the network layer itself needs (PS3.6 annex A).</summary>
public static class DicomNetworkUids
{
    /// <summary>Verification SOP Class (C-ECHO).</summary>
    public const string Verification = "1.2.840.10008.1.1";
}
