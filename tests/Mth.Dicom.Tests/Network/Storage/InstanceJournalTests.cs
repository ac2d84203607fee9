using Mth.Dicom.Network;
using Mth.Dicom.Network.Storage;
using Mth.Dicom.Network.Storage.Journal;
using Mth.Testing.Dicom;

namespace Mth.Dicom.Tests.Network.Storage;

/// <summary>The journal on its own: what an append promises when the caller has work of its own to finish before the flush.</summary>
public sealed class InstanceJournalTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_failure_of_the_callers_own_work_before_the_flush_fails_that_append_only()
    {
        var log = new RecordingLog();
        var journal = InstanceJournal.Open(_folder.Path, new InstanceJournalOptions(), (_, _, _) => true, () => { }, new InstanceStoreStatistics(), log);

        var failed = await Assert.ThrowsAsync<IOException>(async () =>
            await journal.TryAppendAsync("1.2.3.dcm", [new byte[100]], CancellationToken.None, JournalRecordKind.Spooled, () => throw new IOException("slot lost")));
        var next = await journal.TryAppendAsync("1.2.4.dcm", [new byte[100]], CancellationToken.None);

        Assert.Equal("slot lost", failed.Message);
        Assert.NotNull(next);
        Assert.False(log.Contains("journal failed", DicomLogLevel.Error), log.ToString());
        // The failed record holds nothing back: once the other one is complete, a checkpoint passes both.
        journal.Complete(next.Value, null);
        journal.Checkpoint();
        var reopened = 0;
        await journal.DisposeAsync();
        await using var again = InstanceJournal.Open(_folder.Path, new InstanceJournalOptions(), (_, _, _) => { reopened++; return true; }, () => { }, new InstanceStoreStatistics(), log);
        Assert.Equal(0, reopened);
    }
}
