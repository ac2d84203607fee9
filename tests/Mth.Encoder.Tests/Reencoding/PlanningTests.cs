using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mth.Core.Indexing;
using Mth.Encoder.Reencoding;
using Mth.Encoder.Tests.Fixtures;
using Mth.Encoding.Manifest;
using Mth.Testing.Dicom;
using Mth.Testing.Models;

namespace Mth.Encoder.Tests.Reencoding;

/// <summary>
/// The planning of a re-encoding when its handler dies between recording a step and publishing it: the
/// window a killed process can hit but a test cannot time, so the coordinator runs here on the in-memory
/// index and coordination store, and the publish that fails stands for the crash.
/// </summary>
public sealed class PlanningTests
{
    [Fact]
    public async Task A_planning_step_cut_short_is_sent_again_on_redelivery_while_a_plain_duplicate_sends_nothing()
    {
        using var folder = new TemporaryDirectory();
        var store = Path.Combine(folder.Path, "store");
        var registry = Path.Combine(folder.Path, "registry");
        for (var i = 0; i < 10; i++)
        {
            new SyntheticInstance { Seed = i }.WriteToStore(store);
        }

        var package = await new TinyOnnxModel(16, 16, seed: 21).CreatePackageAsync(Path.Combine(folder.Path, "staging"), "m1");
        await new ModelRegistry(registry).PublishAsync(package);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Index:Provider"] = "Memory",
            ["Models:Registry"] = registry,
            ["InstanceStore:Root"] = store,
            ["Encoder:ExecutionProvider"] = "Cpu",
            ["Encoder:ReencodeChunkSize"] = "2",
            ["Encoder:ReencodeChunksPerPlanStep"] = "2",
        });
        builder.AddMthEncoder();
        using var host = builder.Build();
        var coordinator = host.Services.GetRequiredService<ReencodingCoordinator>();
        var jobs = host.Services.GetRequiredService<ReencodingJobStore>();
        var catalog = host.Services.GetRequiredService<IIndexCatalog>();

        var start = new RecordingPublisher();
        await coordinator.StartAsync("m1", ReencodingKind.Rebuild, expectedSha256: null, start, CancellationToken.None);
        var first = start.Of<PlanReencoding>().Single();

        // The first delivery records step 0 (chunks 0 and 1), publishes chunk 0 and dies.
        var dying = new RecordingPublisher { FailAt = 2 };
        await Assert.ThrowsAsync<IOException>(() => coordinator.PlanAsync(first, mayHaveBeenInterrupted: false, dying, CancellationToken.None));
        var recorded = (await jobs.GetAsync("m1"))!;
        Assert.Equal((2, 0), (recorded.PlannedChunks, recorded.DispatchedChunks));

        // A plain duplicate of the message (not a redelivery) sends nothing: the step belongs to the delivery that recorded it.
        var duplicate = new RecordingPublisher();
        await coordinator.PlanAsync(first, mayHaveBeenInterrupted: false, duplicate, CancellationToken.None);
        Assert.Empty(duplicate.Published);

        // The broker's redelivery of the interrupted delivery sends the recorded step whole, then the next step.
        var redelivery = new RecordingPublisher();
        await coordinator.PlanAsync(first, mayHaveBeenInterrupted: true, redelivery, CancellationToken.None);
        Assert.Equal([0, 1], redelivery.Of<ReencodeChunk>().Select(c => c.ChunkIndex));
        Assert.Equal(2, redelivery.Of<PlanReencoding>().Single().FromChunk);
        Assert.Equal(2, (await jobs.GetAsync("m1"))!.DispatchedChunks);

        // Once the step is marked sent, another redelivery sends nothing.
        var late = new RecordingPublisher();
        await coordinator.PlanAsync(first, mayHaveBeenInterrupted: true, late, CancellationToken.None);
        Assert.Empty(late.Published);

        // The rest of the plan, then every chunk published (chunk 0 twice): each instance is counted and indexed once.
        var chunks = new List<ReencodeChunk>([.. dying.Of<ReencodeChunk>(), .. redelivery.Of<ReencodeChunk>()]);
        var next = redelivery.Of<PlanReencoding>().SingleOrDefault();
        while (next is not null)
        {
            var step = new RecordingPublisher();
            await coordinator.PlanAsync(next, mayHaveBeenInterrupted: false, step, CancellationToken.None);
            chunks.AddRange(step.Of<ReencodeChunk>());
            next = step.Of<PlanReencoding>().SingleOrDefault();
        }

        foreach (var chunk in chunks)
        {
            await coordinator.EncodeChunkAsync(chunk, new RecordingPublisher(), CancellationToken.None);
        }

        var done = (await jobs.GetAsync("m1"))!;
        Assert.Equal(ReencodingJobPhase.Completed, done.Phase);
        Assert.Equal(5, done.PlannedChunks);
        Assert.Equal(6, chunks.Count);
        Assert.Equal((10L, 10L), (done.Total, done.Encoded));
        Assert.Equal(10, await (await catalog.OpenVersionAsync("m1"))!.CountAsync());
    }
}
