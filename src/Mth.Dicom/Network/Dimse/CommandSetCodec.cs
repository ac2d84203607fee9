using Mth.Dicom.Data;
using Mth.Dicom.IO;

namespace Mth.Dicom.Network.Dimse;

/// <summary>
/// Encodes and decodes DIMSE command sets (PS3.7 6.3.1, annex E): group 0000, always implicit
/// VR little endian, with the group length first. The bytes are written and read by the data
/// layer (<see cref="DicomDataSetWriter"/>, <see cref="DicomDataSetReader"/>); this class maps
/// the command elements to <see cref="DimseCommand"/> and back.
/// </summary>
public static class CommandSetCodec
{
    private static readonly DicomTag GroupLength = Command(0x0000);
    private static readonly DicomTag AffectedSopClassUid = Command(0x0002);
    private static readonly DicomTag RequestedSopClassUid = Command(0x0003);
    private static readonly DicomTag CommandFieldTag = Command(0x0100);
    private static readonly DicomTag MessageId = Command(0x0110);
    private static readonly DicomTag MessageIdBeingRespondedTo = Command(0x0120);
    private static readonly DicomTag MoveDestination = Command(0x0600);
    private static readonly DicomTag Priority = Command(0x0700);
    private static readonly DicomTag CommandDataSetType = Command(0x0800);
    private static readonly DicomTag Status = Command(0x0900);
    private static readonly DicomTag ErrorComment = Command(0x0902);
    private static readonly DicomTag ErrorId = Command(0x0903);
    private static readonly DicomTag AffectedSopInstanceUid = Command(0x1000);
    private static readonly DicomTag RequestedSopInstanceUid = Command(0x1001);
    private static readonly DicomTag MoveOriginatorAeTitle = Command(0x1030);
    private static readonly DicomTag MoveOriginatorMessageId = Command(0x1031);

    /// <summary>(0000,0800) value written when a data set follows (the value dcmtk uses).</summary>
    private const ushort DataSetPresent = 0x0001;

    /// <summary>A command set is small and flat: anything deep or long is hostile.</summary>
    private static readonly DicomReaderOptions ReaderOptions = new() { MaxSequenceDepth = 1, MaxElementCount = 256 };

    public static byte[] Encode(DimseCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var data = new DicomDataSet();
        data.SetBytes(GroupLength, DicomVR.UL, new byte[4]); // the writer computes it
        SetText(data, AffectedSopClassUid, DicomVR.UI, command.AffectedSopClassUid);
        SetText(data, RequestedSopClassUid, DicomVR.UI, command.RequestedSopClassUid);
        data.SetUInt16(CommandFieldTag, (ushort)command.CommandField);
        if (!command.CommandField.IsResponse())
        {
            data.SetUInt16(MessageId, command.MessageId);
        }

        SetUInt16(data, MessageIdBeingRespondedTo, command.MessageIdBeingRespondedTo);
        SetText(data, MoveDestination, DicomVR.AE, command.MoveDestination);
        SetUInt16(data, Priority, command.Priority);
        data.SetUInt16(CommandDataSetType, command.HasDataSet ? DataSetPresent : DimseCommand.NoDataSet);
        SetUInt16(data, Status, command.Status);
        SetText(data, ErrorComment, DicomVR.LO, command.ErrorComment);
        SetUInt16(data, ErrorId, command.ErrorId);
        SetText(data, AffectedSopInstanceUid, DicomVR.UI, command.AffectedSopInstanceUid);
        SetText(data, RequestedSopInstanceUid, DicomVR.UI, command.RequestedSopInstanceUid);
        SetText(data, MoveOriginatorAeTitle, DicomVR.AE, command.MoveOriginatorAeTitle);
        SetUInt16(data, MoveOriginatorMessageId, command.MoveOriginatorMessageId);

        using var bytes = new MemoryStream();
        DicomDataSetWriter.Write(bytes, data, TransferSyntax.ImplicitVRLittleEndian);
        return bytes.ToArray();
    }

    /// <summary>Decodes a command set; anything malformed throws <see cref="DicomProtocolException"/>.</summary>
    public static DimseCommand Decode(ReadOnlySpan<byte> commandSet)
    {
        DicomDataSet data;
        try
        {
            data = DicomDataSetReader.Load(new MemoryStream(commandSet.ToArray(), writable: false), TransferSyntax.ImplicitVRLittleEndian, ReaderOptions);
        }
        catch (DicomFormatException ex)
        {
            throw Malformed(ex.Message);
        }

        foreach (var element in data)
        {
            if (element.Tag.Group != 0x0000)
            {
                throw Malformed($"element {element.Tag} is outside group 0000");
            }
        }

        var field = UInt16(data, CommandFieldTag) ?? throw Malformed("it has no Command Field (0000,0100)");
        var dataSetType = UInt16(data, CommandDataSetType) ?? throw Malformed("it has no Command Data Set Type (0000,0800)");
        return new DimseCommand
        {
            CommandField = (CommandField)field,
            MessageId = UInt16(data, MessageId) ?? 0,
            MessageIdBeingRespondedTo = UInt16(data, MessageIdBeingRespondedTo),
            AffectedSopClassUid = Text(data, AffectedSopClassUid),
            RequestedSopClassUid = Text(data, RequestedSopClassUid),
            AffectedSopInstanceUid = Text(data, AffectedSopInstanceUid),
            RequestedSopInstanceUid = Text(data, RequestedSopInstanceUid),
            Priority = UInt16(data, Priority),
            HasDataSet = dataSetType != DimseCommand.NoDataSet,
            Status = UInt16(data, Status),
            ErrorComment = Text(data, ErrorComment),
            ErrorId = UInt16(data, ErrorId),
            MoveDestination = Text(data, MoveDestination),
            MoveOriginatorAeTitle = Text(data, MoveOriginatorAeTitle),
            MoveOriginatorMessageId = UInt16(data, MoveOriginatorMessageId),
        };
    }

    private static DicomTag Command(ushort element) => new(0x0000, element);

    private static void SetUInt16(DicomDataSet data, DicomTag tag, ushort? value)
    {
        if (value is { } v)
        {
            data.SetUInt16(tag, v);
        }
    }

    private static void SetText(DicomDataSet data, DicomTag tag, DicomVR vr, string? value)
    {
        if (value is not null)
        {
            data.SetString(tag, vr, value);
        }
    }

    private static ushort? UInt16(DicomDataSet data, DicomTag tag)
    {
        if (data.GetValue(tag) is not { } value)
        {
            return null;
        }

        if (value.Length != 2 || !data.TryGetInt32(tag, out var number))
        {
            throw Malformed($"element {tag} is US but {value.Length} bytes long");
        }

        return (ushort)number;
    }

    /// <summary>Text as received, padding removed; unprintable characters replaced, since these values reach log lines and responses.</summary>
    private static string? Text(DicomDataSet data, DicomTag tag) =>
        data.GetValue(tag) is { } value ? UpperLayer.PduParser.DecodeText(value.GetMemory().Span) : null;

    private static DicomProtocolException Malformed(string why) =>
        new(UpperLayer.AbortReason.InvalidPduParameterValue, $"The DIMSE command set cannot be decoded: {why}.");
}
