using System.Globalization;

namespace Mth.Dicom.Network.Dimse;

/// <summary>How a status code is to be read (PS3.7 C.1.2).</summary>
public enum DimseStatusCategory
{
    Success,
    Warning,
    Failure,
    Cancel,
    Pending,
}

/// <summary>
/// A DIMSE status (PS3.7 annex C; C-STORE codes from PS3.4 B.2.3), with an optional error comment
/// that travels in (0000,0902). Two statuses are equal when their codes are.
/// </summary>
public readonly struct DimseStatus : IEquatable<DimseStatus>
{
    /// <summary>(0000,0902) Error Comment is LO: at most 64 characters.</summary>
    public const int MaxErrorCommentLength = 64;

    public DimseStatus(ushort code, string? errorComment = null)
    {
        Code = code;
        ErrorComment = errorComment is null ? null
            : errorComment.Length > MaxErrorCommentLength ? errorComment[..MaxErrorCommentLength] : errorComment;
    }

    public ushort Code { get; }

    public string? ErrorComment { get; }

    public static DimseStatus Success { get; } = new(0x0000);

    /// <summary>Warning: the SCP coerced data elements (B000).</summary>
    public static DimseStatus CoercionOfDataElements { get; } = new(0xB000);

    /// <summary>Warning: the SCP discarded data elements (B006).</summary>
    public static DimseStatus ElementsDiscarded { get; } = new(0xB006);

    /// <summary>Warning: the data set does not match the SOP class but was stored (B007).</summary>
    public static DimseStatus DataSetDoesNotMatchSopClassWarning { get; } = new(0xB007);

    /// <summary>Refused: out of resources (A700; A7xx).</summary>
    public static DimseStatus OutOfResources { get; } = new(0xA700);

    /// <summary>Error: data set does not match SOP class (A900; A9xx).</summary>
    public static DimseStatus DataSetDoesNotMatchSopClass { get; } = new(0xA900);

    /// <summary>Error: cannot understand (C000; Cxxx).</summary>
    public static DimseStatus CannotUnderstand { get; } = new(0xC000);

    /// <summary>Failure: processing failure (0110).</summary>
    public static DimseStatus ProcessingFailure { get; } = new(0x0110);

    /// <summary>Failure: duplicate SOP instance (0111).</summary>
    public static DimseStatus DuplicateSopInstance { get; } = new(0x0111);

    /// <summary>Refused: SOP class not supported (0122).</summary>
    public static DimseStatus SopClassNotSupported { get; } = new(0x0122);

    /// <summary>Refused: not authorized (0124).</summary>
    public static DimseStatus NotAuthorized { get; } = new(0x0124);

    /// <summary>Failure: duplicate invocation (0210).</summary>
    public static DimseStatus DuplicateInvocation { get; } = new(0x0210);

    /// <summary>Failure: unrecognized operation (0211).</summary>
    public static DimseStatus UnrecognizedOperation { get; } = new(0x0211);

    /// <summary>Failure: mistyped argument (0212).</summary>
    public static DimseStatus MistypedArgument { get; } = new(0x0212);

    public DimseStatusCategory Category => Code switch
    {
        0x0000 => DimseStatusCategory.Success,
        0xFE00 => DimseStatusCategory.Cancel,
        0xFF00 or 0xFF01 => DimseStatusCategory.Pending,
        0x0001 or 0x0107 or 0x0116 => DimseStatusCategory.Warning,
        >= 0xB000 and <= 0xBFFF => DimseStatusCategory.Warning,
        _ => DimseStatusCategory.Failure,
    };

    public bool IsSuccess => Category == DimseStatusCategory.Success;

    /// <summary>Success or warning: the operation was performed.</summary>
    public bool IsSuccessOrWarning => Category is DimseStatusCategory.Success or DimseStatusCategory.Warning;

    public DimseStatus WithComment(string? comment) => new(Code, comment);

    public bool Equals(DimseStatus other) => Code == other.Code;

    public override bool Equals(object? obj) => obj is DimseStatus other && Equals(other);

    public override int GetHashCode() => Code;

    public static bool operator ==(DimseStatus left, DimseStatus right) => left.Equals(right);

    public static bool operator !=(DimseStatus left, DimseStatus right) => !left.Equals(right);

    public override string ToString()
    {
        var code = Code.ToString("X4", CultureInfo.InvariantCulture);
        return ErrorComment is null ? $"0x{code} ({Category})" : $"0x{code} ({Category}: {ErrorComment})";
    }
}
