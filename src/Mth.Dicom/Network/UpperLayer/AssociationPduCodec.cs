namespace Mth.Dicom.Network.UpperLayer;

/// <summary>
/// Encodes and decodes the association-control PDUs (PS3.8 9.3.2 to 9.3.8). Decoders take the
/// PDU body (what follows the 6-byte header) and throw <see cref="DicomProtocolException"/> on
/// anything malformed.
/// </summary>
public static class AssociationPduCodec
{
    private const byte ApplicationContextItem = 0x10;
    private const byte PresentationContextRequestItem = 0x20;
    private const byte PresentationContextAcceptItem = 0x21;
    private const byte AbstractSyntaxItem = 0x30;
    private const byte TransferSyntaxItem = 0x40;
    private const byte UserInformationItem = 0x50;
    private const byte MaxLengthSubItem = 0x51;
    private const byte ImplementationClassUidSubItem = 0x52;
    private const byte AsyncOperationsWindowSubItem = 0x53;
    private const byte RoleSelectionSubItem = 0x54;
    private const byte ImplementationVersionNameSubItem = 0x55;

    /// <summary>At most 128 presentation contexts: the odd IDs 1 to 255 (PS3.8 9.3.2.2).</summary>
    public const int MaxPresentationContexts = 128;

    private const int FixedFieldsLength = 2 + 2 + 16 + 16 + 32;

    public static byte[] EncodeRequest(AssociateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var builder = new PduBuilder();
        builder.BeginPdu(PduType.AssociateRequest);
        WriteFixedFields(builder, request.ProtocolVersion, request.CalledAeTitle, request.CallingAeTitle);
        builder.WriteStringItem(ApplicationContextItem, request.ApplicationContextName);
        foreach (var context in request.PresentationContexts)
        {
            var at = builder.BeginItem16(PresentationContextRequestItem);
            builder.WriteByte(context.Id);
            builder.WriteZeros(3);
            builder.WriteStringItem(AbstractSyntaxItem, context.AbstractSyntax);
            foreach (var ts in context.TransferSyntaxes)
            {
                builder.WriteStringItem(TransferSyntaxItem, ts);
            }

            builder.EndItem16(at);
        }

        WriteUserInformation(builder, request.UserInformation);
        return builder.ToPdu();
    }

    public static byte[] EncodeAccept(AssociateAccept accept)
    {
        ArgumentNullException.ThrowIfNull(accept);
        var builder = new PduBuilder();
        builder.BeginPdu(PduType.AssociateAccept);
        WriteFixedFields(builder, accept.ProtocolVersion, accept.CalledAeTitle, accept.CallingAeTitle);
        builder.WriteStringItem(ApplicationContextItem, accept.ApplicationContextName);
        foreach (var context in accept.PresentationContexts)
        {
            var at = builder.BeginItem16(PresentationContextAcceptItem);
            builder.WriteByte(context.Id);
            builder.WriteByte(0);
            builder.WriteByte((byte)context.Result);
            builder.WriteByte(0);
            builder.WriteStringItem(TransferSyntaxItem, context.TransferSyntax);
            builder.EndItem16(at);
        }

        WriteUserInformation(builder, accept.UserInformation);
        return builder.ToPdu();
    }

    public static byte[] EncodeReject(AssociateReject reject)
    {
        var builder = new PduBuilder();
        builder.BeginPdu(PduType.AssociateReject);
        builder.WriteByte(0);
        builder.WriteByte((byte)reject.Result);
        builder.WriteByte((byte)reject.Source);
        builder.WriteByte(reject.Reason);
        return builder.ToPdu();
    }

    public static byte[] EncodeAbort(AbortPdu abort)
    {
        var builder = new PduBuilder();
        builder.BeginPdu(PduType.Abort);
        builder.WriteZeros(2);
        builder.WriteByte((byte)abort.Source);
        builder.WriteByte((byte)abort.Reason);
        return builder.ToPdu();
    }

