using System.CommandLine;

namespace Mth.Cli.Commands;

/// <summary><c>mth dicom receive|send|echo</c>: the DICOM network tools.</summary>
internal static class DicomNetworkCommands
{
    public static void AddTo(Command dicom)
    {
        ArgumentNullException.ThrowIfNull(dicom);
    }
}
