using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Mth.Standalone;

/// <summary>The reasons a start fails that a user can fix, in one line each (anything else keeps its stack trace).</summary>
internal static class StartFailure
{
    public static string? Describe(Exception exception) => exception switch
    {
        OptionsValidationException options => string.Join("; ", options.Failures),
        AggregateException { InnerExceptions.Count: 1 } aggregate => Describe(aggregate.InnerException!),
        IOException io when io.Message.Contains("in use by another process", StringComparison.Ordinal) =>
            io.Message + " Another MTH process (./mth run, ./mth reindex) uses this data folder: stop it first, or use --data to name another folder.",
        IOException { InnerException: SocketException socket } io => $"{io.Message} ({socket.SocketErrorCode}): choose other ports with --http-port / --dicom-port.",
        SocketException socket => $"{socket.Message} ({socket.SocketErrorCode}): choose other ports with --http-port / --dicom-port.",
        FileNotFoundException or InvalidDataException or UnauthorizedAccessException or ArgumentException => exception.Message,
        _ => null,
    };
}
