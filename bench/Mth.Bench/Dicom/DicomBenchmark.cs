using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime;
using System.Text;
using Mth.Bench.Measurement;
using Mth.Dicom;
using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.Server;
using Mth.Dicom.Network.UpperLayer;
using Mth.Dicom.Network.Storage;
using Mth.Dicom.Network.Storage.Journal;
using Mth.Testing.Dicom;
using Mth.Testing.DicomNetwork;

namespace Mth.Bench.Dicom;

/// <summary>
/// <c>mth bench dicom</c>: how fast our storage SCP receives from dcmtk's storescu, next to
/// dcmtk's own storescp in the same run, and how much memory a 500 MB instance costs it.
/// Our SCP acknowledges only durable instances (journal, fsync or group commit); storescp does not
/// flush at all, so the ratio is a conservative one. Both sides use 128 KiB PDUs (storescu's
/// maximum) and TCP_NODELAY.
/// </summary>
public static class DicomBenchmark
{
    private const string StoreScpAeTitle = "STORESCP";
    internal const string OurAeTitle = "MTH";
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Instances (with UIDs of their own) every receiver takes, untimed, before each timed run: a receiver is a
    /// long-running service, and the first instances a fresh process takes run unoptimised code (the JIT) on a
    /// cold file system path (docs/benchmarks.md, DICOM, has runs before and after this warm-up).
    /// </summary>
    private const int WarmupInstances = 200;