    public static byte[] EncodeReleaseRequest() => EncodeEmpty(PduType.ReleaseRequest);

    public static byte[] EncodeReleaseResponse() => EncodeEmpty(PduType.ReleaseResponse);

    public static AssociateRequest DecodeRequest(ReadOnlySpan<byte> body)
    {
        var decoded = DecodeAssociate(body, "A-ASSOCIATE-RQ", PresentationContextRequestItem, DecodeProposal);
        if (decoded.ApplicationContext is null)
        {
            throw new DicomProtocolException(AbortReason.InvalidPduParameterValue, "A-ASSOCIATE-RQ has no application context item.");
        }

        return new AssociateRequest(decoded.Called, decoded.Calling, decoded.Contexts, decoded.UserInformation)
        {
            ApplicationContextName = decoded.ApplicationContext,
            ProtocolVersion = decoded.Version,
        };
    }

    public static AssociateAccept DecodeAccept(ReadOnlySpan<byte> body)
    {
        var decoded = DecodeAssociate(body, "A-ASSOCIATE-AC", PresentationContextAcceptItem, DecodeResponse);
        return new AssociateAccept(decoded.Called, decoded.Calling, decoded.Contexts, decoded.UserInformation)
        {
            ApplicationContextName = decoded.ApplicationContext ?? string.Empty,
            ProtocolVersion = decoded.Version,
        };
    }

    public static AssociateReject DecodeReject(ReadOnlySpan<byte> body)
    {
        var parser = new PduParser(body, "A-ASSOCIATE-RJ");
        parser.Skip(1, "reserved byte");
        var result = parser.ReadByte();
        var source = parser.ReadByte();
        var reason = parser.ReadByte();
        return new AssociateReject((AssociateRejectResult)result, (AssociateRejectSource)source, reason);
    }

    public static AbortPdu DecodeAbort(ReadOnlySpan<byte> body)
    {
        var parser = new PduParser(body, "A-ABORT");
        parser.Skip(2, "reserved bytes");
        var source = parser.ReadByte();
        var reason = parser.ReadByte();
        return new AbortPdu((AbortSource)source, (AbortReason)reason);
    }

    private delegate T ContextDecoder<out T>(ReadOnlySpan<byte> item);

    private sealed record DecodedAssociate<T>(ushort Version, string Called, string Calling, string? ApplicationContext,
        List<T> Contexts, UserInformation UserInformation);

    /// <summary>The body shared by A-ASSOCIATE-RQ and -AC: fixed fields, then application context, presentation context and user information items.</summary>
    private static DecodedAssociate<T> DecodeAssociate<T>(ReadOnlySpan<byte> body, string what, byte contextItemType, ContextDecoder<T> decodeContext)
        where T : class
    {
        var parser = new PduParser(body, what);
        var (version, called, calling) = ReadFixedFields(ref parser);
        string? applicationContext = null;
        var contexts = new List<T>();
        var ids = new HashSet<byte>();
        UserInformation? userInformation = null;
        while (parser.Remaining > 0)
        {
            var type = ReadItem(ref parser, what + " item", out var value);
            if (type == ApplicationContextItem)
            {
                applicationContext = PduParser.DecodeText(value);
            }
            else if (type == contextItemType)
            {
                if (contexts.Count == MaxPresentationContexts)
                {
                    throw new DicomProtocolException(AbortReason.InvalidPduParameterValue,
                        $"{what} carries more than {MaxPresentationContexts} presentation contexts.");
                }

                if (!ids.Add(value.IsEmpty ? (byte)0 : value[0]))
                {
                    throw new DicomProtocolException(AbortReason.InvalidPduParameterValue, $"{what} uses presentation context ID {value[0]} twice.");
                }

                contexts.Add(decodeContext(value));
            }
            else if (type == UserInformationItem)
            {
                userInformation = DecodeUserInformation(value);
            }

            // PS3.8 9.3.1: items of unknown type are ignored.
        }

        return new DecodedAssociate<T>(version, called, calling, applicationContext, contexts,
            userInformation ?? new UserInformation(0, string.Empty, null));
    }

