using Mth.Dicom.Data;

namespace Mth.Dicom.Imaging;

/// <summary>
/// Finds a functional group macro for a frame of an enhanced multi-frame image (PS3.3
/// C.7.6.16): the frame's item of the Per-frame Functional Groups Sequence first, then the
/// Shared Functional Groups Sequence.
/// </summary>
internal static class FunctionalGroups
{
    public static DicomDataSet? Find(DicomDataSet dataSet, int frame, DicomTag macro)
    {
        if (dataSet.GetSequence(DicomTag.PerFrameFunctionalGroupsSequence) is { } perFrame
            && frame < perFrame.Items.Count
            && perFrame.Items[frame].GetSequence(macro) is { Items.Count: > 0 } own)
        {
            return own.Items[0];
        }

        return dataSet.GetSequence(DicomTag.SharedFunctionalGroupsSequence) is { Items.Count: > 0 } shared
            && shared.Items[0].GetSequence(macro) is { Items.Count: > 0 } common
            ? common.Items[0]
            : null;
    }
}
