using Microsoft.Extensions.Logging;
using Mth.Dicom.Network;

namespace Mth.Ingest.Dicom;

/// <summary>The DICOM library's log, written to the host's logger. Its messages name AE titles, addresses and statuses, never patient data.</summary>
public sealed class DicomNetworkLogAdapter : IDicomNetworkLog
{
    private readonly ILogger _logger;

    public DicomNetworkLogAdapter(ILogger<DicomNetworkLogAdapter> logger)
    {
        _logger = logger;
    }

    public void Write(DicomLogLevel level, string message, Exception? exception = null)
    {
        var mapped = level switch
        {
            DicomLogLevel.Debug => LogLevel.Debug,
            DicomLogLevel.Information => LogLevel.Information,
            DicomLogLevel.Warning => LogLevel.Warning,
            _ => LogLevel.Error,
        };
        if (_logger.IsEnabled(mapped))
        {
            // The library's messages are rendered text: pass them as a value, never as a template.
            _logger.Log(mapped, exception, "{DicomMessage}", message);
        }
    }
}