    private static byte[] EncodeEmpty(PduType type)
    {
        var builder = new PduBuilder();
        builder.BeginPdu(type);
        builder.WriteZeros(4);
        return builder.ToPdu();
    }

    private static void WriteFixedFields(PduBuilder builder, ushort version, string called, string calling)
    {
        builder.WriteUInt16(version);
        builder.WriteZeros(2);
        builder.WriteAeTitle(called);
        builder.WriteAeTitle(calling);
        builder.WriteZeros(32);
    }

    private static (ushort Version, string Called, string Calling) ReadFixedFields(ref PduParser parser)
    {
        if (parser.Remaining < FixedFieldsLength)
        {
            throw new DicomProtocolException(AbortReason.InvalidPduParameterValue,
                $"A-ASSOCIATE PDU body of {parser.Remaining} bytes is shorter than its {FixedFieldsLength} fixed bytes.");
        }

        var version = parser.ReadUInt16();
        parser.Skip(2, "reserved bytes");
        var called = AeTitle.ReadField(parser.ReadBytes(16, "called AE title"));
        var calling = AeTitle.ReadField(parser.ReadBytes(16, "calling AE title"));
        parser.Skip(32, "reserved bytes");
        return (version, called, calling);
    }

    private static byte ReadItem(ref PduParser parser, string what, out ReadOnlySpan<byte> value)
    {
        var type = parser.ReadByte();
        parser.Skip(1, "reserved byte");
        var length = parser.ReadUInt16();
        value = parser.ReadBytes(length, $"{what} 0x{type:X2} of {length} bytes");
        return type;
    }

    private static PresentationContextProposal DecodeProposal(ReadOnlySpan<byte> item)
    {
        var parser = new PduParser(item, "presentation context item");
        var id = parser.ReadByte();
        parser.Skip(3, "reserved bytes");
        RequireValidId(id);
        string? abstractSyntax = null;
        var transferSyntaxes = new List<string>();
        while (parser.Remaining > 0)
        {
            var type = ReadItem(ref parser, "presentation context sub-item", out var value);
            switch (type)
            {
                case AbstractSyntaxItem when abstractSyntax is null:
                    abstractSyntax = PduParser.DecodeText(value);
                    break;
                case AbstractSyntaxItem:
                    throw new DicomProtocolException(AbortReason.UnexpectedPduParameter,
                        $"Presentation context {id} carries more than one abstract syntax.");
                case TransferSyntaxItem:
                    transferSyntaxes.Add(PduParser.DecodeText(value));
                    break;
                default:
                    throw new DicomProtocolException(AbortReason.UnrecognizedPduParameter,
                        $"Presentation context {id} has a sub-item of unknown type 0x{type:X2}.");
            }
        }

        if (abstractSyntax is null || transferSyntaxes.Count == 0)
        {
            throw new DicomProtocolException(AbortReason.InvalidPduParameterValue,
                $"Presentation context {id} needs one abstract syntax and at least one transfer syntax.");
        }

        return new PresentationContextProposal(id, abstractSyntax, transferSyntaxes);
    }

    private static PresentationContextResponse DecodeResponse(ReadOnlySpan<byte> item)
    {
        var parser = new PduParser(item, "presentation context item");
        var id = parser.ReadByte();
        parser.Skip(1, "reserved byte");
        var result = parser.ReadByte();
        parser.Skip(1, "reserved byte");
        RequireValidId(id);
        var transferSyntax = string.Empty;
        while (parser.Remaining > 0)
        {
            var type = ReadItem(ref parser, "presentation context sub-item", out var value);
            if (type == TransferSyntaxItem)
            {
                transferSyntax = PduParser.DecodeText(value);
            }
        }

        if (result > (byte)PresentationContextResult.TransferSyntaxesNotSupported)
        {
            throw new DicomProtocolException(AbortReason.InvalidPduParameterValue,
                $"Presentation context {id} has an unknown result {result}.");
        }

        return new PresentationContextResponse(id, (PresentationContextResult)result, transferSyntax);
    }

