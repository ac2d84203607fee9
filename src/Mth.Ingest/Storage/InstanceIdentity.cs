using Mth.Dicom;
using Mth.Dicom.IO;
using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.Server;
using Mth.Dicom.Network.Storage;

namespace Mth.Ingest.Storage;

/// <summary>
/// What Ingest files an instance under and announces, taken from the validated data set:
/// UIDs checked against PS3.5 before they name a folder, code strings reduced to their repertoire.
/// </summary>
public sealed record InstanceIdentity(
    string StudyInstanceUid,
    string SeriesInstanceUid,
    string SopInstanceUid,
    string SopClassUid,
    string Modality,
    string BodyPartExamined,
    bool HasPixelData)
{
    /// <summary>Relative path under the store's root: <c>study/series/sop.dcm</c>.</summary>
    public string StorageKey => InstanceStorageKey.For(StudyInstanceUid, SeriesInstanceUid, SopInstanceUid);

    /// <summary>The identity of a received data set; throws <see cref="DataSetRejectedException"/> (0xA900) when it lacks a valid Study or Series Instance UID.</summary>
    public static InstanceIdentity From(DicomStoreRequest request, DicomDataSetSummary summary)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(summary);
        return new InstanceIdentity(
            RequireUid(summary.StudyInstanceUid, "Study Instance UID"),
            RequireUid(summary.SeriesInstanceUid, "Series Instance UID"),
            request.SopInstanceUid,
            request.SopClassUid,
            CodeString(summary.Modality),
            CodeString(summary.BodyPartExamined),
            summary.HasPixelData);
    }

    private static string RequireUid(string? uid, string what)
    {
        if (uid is null || !DicomUid.IsValid(uid))
        {
            throw new DataSetRejectedException(
                DimseStatus.DataSetDoesNotMatchSopClass.WithComment($"{what} missing or invalid"),
                $"The data set's {what} (0020,000x) is missing or not a valid UID: it cannot be filed.");
        }

        return uid;
    }

    /// <summary>A CS value as announced: upper-case letters, digits, space and underscore (PS3.5 6.2), at most 16 characters; anything else gives "".</summary>
    private static string CodeString(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 16)
        {
            return "";
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c is ' ' or '_'))
            {
                return "";
            }
        }

        return value;
    }
}
