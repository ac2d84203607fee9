using System.Buffers.Binary;
using System.Text;

namespace Mth.Dicom.Network.Dimse;

/// <summary>
/// Encodes and decodes DIMSE command sets. Command sets are always implicit VR little endian
/// (PS3.7 6.3.1) and only ever group 0000, so this small codec is separate from the data set
/// reader: it knows the VR of each command element by its tag.
/// </summary>
public static class CommandSetCodec
{
    private const ushort GroupLength = 0x0000;
    private const ushort AffectedSopClassUid = 0x0002;
    private const ushort RequestedSopClassUid = 0x0003;
    private const ushort CommandFieldElement = 0x0100;
    private const ushort MessageId = 0x0110;
    private const ushort MessageIdBeingRespondedTo = 0x0120;
    private const ushort MoveDestination = 0x0600;
    private const ushort Priority = 0x0700;
    private const ushort CommandDataSetType = 0x0800;
    private const ushort Status = 0x0900;
    private const ushort ErrorComment = 0x0902;
    private const ushort ErrorId = 0x0903;
    private const ushort AffectedSopInstanceUid = 0x1000;
    private const ushort RequestedSopInstanceUid = 0x1001;
    private const ushort MoveOriginatorAeTitle = 0x1030;
    private const ushort MoveOriginatorMessageId = 0x1031;

    /// <summary>(0000,0800) value written when a data set follows (the value dcmtk uses).</summary>
    private const ushort DataSetPresent = 0x0001;