    private static void RequireValidId(byte id)
    {
        if ((id & 1) == 0)
        {
            throw new DicomProtocolException(AbortReason.InvalidPduParameterValue,
                $"Presentation context ID {id} is even; IDs are odd numbers 1 to 255.");
        }
    }

    private static void WriteUserInformation(PduBuilder builder, UserInformation info)
    {
        var at = builder.BeginItem16(UserInformationItem);
        var maxLengthAt = builder.BeginItem16(MaxLengthSubItem);
        builder.WriteUInt32(info.MaxPduLength);
        builder.EndItem16(maxLengthAt);
        builder.WriteStringItem(ImplementationClassUidSubItem, info.ImplementationClassUid);
        if (info.MaxOperationsInvoked != 1 || info.MaxOperationsPerformed != 1)
        {
            var asyncAt = builder.BeginItem16(AsyncOperationsWindowSubItem);
            builder.WriteUInt16(info.MaxOperationsInvoked);
            builder.WriteUInt16(info.MaxOperationsPerformed);
            builder.EndItem16(asyncAt);
        }

        foreach (var role in info.RoleSelections)
        {
            var roleAt = builder.BeginItem16(RoleSelectionSubItem);
            builder.WriteUInt16((ushort)role.SopClassUid.Length);
            builder.WriteAscii(role.SopClassUid);
            builder.WriteByte(role.ScuRole ? (byte)1 : (byte)0);
            builder.WriteByte(role.ScpRole ? (byte)1 : (byte)0);
            builder.EndItem16(roleAt);
        }

        if (!string.IsNullOrEmpty(info.ImplementationVersionName))
        {
            builder.WriteStringItem(ImplementationVersionNameSubItem, info.ImplementationVersionName);
        }

        builder.EndItem16(at);
    }

    private static UserInformation DecodeUserInformation(ReadOnlySpan<byte> item)
    {
        var parser = new PduParser(item, "user information item");
        uint maxLength = 0;
        var implementationClassUid = string.Empty;
        string? versionName = null;
        ushort invoked = 1, performed = 1;
        var roles = new List<RoleSelection>();
        while (parser.Remaining > 0)
        {
            var type = ReadItem(ref parser, "user information sub-item", out var value);
            var sub = new PduParser(value, $"user information sub-item 0x{type:X2}");
            switch (type)
            {
                case MaxLengthSubItem:
                    maxLength = sub.ReadUInt32();
                    break;
                case ImplementationClassUidSubItem:
                    implementationClassUid = PduParser.DecodeText(value);
                    break;
                case AsyncOperationsWindowSubItem:
                    invoked = sub.ReadUInt16();
                    performed = sub.ReadUInt16();
                    break;
                case RoleSelectionSubItem:
                    var uidLength = sub.ReadUInt16();
                    var uid = PduParser.DecodeText(sub.ReadBytes(uidLength, "role selection SOP class UID"));
                    roles.Add(new RoleSelection(uid, sub.ReadByte() == 1, sub.ReadByte() == 1));
                    break;
                case ImplementationVersionNameSubItem:
                    versionName = PduParser.DecodeText(value);
                    break;
                default:
                    // Extended negotiation, user identity and future sub-items: not used here, ignored as PS3.7 D.3.3 allows.
                    break;
            }
        }

        return new UserInformation(maxLength, implementationClassUid, versionName)
        {
            MaxOperationsInvoked = invoked,
            MaxOperationsPerformed = performed,
            RoleSelections = roles,
        };
    }
}
