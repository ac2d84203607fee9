using System.Globalization;
using Mth.Dicom;
using Mth.Dicom.IO;
using Mth.Testing.Dicom;
using Mth.Testing.DicomNetwork;

namespace Mth.Ingest.Tests;

/// <summary>A generated study: one series of small CT instances (synthetic patient, as DicomTestInstances writes them).</summary>
public sealed record TestStudy(string StudyInstanceUid, string SeriesInstanceUid, IReadOnlyList<TestInstance> Instances, string Folder)
{
    public string StorageKeyOf(TestInstance instance) => $"{StudyInstanceUid}/{SeriesInstanceUid}/{instance.SopInstanceUid}.dcm";

    /// <summary>Generates <paramref name="count"/> instances of one new study in a folder of their own under <paramref name="directory"/>.</summary>
    public static async Task<TestStudy> CreateAsync(TemporaryDirectory directory, int count)
    {
        var template = await DicomTestInstances.CreateAsync(directory, new TestImageSpec { Rows = 32, Columns = 32 });
        string study;
        string series;
        using (var file = DicomFile.Open(template.Path))
        {
            study = file.DataSet.GetUid(DicomTag.StudyInstanceUID)!;
            series = file.DataSet.GetUid(DicomTag.SeriesInstanceUID)!;
        }

        var folder = directory.File("study-" + Guid.NewGuid().ToString("N")[..8]);
        var instances = DicomTestInstances.Clone(template, folder, count);
        File.Delete(template.Path);
        return new TestStudy(study, series, instances, folder);
    }
}

/// <summary>dcmtk's storescu against Ingest.</summary>
public static class StoreScu
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>Sends files (or folders with +sd) over one association; throws with storescu's output unless every C-STORE succeeded.</summary>
    public static async Task SendAsync(int port, IEnumerable<string> paths, string callingAeTitle = "STORESCU")
    {
        var result = await RunAsync(port, paths, callingAeTitle);
        // storescu exits non-zero when a C-STORE is not answered with success (and stops there).
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("storescu failed: " + result);
        }
    }

    public static Task<DcmtkResult> RunAsync(int port, IEnumerable<string> paths, string callingAeTitle = "STORESCU") =>
        DcmtkProcess.RunAsync("storescu",
            ["-v", "-aet", callingAeTitle, "-aec", "MTH", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), .. paths], Timeout);
}
