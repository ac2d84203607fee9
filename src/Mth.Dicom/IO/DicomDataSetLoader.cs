using Mth.Dicom.Data;

namespace Mth.Dicom.IO;

/// <summary>
/// Builds a <see cref="DicomDataSet"/> from a <see cref="DicomDataSetReader"/>. Values up to
/// <see cref="DicomReaderOptions.LargeValueThreshold"/> are read into memory (byte-swapped to
/// little endian); longer ones, and every pixel data fragment above the threshold, stay in
/// the source and become <see cref="DicomValue"/>s read on demand.
/// </summary>
internal static class DicomDataSetLoader
{
    /// <param name="source">Where deferred values are read later; null to load every value.</param>
    /// <param name="sourceOffsetBase">Added to reader offsets to get offsets in the source.</param>
    public static async ValueTask<DicomDataSet> LoadAsync(DicomDataSetReader reader, DicomByteSource? source, long sourceOffsetBase,
        bool useAsync, CancellationToken cancellationToken)
    {
        var root = new DicomDataSet();
        var stack = new Stack<Container>();
        var current = root;
        var threshold = reader.Options.LargeValueThreshold;
        while (useAsync ? await reader.ReadAsync(cancellationToken).ConfigureAwait(false) : reader.Read())
        {
            switch (reader.Token)
            {
                case DicomReaderToken.Element:
                {
                    var value = await ReadValueAsync(reader, source, sourceOffsetBase, threshold, reader.VR.ByteSwapSize, useAsync, cancellationToken).ConfigureAwait(false);
                    var vr = reader.IsExplicitVR ? reader.VR : ResolveImplicitVR(reader.Tag, reader.VR, current);
                    current.Set(new DicomValueElement(reader.Tag, vr, value));
                    break;
                }

                case DicomReaderToken.SequenceStart:
                    stack.Push(new Container(current, new DicomSequence(reader.Tag, vr: reader.VR) { UndefinedLength = reader.HasUndefinedLength }, null));
                    break;
                case DicomReaderToken.ItemStart:
                {
                    var item = new DicomDataSet { UndefinedLength = reader.HasUndefinedLength };
                    stack.Peek().Sequence!.Items.Add(item);
                    stack.Push(new Container(current, null, null));
                    current = item;
                    break;
                }

                case DicomReaderToken.ItemEnd:
                    current = stack.Pop().Parent;
                    break;
                case DicomReaderToken.SequenceEnd:
                {
                    var container = stack.Pop();
                    container.Parent.Set(container.Sequence!);
                    break;
                }

                case DicomReaderToken.FragmentsStart:
                    stack.Push(new Container(current, null, new FragmentList(reader.Tag, reader.VR)));
                    break;
                case DicomReaderToken.Fragment:
                {
                    var value = await ReadValueAsync(reader, source, sourceOffsetBase, threshold, 0, useAsync, cancellationToken).ConfigureAwait(false);
                    var fragments = stack.Peek().Fragments!;
                    if (fragments.OffsetTable is null)
                    {
                        fragments.OffsetTable = value;
                    }
                    else
                    {
                        fragments.Values.Add(value);
                    }

                    break;
                }

                case DicomReaderToken.FragmentsEnd:
                {
                    var container = stack.Pop();
                    var fragments = container.Fragments!;
                    container.Parent.Set(new DicomFragmentSequence(fragments.Tag, fragments.VR, fragments.OffsetTable ?? DicomValue.Empty, fragments.Values));
                    break;
                }
            }
        }

        return root;
    }

    private static async ValueTask<DicomValue> ReadValueAsync(DicomDataSetReader reader, DicomByteSource? source, long sourceOffsetBase,
        int threshold, int swapSize, bool useAsync, CancellationToken cancellationToken)
    {
        var swap = reader.IsBigEndian ? swapSize : 0;
        if (reader.Length > threshold && source is not null && reader.CanReadValuesLater)
        {
            return new DicomDeferredValue(source, sourceOffsetBase + reader.ValueOffset, reader.Length, swap);
        }

        var bytes = useAsync ? await reader.ReadValueAsync(cancellationToken).ConfigureAwait(false) : reader.ReadValue();

        DicomByteOrder.Swap(bytes, swap);
        return DicomValue.FromBytes(bytes);
    }

    /// <summary>
    /// An implicit VR element whose dictionary entry allows US or SS (pixel values, padding):
    /// SS when the data set's Pixel Representation (read earlier: it has a lower tag) is 1,
    /// as PS3.5 A.1 note and dcmtk do.
    /// </summary>
    private static DicomVR ResolveImplicitVR(DicomTag tag, DicomVR dictionaryVR, DicomDataSet current)
    {
        if (dictionaryVR == DicomVR.US && tag.Group == 0x0028 && tag != DicomTag.LUTDescriptor
            && Dictionary.DicomDictionary.TryGetEntry(tag, out var entry) && entry.AllowedVRs.Contains(DicomVR.SS)
            && current.TryGetInt32(DicomTag.PixelRepresentation, out var representation) && representation == 1)
        {
            return DicomVR.SS;
        }

        return dictionaryVR;
    }

    private sealed record Container(DicomDataSet Parent, DicomSequence? Sequence, FragmentList? Fragments);

    private sealed class FragmentList(DicomTag tag, DicomVR vr)
    {
        public DicomTag Tag { get; } = tag;

        public DicomVR VR { get; } = vr;

        public DicomValue? OffsetTable { get; set; }

        public List<DicomValue> Values { get; } = [];
    }
}
