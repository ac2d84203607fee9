using Mth.Dicom.Network;
using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.UpperLayer;

namespace Mth.Dicom.Tests.Network;

public sealed class CodecTests
{
    [Fact]
    public void An_association_request_round_trips_through_its_encoding()
    {
        var request = new AssociateRequest("CALLED", "CALLING",
            [
                new PresentationContextProposal(1, DicomNetworkUids.Verification, ["1.2.840.10008.1.2"]),
                new PresentationContextProposal(3, StorageSopClasses.CTImage, ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"]),
            ],
            new UserInformation(16384, "1.2.3.4", "VERSION") { RoleSelections = [new RoleSelection(StorageSopClasses.CTImage, true, false)] });

        var pdu = AssociationPduCodec.EncodeRequest(request);
        var decoded = AssociationPduCodec.DecodeRequest(pdu.AsSpan(6));

        Assert.Equal(PduType.AssociateRequest, (PduType)pdu[0]);
        Assert.Equal("CALLED", decoded.CalledAeTitle);
        Assert.Equal("CALLING", decoded.CallingAeTitle);
        Assert.Equal(AssociateRequest.DicomApplicationContext, decoded.ApplicationContextName);
        Assert.Equal(2, decoded.PresentationContexts.Count);
        Assert.Equal(["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"], decoded.PresentationContexts[1].TransferSyntaxes);
        Assert.Equal(16384u, decoded.UserInformation.MaxPduLength);
        Assert.Equal("1.2.3.4", decoded.UserInformation.ImplementationClassUid);
        Assert.Equal("VERSION", decoded.UserInformation.ImplementationVersionName);
        Assert.Equal(StorageSopClasses.CTImage, Assert.Single(decoded.UserInformation.RoleSelections).SopClassUid);
    }

    [Fact]
    public void An_association_accept_and_reject_round_trip()
    {
        var accept = new AssociateAccept("CALLED", "CALLING",
            [new PresentationContextResponse(1, PresentationContextResult.Acceptance, "1.2.840.10008.1.2"),
             new PresentationContextResponse(3, PresentationContextResult.AbstractSyntaxNotSupported, "1.2.840.10008.1.2")],
            new UserInformation(0, "1.2.3", null));

        var decoded = AssociationPduCodec.DecodeAccept(AssociationPduCodec.EncodeAccept(accept).AsSpan(6));
        var reject = AssociationPduCodec.DecodeReject(AssociationPduCodec.EncodeReject(AssociateReject.CallingAeTitleNotRecognized).AsSpan(6));

        Assert.Equal(PresentationContextResult.AbstractSyntaxNotSupported, decoded.PresentationContexts[1].Result);
        Assert.Equal(0u, decoded.UserInformation.MaxPduLength);
        Assert.Equal(AssociateReject.CallingAeTitleNotRecognized, reject);
        Assert.Equal("calling AE title not recognized (permanent, source ServiceUser)", reject.Describe());
    }

    [Theory]
    [InlineData(10, "shorter than its 68 fixed bytes")]
    [InlineData(80, "runs past the end")]
    public void A_truncated_association_request_is_a_protocol_error_not_a_crash(int keep, string reason)
    {
        var pdu = AssociationPduCodec.EncodeRequest(new AssociateRequest("A", "B",
            [new PresentationContextProposal(1, DicomNetworkUids.Verification, ["1.2.840.10008.1.2"])], new UserInformation(0, "1.2", null)));

        var error = Assert.Throws<DicomProtocolException>(() => AssociationPduCodec.DecodeRequest(pdu.AsSpan(6, keep)));

        Assert.Contains(reason, error.Message);
        Assert.Equal(AbortReason.InvalidPduParameterValue, error.Reason);
    }

    [Fact]
    public void An_even_presentation_context_id_is_refused()
    {
        var pdu = AssociationPduCodec.EncodeRequest(new AssociateRequest("A", "B",
            [new PresentationContextProposal(2, DicomNetworkUids.Verification, ["1.2.840.10008.1.2"])], new UserInformation(0, "1.2", null)));

        Assert.Throws<DicomProtocolException>(() => AssociationPduCodec.DecodeRequest(pdu.AsSpan(6)));
    }

    [Fact]
    public void AE_titles_follow_the_AE_value_representation()
    {
        Assert.True(AeTitle.IsValid("STORESCP"));
        Assert.True(AeTitle.IsValid(" PADDED "));
        Assert.False(AeTitle.IsValid(""));
        Assert.False(AeTitle.IsValid("    "));
        Assert.False(AeTitle.IsValid("SEVENTEEN_CHARS_X"));
        Assert.False(AeTitle.IsValid("BACK\\SLASH"));
        Assert.False(AeTitle.IsValid("TAB\tTAB"));
    }

    [Fact]
    public void A_command_set_round_trips_and_is_implicit_little_endian_with_a_group_length()
    {
        var command = DimseCommand.StoreRequest(42, StorageSopClasses.CTImage, "1.2.3.4.5") with { MoveOriginatorAeTitle = "MOVER", MoveOriginatorMessageId = 7 };

        var bytes = CommandSetCodec.Encode(command);
        var decoded = CommandSetCodec.Decode(bytes);

        Assert.Equal(command, decoded);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 4, 0, 0, 0 }, bytes[..8]);
        Assert.Equal((uint)(bytes.Length - 12), BitConverter.ToUInt32(bytes, 8));
    }

    [Fact]
    public void A_response_carries_the_status_and_error_comment()
    {
        var response = DimseCommand.StoreRequest(9, StorageSopClasses.CTImage, "1.2.3").ToResponse(DimseStatus.OutOfResources.WithComment("disk"));

        var decoded = CommandSetCodec.Decode(CommandSetCodec.Encode(response));

        Assert.Equal(CommandField.CStoreResponse, decoded.CommandField);
        Assert.Equal((ushort)9, decoded.MessageIdBeingRespondedTo);
        Assert.Equal((ushort)0xA700, decoded.Status);
        Assert.Equal("disk", decoded.ErrorComment);
        Assert.False(decoded.HasDataSet);
    }

    [Fact]
    public void A_command_element_whose_length_runs_past_the_end_is_a_protocol_error()
    {
        var bytes = CommandSetCodec.Encode(DimseCommand.EchoRequest(1));
        bytes[16] = 0xFF;

        Assert.Throws<DicomProtocolException>(() => CommandSetCodec.Decode(bytes));
    }

    [Theory]
    [InlineData(0x0000, DimseStatusCategory.Success)]
    [InlineData(0xB000, DimseStatusCategory.Warning)]
    [InlineData(0xA700, DimseStatusCategory.Failure)]
    [InlineData(0x0122, DimseStatusCategory.Failure)]
    [InlineData(0xFF00, DimseStatusCategory.Pending)]
    [InlineData(0xFE00, DimseStatusCategory.Cancel)]
    public void Status_codes_fall_into_the_categories_of_PS3_7_annex_C(int code, DimseStatusCategory category) =>
        Assert.Equal(category, new DimseStatus((ushort)code).Category);
}
