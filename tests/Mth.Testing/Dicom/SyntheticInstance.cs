using Mth.Dicom;
using Mth.Dicom.Data;
using Mth.Dicom.IO;

namespace Mth.Testing.Dicom;

/// <summary>How a synthetic instance stores its pixels.</summary>
public enum SyntheticPixelKind
{
    /// <summary>8-bit MONOCHROME2 (the default).</summary>
    Grey8,

    /// <summary>8-bit MONOCHROME1: the same values, shown inverted (computed radiography).</summary>
    Monochrome1Grey8,

    /// <summary>16-bit signed MONOCHROME2 with a rescale to Hounsfield units and a window (CT).</summary>
    SignedGrey16,

    /// <summary>8-bit RGB, colour-by-pixel (secondary capture, ultrasound).</summary>
    Rgb8,
}

/// <summary>
/// DICOM Part 10 files written in-process with Mth.Dicom (no dcmtk run per file): an image
/// (8-bit MONOCHROME2 by default, or another <see cref="SyntheticPixelKind"/>; explicit VR little endian)
/// from given pixels or a seeded pattern, or a structured report without pixel data. UIDs are random
/// "2.25." UIDs unless given.
/// </summary>
public sealed record SyntheticInstance
{
    public const string MRImageStorage = "1.2.840.10008.5.1.4.1.1.4";
    public const string BasicTextSR = "1.2.840.10008.5.1.4.1.1.88.11";
    public const string CTImageStorage = "1.2.840.10008.5.1.4.1.1.2";
    public const string ComputedRadiographyImageStorage = "1.2.840.10008.5.1.4.1.1.1";
    public const string SecondaryCaptureImageStorage = "1.2.840.10008.5.1.4.1.1.7";

    public string SopInstanceUid { get; init; } = DicomUid.Generate();
    public string StudyInstanceUid { get; init; } = DicomUid.Generate();
    public string SeriesInstanceUid { get; init; } = DicomUid.Generate();
    public string SopClassUid { get; init; } = MRImageStorage;
    public string Modality { get; init; } = "MR";
    public string BodyPartExamined { get; init; } = "BRAIN";
    public int Rows { get; init; } = 32;
    public int Columns { get; init; } = 32;

    public SyntheticPixelKind PixelKind { get; init; } = SyntheticPixelKind.Grey8;

    /// <summary>Rows x Columns 8-bit grey values (8-bit grey kinds only); null: a pattern from <see cref="Seed"/>.</summary>
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
            SetPixels(data);
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

    private void SetPixels(DicomDataSet data)
    {
        var rgb = PixelKind == SyntheticPixelKind.Rgb8;
        var wide = PixelKind == SyntheticPixelKind.SignedGrey16;
        data.SetUInt16(DicomTag.SamplesPerPixel, (ushort)(rgb ? 3 : 1));
        data.SetString(DicomTag.PhotometricInterpretation, DicomVR.CS, PixelKind switch
        {
            SyntheticPixelKind.Monochrome1Grey8 => "MONOCHROME1",
            SyntheticPixelKind.Rgb8 => "RGB",
            _ => "MONOCHROME2",
        });
        if (rgb)
        {
            data.SetUInt16(DicomTag.PlanarConfiguration, 0);
        }

        data.SetUInt16(DicomTag.Rows, (ushort)Rows);
        data.SetUInt16(DicomTag.Columns, (ushort)Columns);
        data.SetUInt16(DicomTag.BitsAllocated, (ushort)(wide ? 16 : 8));
        data.SetUInt16(DicomTag.BitsStored, (ushort)(wide ? 16 : 8));
        data.SetUInt16(DicomTag.HighBit, (ushort)(wide ? 15 : 7));
        data.SetUInt16(DicomTag.PixelRepresentation, (ushort)(wide ? 1 : 0));
        if (Pixels is not null && PixelKind is not (SyntheticPixelKind.Grey8 or SyntheticPixelKind.Monochrome1Grey8))
        {
            throw new ArgumentException("Given pixels are 8-bit grey values; other kinds use the seeded pattern.");
        }

        var grey = Pixels ?? Pattern();
        if (grey.Length != Rows * Columns)
        {
            throw new ArgumentException($"Expected {Rows * Columns} pixels, got {grey.Length}.");
        }

        byte[] value;
        switch (PixelKind)
        {
            case SyntheticPixelKind.SignedGrey16:
                // Stored values from -1000 (air) to about +1000 (bone): negative values exercise the signed path.
                data.SetString(DicomTag.RescaleIntercept, DicomVR.DS, "0");
                data.SetString(DicomTag.RescaleSlope, DicomVR.DS, "1");
                data.SetString(DicomTag.WindowCenter, DicomVR.DS, "40");
                data.SetString(DicomTag.WindowWidth, DicomVR.DS, "1600");
                value = new byte[grey.Length * 2];
                for (var i = 0; i < grey.Length; i++)
                {
                    System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(value.AsSpan(2 * i), (short)((grey[i] * 8) - 1000));
                }

                break;
            case SyntheticPixelKind.Rgb8:
                value = new byte[grey.Length * 3];
                for (var i = 0; i < grey.Length; i++)
                {
                    (value[3 * i], value[(3 * i) + 1], value[(3 * i) + 2]) = (grey[i], (byte)(255 - grey[i]), (byte)(grey[i] / 2));
                }

                break;
            default:
                value = grey;
                break;
        }

        // Even length (PS3.5 7.1.1): pad one byte when the pixel data has an odd length.
        data.SetBytes(DicomTag.PixelData, wide ? DicomVR.OW : DicomVR.OB, value.Length % 2 == 0 ? value : [.. value, 0]);
    }

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
