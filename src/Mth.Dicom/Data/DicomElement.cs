namespace Mth.Dicom.Data;

/// <summary>A data element of a data set (PS3.5 7.1): a tag, a VR and a value, a sequence or encapsulated fragments.</summary>
public abstract class DicomElement
{
    protected DicomElement(DicomTag tag, DicomVR vr)
    {
        ArgumentNullException.ThrowIfNull(vr);
        Tag = tag;
        VR = vr;
    }

    public DicomTag Tag { get; }

    public DicomVR VR { get; }

    public override string ToString() => $"{Tag} {VR}";
}

/// <summary>An element with a value of defined length (text, numbers, binary).</summary>
public sealed class DicomValueElement : DicomElement
{
    public DicomValueElement(DicomTag tag, DicomVR vr, DicomValue value)
        : base(tag, vr)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (vr == DicomVR.SQ)
        {
            throw new ArgumentException("An SQ element holds items: use DicomSequence.", nameof(vr));
        }

        Value = value;
    }

    /// <summary>The value bytes, little endian, padding included.</summary>
    public DicomValue Value { get; }
}

/// <summary>
/// A sequence of items (PS3.5 7.5). Its VR is SQ, or UN for a sequence of undefined length
/// that an explicit VR writer did not know (its items are encoded in implicit VR little
/// endian, PS3.5 6.2.2); writing keeps that form.
/// </summary>
public sealed class DicomSequence : DicomElement
{
    public DicomSequence(DicomTag tag, IEnumerable<DicomDataSet>? items = null, DicomVR? vr = null)
        : base(tag, vr ?? DicomVR.SQ)
    {
        if (VR != DicomVR.SQ && VR != DicomVR.UN)
        {
            throw new ArgumentException("A sequence has VR SQ or UN.", nameof(vr));
        }

        Items = [.. items ?? []];
    }

    public List<DicomDataSet> Items { get; }

    /// <summary>Written with undefined length and a sequence delimiter (else with its length computed).</summary>
    public bool UndefinedLength { get; set; }
}

/// <summary>
/// Encapsulated pixel data (PS3.5 A.4): the basic offset table (the first item, possibly
/// empty) and the fragments of the compressed frames.
/// </summary>
public sealed class DicomFragmentSequence : DicomElement
{
    public DicomFragmentSequence(DicomTag tag, DicomVR vr, DicomValue offsetTable, IEnumerable<DicomValue> fragments)
        : base(tag, vr)
    {
        ArgumentNullException.ThrowIfNull(offsetTable);
        ArgumentNullException.ThrowIfNull(fragments);
        OffsetTable = offsetTable;
        Fragments = [.. fragments];
    }

    /// <summary>The basic offset table item's value: 32-bit offsets of each frame's first fragment, or empty.</summary>
    public DicomValue OffsetTable { get; }

    public List<DicomValue> Fragments { get; }
}
