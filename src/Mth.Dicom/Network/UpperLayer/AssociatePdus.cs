namespace Mth.Dicom.Network.UpperLayer;

/// <summary>The user information item's sub-items this implementation reads and writes (PS3.7 annex D.3.3).</summary>
public sealed record UserInformation(uint MaxPduLength, string ImplementationClassUid, string? ImplementationVersionName)
{
    /// <summary>Maximum number of operations the requestor may invoke without waiting (async operations window); 1 when absent.</summary>
    public ushort MaxOperationsInvoked { get; init; } = 1;

    public ushort MaxOperationsPerformed { get; init; } = 1;

    /// <summary>SCP/SCU role selection sub-items, keyed by SOP class UID.</summary>
    public IReadOnlyList<RoleSelection> RoleSelections { get; init; } = [];
}

/// <summary>An SCP/SCU role selection sub-item (PS3.7 D.3.3.4).</summary>
public sealed record RoleSelection(string SopClassUid, bool ScuRole, bool ScpRole);

/// <summary>An A-ASSOCIATE-RQ PDU.</summary>
public sealed record AssociateRequest(
    string CalledAeTitle,
    string CallingAeTitle,
    IReadOnlyList<PresentationContextProposal> PresentationContexts,
    UserInformation UserInformation)
{
    /// <summary>The only application context DICOM defines (PS3.7 A.2.1).</summary>
    public const string DicomApplicationContext = "1.2.840.10008.3.1.1.1";

    public string ApplicationContextName { get; init; } = DicomApplicationContext;

    /// <summary>Bit 0 set means version 1, the only one defined.</summary>
    public ushort ProtocolVersion { get; init; } = 1;
}

/// <summary>An A-ASSOCIATE-AC PDU.</summary>
public sealed record AssociateAccept(
    string CalledAeTitle,
    string CallingAeTitle,
    IReadOnlyList<PresentationContextResponse> PresentationContexts,
    UserInformation UserInformation)
{
    public string ApplicationContextName { get; init; } = AssociateRequest.DicomApplicationContext;

    public ushort ProtocolVersion { get; init; } = 1;
}
