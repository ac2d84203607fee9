using System.Collections.Concurrent;
using Mth.Dicom.Network;

namespace Mth.Dicom.Tests.Network;

/// <summary>Keeps every network log entry so tests can assert that a failure was logged.</summary>
internal sealed class RecordingLog : IDicomNetworkLog
{
    private readonly ConcurrentQueue<(DicomLogLevel Level, string Message)> _entries = new();

    public IReadOnlyList<(DicomLogLevel Level, string Message)> Entries => [.. _entries];

    public void Write(DicomLogLevel level, string message, Exception? exception = null) => _entries.Enqueue((level, message));

    public bool Contains(string fragment, DicomLogLevel atLeast = DicomLogLevel.Warning) =>
        _entries.Any(e => e.Level >= atLeast && e.Message.Contains(fragment, StringComparison.OrdinalIgnoreCase));

    public override string ToString() => string.Join('\n', _entries.Select(e => $"{e.Level}: {e.Message}"));
}
