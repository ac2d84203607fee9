using System.Globalization;
using Mth.Dicom;
using Mth.Testing.DicomNetwork;

namespace Mth.Pipeline.Tests.Corpus;

/// <summary>
/// The brain MRI JPEGs shipped in Fixtures/brain-mri/&lt;class&gt;/ (held-out test split of the default model; see the
/// README there), wrapped as DICOM the way a site would digitise them: dcmtk's img2dcm (Secondary Capture, JPEG
/// baseline as found in the file) then dcmdjpeg to Explicit VR Little Endian, a syntax Ingest accepts. Each
/// class is split into studies of <see cref="ImagesPerStudy"/> images (one series each), with fresh UIDs per call.
/// </summary>
public static class BrainMriFixtures
{
    public const int ImagesPerStudy = 5;

    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Fixtures", "brain-mri");

    /// <summary>The shipped JPEGs with their class (the folder name), in a stable order.</summary>
    public static IReadOnlyList<(string Label, string Path)> Images()
    {
        var images = Directory.GetDirectories(Folder)
            .OrderBy(d => d, StringComparer.Ordinal)
            .SelectMany(d => Directory.GetFiles(d, "*.jpg").OrderBy(f => f, StringComparer.Ordinal).Select(f => (Label: Path.GetFileName(d), Path: f)))
            .ToList();
        if (images.Count == 0)
        {
            throw new InvalidOperationException($"No brain MRI fixtures under {Folder}.");
        }

        return images;
    }

    public static async Task<IReadOnlyList<PushedInstance>> WrapAsDicomAsync(string directory, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var planned = new List<(string Label, string Jpeg, PushedInstance Instance, int Number)>();
        foreach (var byClass in Images().GroupBy(i => i.Label))
        {
            foreach (var study in byClass.Chunk(ImagesPerStudy))
            {
                var (studyUid, seriesUid) = (DicomUid.Generate(), DicomUid.Generate());
                for (var i = 0; i < study.Length; i++)
                {
                    var sop = DicomUid.Generate();
                    var instance = new PushedInstance(Path.Combine(directory, sop + ".dcm"), $"brain MRI ({byClass.Key})", byClass.Key, sop, seriesUid, studyUid, "MR", HasImage: true);
                    planned.Add((byClass.Key, study[i].Path, instance, i + 1));
                }
            }
        }

        await Parallel.ForEachAsync(planned, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (item, ct) =>
        {
            var encapsulated = item.Instance.Path + ".jpeg.dcm";
            await DcmtkProcess.RunCheckedAsync("img2dcm",
            [
                "-k", "Modality=MR", "-k", "BodyPartExamined=BRAIN",
                "-k", $"StudyInstanceUID={item.Instance.StudyInstanceUid}", "-k", $"SeriesInstanceUID={item.Instance.SeriesInstanceUid}",
                "-k", $"SOPInstanceUID={item.Instance.SopInstanceUid}", "-k", $"InstanceNumber={item.Number.ToString(CultureInfo.InvariantCulture)}",
                "-k", "PatientName=Fixture^Brain", "-k", "PatientID=FIXTURE-BRAIN",
                item.Jpeg, encapsulated,
            ], TimeSpan.FromSeconds(60), ct);
            await DcmtkProcess.RunCheckedAsync("dcmdjpeg", [encapsulated, item.Instance.Path], TimeSpan.FromSeconds(60), ct);
            File.Delete(encapsulated);
        });

        return [.. planned.Select(p => p.Instance)];
    }
}
