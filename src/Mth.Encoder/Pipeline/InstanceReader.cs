using Mth.Core.Instances;
using Mth.Dicom;
using Mth.Dicom.IO;
using Mth.Encoder.Store;
using Mth.Encoding.Images;
using Mth.Imaging;

namespace Mth.Encoder.Pipeline;

/// <summary>What reading one stored instance gave.</summary>
internal abstract record InstanceRead(string StorageKey);

/// <summary>An image, rendered at its own size, and the instance's record.</summary>
internal sealed record RenderedInstance(string StorageKey, InstanceRecord Record, FloatImage Image) : InstanceRead(StorageKey);

/// <summary>A valid object without an image the model can see (SR, ECG, an unsupported transfer syntax…): skipped, not an error.</summary>
internal sealed record SkippedInstance(string StorageKey, string SopClassUid, string Reason) : InstanceRead(StorageKey);

/// <summary>A file that must not be retried: it cannot be parsed, or it is not the instance announced. A poison message.</summary>
internal sealed record RejectedInstance(string StorageKey, string Reason) : InstanceRead(StorageKey);

/// <summary>
/// Opens a stored Part 10 file, reads the identifiers the catalog keeps (from the file: it is the truth) and
/// renders its image with <see cref="DicomImageDecoder.Render"/>, the rendering the query service applies to
/// uploads. Classifies what cannot be encoded: no pixel data or an undecodable transfer syntax is
/// <see cref="SkippedInstance"/>; a malformed file, invalid UIDs, another SOP Instance UID than announced, or
/// pixel data that cannot be rendered (too short, inconsistent image attributes) is <see cref="RejectedInstance"/>. I/O failures (a file missing, a volume unavailable) are thrown: they may pass.
/// </summary>
internal sealed class InstanceReader(InstanceStore store, DicomImageDecoder decoder)
{
    public InstanceStore Store => store;

    /// <param name="expectedSopInstanceUid">The SOP Instance UID the message or the file name announced; null: not checked.</param>
    public InstanceRead Read(string storageKey, string? expectedSopInstanceUid)
    {
        string path;
        try
        {
            path = store.Resolve(storageKey);
        }
        catch (InstanceKeyException exception)
        {
            return new RejectedInstance(storageKey, exception.Message);
        }

        DicomFile file;
        try
        {
            file = DicomFile.Open(path);
        }
        catch (DicomFormatException exception)
        {
            return new RejectedInstance(storageKey, $"Not a readable DICOM file: {exception.Message}");
        }

        using (file)
        {
            InstanceRecord record;
            try
            {
                record = ReadRecord(file, storageKey);
            }
            catch (DicomFormatException exception)
            {
                return new RejectedInstance(storageKey, $"Invalid identifiers: {exception.Message}");
            }
            catch (ArgumentException exception)
            {
                return new RejectedInstance(storageKey, $"Invalid identifiers: {exception.Message}");
            }

            if (expectedSopInstanceUid is not null && !string.Equals(record.SopInstanceUid, expectedSopInstanceUid, StringComparison.Ordinal))
            {
                return new RejectedInstance(storageKey, "The file holds another SOP Instance UID than the one announced for it.");
            }

            if (!file.DataSet.Contains(DicomTag.PixelData))
            {
                return new SkippedInstance(storageKey, record.SopClassUid, file.DataSet.Contains(DicomTag.FloatPixelData) || file.DataSet.Contains(DicomTag.DoubleFloatPixelData)
                    ? "The data set has float pixel data, which the renderer does not support."
                    : "The data set has no pixel data (7FE0,0010).");
            }

            try
            {
                return new RenderedInstance(storageKey, record, decoder.Render(file));
            }
            catch (DicomUnsupportedTransferSyntaxException exception)
            {
                return new SkippedInstance(storageKey, record.SopClassUid, exception.Message);
            }
            catch (DicomImageException exception)
            {
                // An image is there but its attributes or pixel data make no renderable picture: an operator must look at it.
                return new RejectedInstance(storageKey, $"The image cannot be rendered: {exception.Message}");
            }
            catch (DicomFormatException exception)
            {
                return new RejectedInstance(storageKey, $"Damaged pixel data: {exception.Message}");
            }
        }
    }

    private static InstanceRecord ReadRecord(DicomFile file, string storageKey)
    {
        var data = file.DataSet;
        return InstanceRecords.Validate(new InstanceRecord
        {
            SopInstanceUid = Required(data.GetUid(DicomTag.SOPInstanceUID) ?? file.Meta?.MediaStorageSopInstanceUid, "SOP Instance UID"),
            SopClassUid = Required(data.GetUid(DicomTag.SOPClassUID) ?? file.Meta?.MediaStorageSopClassUid, "SOP Class UID"),
            StudyInstanceUid = Required(data.GetUid(DicomTag.StudyInstanceUID), "Study Instance UID"),
            SeriesInstanceUid = Required(data.GetUid(DicomTag.SeriesInstanceUID), "Series Instance UID"),
            Modality = Text(data.GetString(DicomTag.Modality)),
            BodyPartExamined = Text(data.GetString(DicomTag.BodyPartExamined)),
            StorageKey = storageKey,
        });
    }

    private static string Required(string? uid, string what) =>
        string.IsNullOrEmpty(uid) ? throw new ArgumentException($"The file has no {what}.") : uid;

    /// <summary>Printable ASCII, at most the catalog's limit: these are short code strings (CS) in valid files.</summary>
    private static string Text(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        var kept = new string(value.Where(c => c is >= ' ' and <= '~').ToArray()).Trim();
        return kept.Length > InstanceRecords.MaxTextLength ? kept[..InstanceRecords.MaxTextLength] : kept;
    }
}
