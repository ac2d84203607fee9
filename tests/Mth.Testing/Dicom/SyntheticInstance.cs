using Mth.Dicom;
using Mth.Dicom.Data;
using Mth.Dicom.IO;

namespace Mth.Testing.Dicom;

/// <summary>
/// DICOM Part 10 files written in-process with Mth.Dicom (no dcmtk run per file): a grey MR image
/// (8-bit MONOCHROME2, explicit VR little endian) from given pixels or a seeded pattern, or a
/// structured report without pixel data. UIDs are random "2.25." UIDs unless given.
/// </summary>
public sealed record SyntheticInstance
{
    public const string MRImageStorage = "1.2.840.10008.5.1.4.1.1.4";
    public const string BasicTextSR = "1.2.840.10008.5.1.4.1.1.88.11";

    public string SopInstanceUid { get; init; } = DicomUid.Generate();
    public string StudyInstanceUid { get; init; } = DicomUid.Generate();
    public string SeriesInstanceUid { get; init; } = DicomUid.Generate();
    public string SopClassUid { get; init; } = MRImageStorage;
    public string Modality { get; init; } = "MR";
    public string BodyPartExamined { get; init; } = "BRAIN";
    public int Rows { get; init; } = 32;
    public int Columns { get; init; } = 32;

    /// <summary>Rows x Columns 8-bit grey values; null: a pattern from <see cref="Seed"/>.</summary>
    public byte[]? Pixels { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>False writes no image pixel module at all (a structured report, say).</summary>
    public bool WithPixelData { get; init; } = true;

    /// <summary>The storage key the instance store uses: Study/Series/Sop.dcm.</summary>
    public string StorageKey => $"{StudyInstanceUid}/{SeriesInstanceUid}/{SopInstanceUid}.dcm";

    /// <summary>The instance catalog's record of this instance, stored under <see cref="StorageKey"/>.</summary>
    public Mth.Core.Instances.InstanceRecord ToInstanceRecord() => new()
    {
        SopInstanceUid = SopInstanceUid,
        StudyInstanceUid = StudyInstanceUid,
        SeriesInstanceUid = SeriesInstanceUid,
        SopClassUid = SopClassUid,
        Modality = Modality,
        BodyPartExamined = BodyPartExamined,
        StorageKey = StorageKey,
    };

    public DicomDataSet ToDataSet()
    {
        var data = new DicomDataSet();
        data.SetString(DicomTag.SOPClassUID, DicomVR.UI, SopClassUid);
        data.SetString(DicomTag.SOPInstanceUID, DicomVR.UI, SopInstanceUid);
        data.SetString(DicomTag.Modality, DicomVR.CS, Modality);
        data.SetString(DicomTag.PatientName, DicomVR.PN, "Synthetic^Test");
        data.SetString(DicomTag.PatientID, DicomVR.LO, "SYNTHETIC-0001");
        if (BodyPartExamined.Length > 0)
        {
            data.SetString(DicomTag.BodyPartExamined, DicomVR.CS, BodyPartExamined);
        }

        data.SetString(DicomTag.StudyInstanceUID, DicomVR.UI, StudyInstanceUid);
        data.SetString(DicomTag.SeriesInstanceUID, DicomVR.UI, SeriesInstanceUid);
        if (WithPixelData)
        {
            data.SetUInt16(DicomTag.SamplesPerPixel, 1);
            data.SetString(DicomTag.PhotometricInterpretation, DicomVR.CS, "MONOCHROME2");
            data.SetUInt16(DicomTag.Rows, (ushort)Rows);
            data.SetUInt16(DicomTag.Columns, (ushort)Columns);
            data.SetUInt16(DicomTag.BitsAllocated, 8);
            data.SetUInt16(DicomTag.BitsStored, 8);
            data.SetUInt16(DicomTag.HighBit, 7);
            data.SetUInt16(DicomTag.PixelRepresentation, 0);
            var pixels = Pixels ?? Pattern();
            if (pixels.Length != Rows * Columns)
            {
                throw new ArgumentException($"Expected {Rows * Columns} pixels, got {pixels.Length}.");
            }

            // Even length (PS3.5 7.1.1): pad one byte when Rows x Columns is odd.
            var value = pixels.Length % 2 == 0 ? pixels : [.. pixels, 0];
            data.SetBytes(DicomTag.PixelData, DicomVR.OB, value);
        }

        return data;
    }

    /// <summary>Writes the file at <paramref name="path"/> (folders created).</summary>
    public string WriteTo(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        DicomFile.Create(ToDataSet(), TransferSyntax.ExplicitVRLittleEndian).Save(path);
        return path;
    }

    /// <summary>Writes the file where the instance store keeps it: root/Study/Series/Sop.dcm.</summary>
    public string WriteToStore(string root) => WriteTo(Path.Combine(root, StorageKey));

    private byte[] Pattern()
    {
        var random = new Random(Seed);
        var pixels = new byte[Rows * Columns];
        var fx = random.NextDouble() * 0.5 + 0.05;
        var fy = random.NextDouble() * 0.5 + 0.05;
        for (var y = 0; y < Rows; y++)
        {
            for (var x = 0; x < Columns; x++)
            {
                pixels[y * Columns + x] = (byte)(127.5 + 100 * Math.Sin(fx * x + fy * y) + random.Next(-20, 20));
            }
        }

        return pixels;
    }
}
