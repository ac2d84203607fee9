using System.CommandLine;

namespace Mth.Cli.Commands;

/// <summary><c>mth dicom dump|render</c>: Part 10 files.</summary>
internal static class DicomFileCommands
{
    public static void AddTo(Command dicom)
    {
        ArgumentNullException.ThrowIfNull(dicom);
    }
}
