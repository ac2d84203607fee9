using System.CommandLine;

namespace Mth.Cli.Commands;

/// <summary><c>mth dicom …</c>: DICOM files and network tools over Mth.Dicom.</summary>
internal static class DicomCommand
{
    public static Command Create()
    {
        var command = new Command("dicom", "DICOM files and network: dump, render, receive, send, echo.");
        DicomFileCommands.AddTo(command);
        DicomNetworkCommands.AddTo(command);
        return command;
    }
}
