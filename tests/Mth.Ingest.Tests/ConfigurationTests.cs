using Microsoft.Extensions.Options;
using Mth.Testing.Dicom;

namespace Mth.Ingest.Tests;

/// <summary>Configuration is checked at start: a wrong value stops the service with a message naming it.</summary>
public sealed class ConfigurationTests : IDisposable
{
    private readonly TemporaryDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Theory]
    [InlineData("Ingest:AeTitle", "AN_AE_TITLE_OF_MORE_THAN_16", "AE title")]
    [InlineData("Ingest:StudyQuietPeriod", "00:00:00", "Ingest:StudyQuietPeriod")]
    [InlineData("Ingest:TransferSyntaxes:0", "1.2.3.4", "Transfer syntax 1.2.3.4")]
    [InlineData("Ingest:BindAddress", "not-an-address", "Ingest:BindAddress")]
    [InlineData("Ingest:Outbox:PublishTimeout", "-00:00:01", "Ingest:Outbox:PublishTimeout")]
    public async Task An_invalid_setting_stops_the_start_with_a_message_naming_it(string key, string value, string named)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            IngestTestHost.StartAsync(_work.File("store"), "amqp://guest:guest@127.0.0.1:1/", "tconfig", new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(named, failure.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_work.File("store")), "nothing is created before the configuration holds");
    }
}
