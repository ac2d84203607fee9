namespace Mth.Dicom.Network.UpperLayer;

/// <summary>The seven protocol data units of the DICOM upper layer (PS3.8 9.3).</summary>
public enum PduType : byte
{
    AssociateRequest = 0x01,
    AssociateAccept = 0x02,
    AssociateReject = 0x03,
    DataTransfer = 0x04,
    ReleaseRequest = 0x05,
    ReleaseResponse = 0x06,
    Abort = 0x07,
}

/// <summary>The fixed 6-byte PDU header: type, reserved byte, 32-bit big-endian length of what follows.</summary>
public readonly record struct PduHeader(byte Type, uint Length)
{
    public const int Size = 6;

    public bool IsKnownType => Type is >= 0x01 and <= 0x07;

    public PduType PduType => (PduType)Type;

    public override string ToString() =>
        IsKnownType ? $"{PduType} PDU ({Length} bytes)" : $"unknown PDU type 0x{Type:X2} ({Length} bytes)";
}