    public static byte[] Encode(DimseCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var elements = new List<(ushort Element, byte[] Value)>();
        AddUid(elements, AffectedSopClassUid, command.AffectedSopClassUid);
        AddUid(elements, RequestedSopClassUid, command.RequestedSopClassUid);
        AddUInt16(elements, CommandFieldElement, (ushort)command.CommandField);
        if (!command.CommandField.IsResponse())
        {
            AddUInt16(elements, MessageId, command.MessageId);
        }

        AddUInt16(elements, MessageIdBeingRespondedTo, command.MessageIdBeingRespondedTo);
        AddText(elements, MoveDestination, command.MoveDestination);
        AddUInt16(elements, Priority, command.Priority);
        AddUInt16(elements, CommandDataSetType, command.HasDataSet ? DataSetPresent : DimseCommand.NoDataSet);
        AddUInt16(elements, Status, command.Status);
        AddText(elements, ErrorComment, command.ErrorComment);
        AddUInt16(elements, ErrorId, command.ErrorId);
        AddUid(elements, AffectedSopInstanceUid, command.AffectedSopInstanceUid);
        AddUid(elements, RequestedSopInstanceUid, command.RequestedSopInstanceUid);
        AddText(elements, MoveOriginatorAeTitle, command.MoveOriginatorAeTitle);
        AddUInt16(elements, MoveOriginatorMessageId, command.MoveOriginatorMessageId);

        var bodyLength = elements.Sum(e => 8 + e.Value.Length);
        var result = new byte[12 + bodyLength];
        var span = result.AsSpan();
        WriteHeader(span, GroupLength, 4);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], (uint)bodyLength);
        var offset = 12;
        foreach (var (element, value) in elements)
        {
            WriteHeader(span[offset..], element, (uint)value.Length);
            value.CopyTo(span[(offset + 8)..]);
            offset += 8 + value.Length;
        }

        return result;
    }

    /// <summary>Decodes a command set; anything malformed throws <see cref="DicomProtocolException"/>.</summary>
    public static DimseCommand Decode(ReadOnlySpan<byte> commandSet)
    {
        CommandField? field = null;
        ushort messageId = 0;
        ushort? respondedTo = null, priority = null, status = null, errorId = null, originatorMessageId = null;
        string? affectedClass = null, requestedClass = null, affectedInstance = null, requestedInstance = null;
        string? errorComment = null, moveDestination = null, originatorAe = null;
        var hasDataSet = false;
        var dataSetTypeSeen = false;

        var offset = 0;
        while (offset < commandSet.Length)
        {
            if (commandSet.Length - offset < 8)
            {
                throw Malformed($"{commandSet.Length - offset} trailing bytes are too few for an element header");
            }

            var group = BinaryPrimitives.ReadUInt16LittleEndian(commandSet[offset..]);
            var element = BinaryPrimitives.ReadUInt16LittleEndian(commandSet[(offset + 2)..]);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(commandSet[(offset + 4)..]);
            offset += 8;
            if (group != 0x0000)
            {
                throw Malformed($"element ({group:X4},{element:X4}) is outside group 0000");
            }

            if (length > (uint)(commandSet.Length - offset))
            {
                throw Malformed($"element (0000,{element:X4}) length {length} runs past the end of the command set");
            }

            var value = commandSet.Slice(offset, (int)length);
            offset += (int)length;
            switch (element)
            {
                case AffectedSopClassUid: affectedClass = ReadText(value); break;
                case RequestedSopClassUid: requestedClass = ReadText(value); break;
                case CommandFieldElement: field = (CommandField)ReadUInt16(value, element); break;
                case MessageId: messageId = ReadUInt16(value, element); break;
                case MessageIdBeingRespondedTo: respondedTo = ReadUInt16(value, element); break;
                case MoveDestination: moveDestination = ReadText(value); break;
                case Priority: priority = ReadUInt16(value, element); break;
                case CommandDataSetType:
                    hasDataSet = ReadUInt16(value, element) != DimseCommand.NoDataSet;
                    dataSetTypeSeen = true;
                    break;
                case Status: status = ReadUInt16(value, element); break;
                case ErrorComment: errorComment = ReadText(value); break;
                case ErrorId: errorId = ReadUInt16(value, element); break;
                case AffectedSopInstanceUid: affectedInstance = ReadText(value); break;
                case RequestedSopInstanceUid: requestedInstance = ReadText(value); break;
                case MoveOriginatorAeTitle: originatorAe = ReadText(value); break;
                case MoveOriginatorMessageId: originatorMessageId = ReadUInt16(value, element); break;
                default: break; // Group length, offending element and retired elements carry nothing we act on.
            }
        }

        if (field is null)
        {
            throw Malformed("it has no Command Field (0000,0100)");
        }

        if (!dataSetTypeSeen)
        {
            throw Malformed("it has no Command Data Set Type (0000,0800)");
        }

        return new DimseCommand
        {
            CommandField = field.Value,
            MessageId = messageId,
            MessageIdBeingRespondedTo = respondedTo,
            AffectedSopClassUid = affectedClass,
            RequestedSopClassUid = requestedClass,
            AffectedSopInstanceUid = affectedInstance,
            RequestedSopInstanceUid = requestedInstance,
            Priority = priority,
            HasDataSet = hasDataSet,
            Status = status,
            ErrorComment = errorComment,
            ErrorId = errorId,
            MoveDestination = moveDestination,
            MoveOriginatorAeTitle = originatorAe,
            MoveOriginatorMessageId = originatorMessageId,
        };
    }

    private static void WriteHeader(Span<byte> span, ushort element, uint length)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(span, 0x0000);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], element);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], length);
    }

    private static void AddUInt16(List<(ushort, byte[])> elements, ushort element, ushort? value)
    {
        if (value is { } v)
        {
            var bytes = new byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(bytes, v);
            elements.Add((element, bytes));
        }
    }

    /// <summary>UIDs are padded with NUL to even length (PS3.5 9.1).</summary>
    private static void AddUid(List<(ushort, byte[])> elements, ushort element, string? value) => AddPadded(elements, element, value, 0);

    /// <summary>AE and LO values are padded with a space.</summary>
    private static void AddText(List<(ushort, byte[])> elements, ushort element, string? value) => AddPadded(elements, element, value, (byte)' ');

    private static void AddPadded(List<(ushort, byte[])> elements, ushort element, string? value, byte padding)
    {
        if (value is null)
        {
            return;
        }

        var count = Encoding.ASCII.GetByteCount(value);
        var bytes = new byte[count + (count & 1)];
        Encoding.ASCII.GetBytes(value, bytes);
        if ((count & 1) == 1)
        {
            bytes[^1] = padding;
        }

        elements.Add((element, bytes));
    }

    private static ushort ReadUInt16(ReadOnlySpan<byte> value, ushort element) =>
        value.Length == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(value)
            : throw Malformed($"element (0000,{element:X4}) is US but {value.Length} bytes long");

    private static string ReadText(ReadOnlySpan<byte> value) => UpperLayer.PduParser.DecodeText(value);

    private static DicomProtocolException Malformed(string why) =>
        new(UpperLayer.AbortReason.InvalidPduParameterValue, $"The DIMSE command set cannot be decoded: {why}.");
}