    /// <summary>Most warm-up rounds for our SCP (each round sends every warm-up instance once).</summary>
    private const int MaxWarmupRounds = 5;

    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken) =>
        BenchmarkRun.RunAsync("dicom", args, DicomBenchmarkOptions.Parse, o => o.WorkDirectory, _ => "", async (options, work, report) =>
        {
            await MeasureDurabilityFloorAsync(options, options.SmallSize, work, report, cancellationToken);
            await MeasureDurabilityFloorAsync(options, options.LargeSize, work, report, cancellationToken);
            const string header = "| data set | receiver | associations | median s | instances/s | MB/s | vs storescp |\n| --- | --- | --- | --- | --- | --- | --- |";
            report.AppendLine(header);
            Console.Out.WriteLine(header);
            await MeasureRatesAsync($"{options.SmallInstances} x {options.SmallSize}x{options.SmallSize} CT", options.SmallInstances, options.SmallSize, options, work, report, cancellationToken);
            await MeasureRatesAsync($"{options.LargeInstances} x {options.LargeSize}x{options.LargeSize} CT", options.LargeInstances, options.LargeSize, options, work, report, cancellationToken);
            if (!options.SkipMemory)
            {
                await MeasureMemoryAsync(options, work, report, cancellationToken);
            }
        });

    private static async Task MeasureRatesAsync(string name, int count, int size, DicomBenchmarkOptions options, string work,
        StringBuilder report, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine($"Generating {name}…");
        var files = Path.Combine(work, "send-" + size);
        var parts = await GenerateAsync(files, count, size, options.Associations, cancellationToken);
        var bytes = Directory.EnumerateFiles(files, "*.dcm", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        var warmup = Path.Combine(work, "warmup-" + size);
        await GenerateAsync(warmup, WarmupInstances, size, 1, cancellationToken);
        var receivers = new (string Name, Func<string, int, CancellationToken, Task<double>> Run)[]
        {
            ("dcmtk storescp", (dir, associations, ct) => RunStoreScpAsync(files, parts, dir, associations, ct, warmup)),
            ("ours, fsync each", (dir, associations, ct) => RunOursAsync(files, parts, dir, associations, DurabilityMode.FsyncEachInstance, count, ct, warmup: warmup)),
            ("ours, group commit", (dir, associations, ct) => RunOursAsync(files, parts, dir, associations, DurabilityMode.GroupCommit, count, ct, warmup: warmup)),
            ("ours, write-ahead journal", (dir, associations, ct) => RunOursAsync(files, parts, dir, associations, DurabilityMode.WriteAheadJournal, count, ct, options.JournalMaxKiB, options.SpoolSlots, warmup)),
            ("ours, not durable (diagnostic)", (dir, associations, ct) => RunOursAsync(files, parts, dir, associations, null, count, ct, warmup: warmup)),
        };

        foreach (var associations in new[] { 1, options.Associations }.Distinct())
        {
            var times = receivers.ToDictionary(r => r.Name, _ => new List<double>());
            for (var run = 0; run < options.Repeat; run++)
            {
                // Interleaved, so that noise from other work on the machine falls on every receiver alike.
                foreach (var receiver in receivers)
                {
                    // Each run starts with nothing dirty in the page cache: otherwise the first flushes of a
                    // durable receiver would also write back what the previous (non-flushing) run left behind.
                    await FlushPageCacheAsync(cancellationToken);
                    var received = Path.Combine(work, "received");
                    var seconds = await receiver.Run(received, associations, cancellationToken);
                    Directory.Delete(received, recursive: true);
                    times[receiver.Name].Add(seconds);
                }
            }

            var reference = Median(times[receivers[0].Name]);
            foreach (var receiver in receivers)
            {
                var seconds = Median(times[receiver.Name]);
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {receiver.Name} | {associations} | {seconds:0.000} | {count / seconds:0} | {bytes / 1e6 / seconds:0.0} | {reference / seconds:0.00}x |");
                report.AppendLine(line);
                Console.Out.WriteLine(line);
            }
        }
    }

    /// <summary>
    /// <paramref name="count"/> CT instances of <paramref name="size"/>² pixels under <paramref name="files"/>, split into one
    /// folder per association (the parts storescu sends in parallel); returns the parts.
    /// </summary>
    internal static async Task<List<string>> GenerateAsync(string files, int count, int size, int associations, CancellationToken cancellationToken)
    {
        using var generation = new TemporaryDirectory();
        var template = await DicomTestInstances.CreateAsync(generation, new TestImageSpec { Rows = size, Columns = size }, cancellationToken);
        var parts = new List<string>();
        for (var p = 0; p < associations; p++)
        {
            var part = Path.Combine(files, "part" + p);
            var share = (count / associations) + (p < count % associations ? 1 : 0);
            DicomTestInstances.Clone(template, part, share);
            parts.Add(part);
        }

        return parts;
    }

    /// <param name="warmup">A folder sent, untimed, on one association before the timed run (null: none); see <see cref="WarmupInstances"/>.</param>
    internal static async Task<double> RunStoreScpAsync(string files, List<string> parts, string received, int associations, CancellationToken cancellationToken,
        string? warmup = null)
    {
        string[] extra = associations > 1 ? ["-pdu", "131072", "--fork"] : ["-pdu", "131072"];
        await using var storescp = await StoreScpPeer.StartAsync(received, StoreScpAeTitle, extra, cancellationToken);
        if (warmup is not null)
        {
            // The same warm-up as ours gets, though storescp is compiled ahead of time: its files then leave the
            // page cache dirty-free and the folder empty, as the timed run expects.
            await SendAsync(warmup, [warmup], StoreScpAeTitle, storescp.Port, 1, cancellationToken);
            await WaitForFilesAsync(received, WarmupInstances, cancellationToken);
            foreach (var file in Directory.EnumerateFiles(received))
            {
                File.Delete(file);
            }

            await FlushPageCacheAsync(cancellationToken);
        }

        var seconds = await SendAsync(files, parts, StoreScpAeTitle, storescp.Port, associations, cancellationToken);
        var expected = Directory.EnumerateFiles(files, "*.dcm", SearchOption.AllDirectories).Count();
        await WaitForFilesAsync(received, expected, cancellationToken);
        return seconds;
    }

    /// <param name="durability">Null: a handler that reads and discards, to show what the network path alone costs.</param>
    /// <param name="warmup">A folder sent, untimed, on one association until the JIT settles before the timed run (null: none); see <see cref="WarmupInstances"/>.</param>
    internal static async Task<double> RunOursAsync(string files, List<string> parts, string received, int associations, DurabilityMode? durability,
        int expected, CancellationToken cancellationToken, int? journalMaxKiB = null, int? spoolSlots = null, string? warmup = null)
    {
        Directory.CreateDirectory(received);
        var defaults = new InstanceJournalOptions();
        var journal = new InstanceJournalOptions
        {
            MaxInstanceSize = journalMaxKiB is { } kib ? kib * 1024 : defaults.MaxInstanceSize,
            SpoolSlots = spoolSlots ?? defaults.SpoolSlots,
        };
        await using var store = durability is { } mode
            ? new FileSystemInstanceStore(new FileSystemInstanceStoreOptions { RootDirectory = received, Durability = mode, Journal = journal })
            : null;
        await using var server = new DicomServer(new DicomServerOptions { AeTitle = OurAeTitle }, store ?? (IDicomStoreHandler)new DiscardingHandler());
        server.Start(new IPEndPoint(IPAddress.Loopback, 0));
        if (warmup is not null)
        {
            await WarmUpAsync(warmup, server.LocalEndPoint!.Port, cancellationToken);
            if (durability == DurabilityMode.WriteAheadJournal)
            {
                // Large warm-up instances took spool slots; the timed burst starts, as after any idle moment, with them written anew.
                await WaitForSpoolAsync(store!, journal.SpoolSlots, cancellationToken);
            }
        }

        var storedBefore = server.Statistics.InstancesStored;
        var seconds = await SendAsync(files, parts, OurAeTitle, server.LocalEndPoint!.Port, associations, cancellationToken);
        if (store is not null)
        {
            // Timed until every file is in place, as storescp's are when it answers (the journal places them just after).
            var placing = Stopwatch.StartNew();
            await store.WhenPlacedAsync();
            seconds += placing.Elapsed.TotalSeconds;
        }

        if (server.Statistics.InstancesStored - storedBefore != expected)
        {
            throw new InvalidOperationException($"Our SCP stored {server.Statistics.InstancesStored - storedBefore} of {expected} instances.");
        }

        if (durability == DurabilityMode.WriteAheadJournal)
        {
            var statistics = store!.Statistics;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  journal, {associations} association(s), warm-up included: {statistics.InstancesJournaled} journaled, {statistics.InstancesSpooled} spooled, {statistics.InstancesWrittenDirectly} written directly ({statistics.RingFullFallbacks} for a full ring, {statistics.SpoolEmptyFallbacks} for an empty spool), {statistics.FilesCreatedWhileWaiting} files created while the peer waited, {statistics.Checkpoints} checkpoints; timed run {seconds:0.000} s"));
        }

        return seconds;
    }

    /// <summary>
    /// Sends the warm-up folder to our SCP until a round compiles nothing new (at most <see cref="MaxWarmupRounds"/>),
    /// then writes back what it left dirty. .NET runs a method unoptimised first and recompiles the hot ones on a
    /// background thread after a delay; a long-running SCP runs the recompiled code, so that is what is timed.
    /// </summary>
    private static async Task WarmUpAsync(string warmup, int port, CancellationToken cancellationToken)
    {
        for (var round = 0; round < MaxWarmupRounds; round++)
        {
            var compiled = JitInfo.GetCompiledMethodCount();
            await SendAsync(warmup, [warmup], OurAeTitle, port, 1, cancellationToken);
            if (round > 0 && JitInfo.GetCompiledMethodCount() == compiled)
            {
                break;
            }
        }

        await FlushPageCacheAsync(cancellationToken);
    }

    private static async Task WaitForSpoolAsync(FileSystemInstanceStore store, int slots, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (store.FreeSpoolSlots < slots && waited.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(50, cancellationToken);
        }

        await FlushPageCacheAsync(cancellationToken);
    }

    /// <summary>Runs storescu (one association over every file, or one per part in parallel) and times it.</summary>
    internal static async Task<double> SendAsync(string files, List<string> parts, string calledAeTitle, int port, int associations, CancellationToken cancellationToken)
    {
        var folders = associations == 1 ? [files] : parts.Take(associations).ToList();
        var watch = Stopwatch.StartNew();
        var results = await Task.WhenAll(folders.Select(folder => DcmtkProcess.RunAsync("storescu",
            ["+sd", "+r", "-aec", calledAeTitle, "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), folder], PeerTimeout, cancellationToken)));
        var seconds = watch.Elapsed.TotalSeconds;
        foreach (var result in results)
        {
            if (!result.Succeeded)
            {
                throw new InvalidOperationException("storescu failed: " + result);
            }
        }

        return seconds;
    }

    /// <summary>
    /// The file store alone, no network: how long one writer takes to make an instance of
    /// <paramref name="size"/>² 16-bit pixels durable on this disk, for each way of doing it. On one association the SCU waits for each answer,
    /// so no receiver that acknowledges durable instances only can beat this rate there.
    /// </summary>
    private static async Task MeasureDurabilityFloorAsync(DicomBenchmarkOptions options, int size, string work, StringBuilder report,
        CancellationToken cancellationToken)
    {
        var dataSet = new byte[size * size * 2];
        var context = new AcceptedPresentationContext(1, TestImageSpec.CTImageStorage, TransferSyntax.ExplicitVRLittleEndian);
        var association = new AssociationContext(0, "BENCH", OurAeTitle, null, DicomImplementation.ClassUid, null);
        const int warmUp = 20;
        const int count = 200;
        var modes = new (DurabilityMode Mode, string How)[]
        {
            (DurabilityMode.FsyncEachInstance, "written, fsynced, renamed and its folder fsynced"),
            (DurabilityMode.WriteAheadJournal, dataSet.Length + 1024 <= new InstanceJournalOptions().MaxInstanceSize
                ? "appended to the journal and fdatasynced (its file written and renamed after the answer)"
                : "written over a spool slot and fdatasynced with its journal record (cut and renamed after the answer)"),
        };
        foreach (var (mode, how) in modes)
        {
            var root = Path.Combine(work, "floor");
            var journal = new InstanceJournalOptions { SpoolSlots = options.SpoolSlots ?? new InstanceJournalOptions().SpoolSlots };
            await using (var store = new FileSystemInstanceStore(new FileSystemInstanceStoreOptions { RootDirectory = root, Durability = mode, Journal = journal }))
            {
                await FlushPageCacheAsync(cancellationToken);
                var times = new List<double>(count);
                for (var i = 0; i < warmUp + count; i++)
                {
                    var request = new DicomStoreRequest(association, context, TestImageSpec.CTImageStorage, DicomTestInstances.NewUid(), (ushort)i);
                    var watch = Stopwatch.StartNew();
                    await store.StoreAsync(request, new MemoryStream(dataSet), cancellationToken);
                    if (i >= warmUp)
                    {
                        times.Add(watch.Elapsed.TotalMilliseconds);
                    }
                }

                var perInstance = Median(times);
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"Durable-write floor ({mode}): median {perInstance:0.00} ms (mean {times.Average():0.00} ms) per {dataSet.Length / 1024} KiB instance {how}: " +
                    $"at most about {1000 / perInstance:0} durable instances/s on one association, network aside.");
                report.AppendLine(line);
                Console.Out.WriteLine(line);
            }

            Directory.Delete(root, recursive: true);
        }

        report.AppendLine();
    }

    private static async Task MeasureMemoryAsync(DicomBenchmarkOptions options, string work, StringBuilder report, CancellationToken cancellationToken)
    {
        if (!ResidentMemory.IsAvailable)
        {
            report.AppendLine("Peak memory: not measured (needs Linux /proc).");
            return;
        }

        var frames = (int)Math.Ceiling(options.BigInstanceMiB * 1024.0 * 1024.0 / (512 * 512 * 2));
        Console.Error.WriteLine($"Generating one {frames}-frame 512x512 instance ({options.BigInstanceMiB} MiB of pixels)…");
        using var generation = new TemporaryDirectory();
        var big = await DicomTestInstances.CreateAsync(generation, new TestImageSpec
        {
            Rows = 512,
            Columns = 512,
            Frames = frames,
            SopClassUid = TestImageSpec.MultiFrameGrayscaleWordSecondaryCapture,
        }, cancellationToken);
        var size = new FileInfo(big.Path).Length;

        var received = Path.Combine(work, "received-big");
        await using var store = new FileSystemInstanceStore(new FileSystemInstanceStoreOptions { RootDirectory = received });
        await using var server = new DicomServer(new DicomServerOptions { AeTitle = OurAeTitle }, store);
        server.Start(new IPEndPoint(IPAddress.Loopback, 0));

        ResidentMemory.Settle();
        var idle = ResidentMemory.CurrentBytes();
        var kernelPeakReset = ResidentMemory.TryResetKernelPeak();
        long sampledPeak;
        var watch = Stopwatch.StartNew();
        await using (var sampler = ResidentMemory.StartSampling())
        {
            var result = await DcmtkProcess.RunAsync("storescu", ["-aec", OurAeTitle, "127.0.0.1", server.LocalEndPoint!.Port.ToString(CultureInfo.InvariantCulture), big.Path],
                PeerTimeout, cancellationToken);
            if (!result.Succeeded || server.Statistics.InstancesStored != 1)
            {
                throw new InvalidOperationException("Sending the big instance failed: " + result);
            }

            await sampler.StopAsync();
            sampledPeak = sampler.PeakSampledBytes;
        }

        var seconds = watch.Elapsed.TotalSeconds;
        var kernelPeak = kernelPeakReset ? ResidentMemory.KernelPeakBytes() : -1;
        var peak = Math.Max(sampledPeak, kernelPeak);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"Peak memory receiving one {size / 1e6:0} MB instance: idle RSS {idle / 1e6:0.0} MB, peak RSS {peak / 1e6:0.0} MB " +
            $"({(peak - idle) / 1e6:0.0} MB above idle; kernel VmHWM {(kernelPeak < 0 ? "not resettable" : $"{kernelPeak / 1e6:0.0} MB")}, " +
            $"sampled every 10 ms {sampledPeak / 1e6:0.0} MB); received in {seconds:0.0} s ({size / 1e6 / seconds:0} MB/s, fsync before success).");
        report.AppendLine();
        report.AppendLine(line);
        Console.Out.WriteLine(line);
    }

    private static async Task WaitForFilesAsync(string folder, int expected, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*.dcm").Count() >= expected)
            {
                return;
            }

            await Task.Delay(25, cancellationToken);
        }

        throw new InvalidOperationException($"storescp wrote fewer than {expected} files.");
    }

    /// <summary>Runs sync(1), which writes back every dirty page of every file system.</summary>
    internal static async Task FlushPageCacheAsync(CancellationToken cancellationToken)
    {
        using var sync = Process.Start(new ProcessStartInfo("sync") { UseShellExecute = false })
            ?? throw new InvalidOperationException("Could not run sync.");
        await sync.WaitForExitAsync(cancellationToken);
    }

    /// <summary>Reads each data set to its end and keeps nothing (the SCP still validates it).</summary>
    private sealed class DiscardingHandler : IDicomStoreHandler
    {
        public async ValueTask<DimseStatus> StoreAsync(DicomStoreRequest request, Stream dataSet, CancellationToken cancellationToken)
        {
            await dataSet.CopyToAsync(Stream.Null, cancellationToken);
            return DimseStatus.Success;
        }
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
