using Mth.Encoding.Images;
using Mth.Encoding.Manifest;
using Mth.Train.Data;

namespace Mth.Train.Commands;

/// <summary>Turns the expected failures of the data and model commands into one clear line and exit code 1.</summary>
internal static class CommandErrors
{
    public static async Task<int> RunAsync(System.CommandLine.ParseResult result, Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is DataSourceException or ModelManifestException or ImageDecodingException
                                              or ArgumentException or FormatException or IOException or UnauthorizedAccessException
                                              or InvalidOperationException)
        {
            await result.InvocationConfiguration.Error.WriteLineAsync($"error: {exception.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
