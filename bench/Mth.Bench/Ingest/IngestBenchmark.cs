using System.Diagnostics;
using System.Globalization;
using System.Text;
using Mth.Bench.Dicom;
using Mth.Bench.Measurement;
using Mth.Dicom;
using Mth.Dicom.IO;
using Mth.Dicom.Network.Server;
using Mth.Dicom.Network.Storage;
using Mth.Dicom.Network.UpperLayer;
using Mth.Testing.Dicom;
using Mth.Testing.DicomNetwork;

namespace Mth.Bench.Ingest;

/// <summary>
/// <c>mth bench ingest</c>: what the durable event outbox costs per instance. First the
/// durable-write floor of three write sequences, no network, interleaved so that the disk's
/// mood falls on all alike: the plain file store (file flush, rename, folder flush), Ingest's
/// (file, event and outbox folder flushed in one concurrent round, rename, folder flush) and the
/// same three flushes one after another (what the outbox would cost done naively). Then storescu
/// receive rates of the whole Ingest service next to the plain file store and dcmtk storescp,
/// as in <c>mth bench dicom</c>, with the time until every event was confirmed.
/// </summary>
public static class IngestBenchmark
{
    private const int FloorWarmUp = 20;
    private const int FloorRounds = 10;
    private const int FloorPerRound = 20;
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromMinutes(5);

    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken) =>
        BenchmarkRun.RunAsync("ingest", args, IngestBenchmarkOptions.Parse, o => o.WorkDirectory, o => "; Ingest publishes on the " + Bus(o) + ".",
            async (options, work, report) =>
            {
                await MeasureFloorAsync(options, work, report, cancellationToken);
                await MeasureRatesAsync(options, work, Bus(options), report, cancellationToken);
                await MeasureSteadyRateAsync(options, work, report, cancellationToken);
            });

    private static string Bus(IngestBenchmarkOptions options) => options.AmqpUri is null ? "in-memory bus" : "RabbitMQ " + new Uri(options.AmqpUri).Authority;

    private static async Task MeasureFloorAsync(IngestBenchmarkOptions options, string work, StringBuilder report, CancellationToken cancellationToken)
    {
        var perVariant = FloorWarmUp + (FloorRounds * FloorPerRound);
        Console.Error.WriteLine($"Durable-write floor: {3 * perVariant} instances of {options.Size}x{options.Size}…");
        var generated = Path.Combine(work, "floor-send");
        await DicomBenchmark.GenerateAsync(generated, 3 * perVariant, options.Size, 1, cancellationToken);
        var dataSets = Directory.EnumerateFiles(generated, "*.dcm", SearchOption.AllDirectories).Select(ReadDataSet).ToList();
        var context = new AcceptedPresentationContext(1, dataSets[0].SopClassUid, dataSets[0].TransferSyntax);
        var association = new AssociationContext(0, "BENCH", DicomBenchmark.OurAeTitle, null, DicomImplementation.ClassUid, null);

        await using var fileStore = new FileSystemInstanceStore(new FileSystemInstanceStoreOptions
        {
            RootDirectory = Path.Combine(work, "floor-file-store"),
            Durability = DurabilityMode.FsyncEachInstance,
        });
        await using var ingest = await IngestBenchHost.StartAsync(Path.Combine(work, "floor-ingest"), DicomBenchmark.OurAeTitle, options.AmqpUri, cancellationToken: cancellationToken);
        var sequential = new SequentialOutboxWrites(Path.Combine(work, "floor-sequential"));
        var variants = new (string Name, IDicomStoreHandler Handler)[]
        {
            ("file store: flush file, rename, flush folder (mth dicom receive --durability fsync)", fileStore),
            ("Ingest: flush file + event + outbox folder together, rename, flush folder", ingest.Store),
            ("diagnostic: flush file, event, outbox folder one after another, rename, flush folder", sequential),
        };

        var times = variants.Select(_ => new List<double>()).ToArray();
        var next = 0;
        await DicomBenchmark.FlushPageCacheAsync(cancellationToken);
        for (var round = -1; round < FloorRounds; round++)
        {
            var batch = round < 0 ? FloorWarmUp : FloorPerRound;
            for (var v = 0; v < variants.Length; v++)
            {
                for (var i = 0; i < batch; i++)
                {
                    var (bytes, sopClass, sop, syntax) = dataSets[next++];
                    var request = new DicomStoreRequest(association, context, sopClass, sop, (ushort)next);
                    var watch = Stopwatch.StartNew();
                    var status = await variants[v].Handler.StoreAsync(request, new ValidatingDataSetStream(new MemoryStream(bytes), syntax, sopClass, sop), cancellationToken);
                    if (!status.IsSuccess)
                    {
                        throw new InvalidOperationException($"{variants[v].Name} answered {status}.");
                    }

                    if (round >= 0)
                    {
                        times[v].Add(watch.Elapsed.TotalMilliseconds);
                    }
                }
            }
        }

        const string header = "| write sequence (no network) | median ms | mean ms | p90 ms | durable instances/s on one association |\n| --- | --- | --- | --- | --- |";
        report.AppendLine(header);
        Console.Out.WriteLine(header);
        for (var v = 0; v < variants.Length; v++)
        {
            var sorted = times[v].Order().ToList();
            var median = DicomBenchmark.Median(times[v]);
            var line = string.Create(CultureInfo.InvariantCulture,
                $"| {variants[v].Name} | {median:0.00} | {times[v].Average():0.00} | {sorted[(int)(sorted.Count * 0.9)]:0.00} | {1000 / median:0} |");
            report.AppendLine(line);
            Console.Out.WriteLine(line);
        }

        report.AppendLine();
    }

    private static async Task MeasureRatesAsync(IngestBenchmarkOptions options, string work, string bus, StringBuilder report, CancellationToken cancellationToken)
    {
        var name = $"{options.Instances} x {options.Size}x{options.Size} CT";
        Console.Error.WriteLine($"Generating {name}…");
        var files = Path.Combine(work, "send");
        var parts = await DicomBenchmark.GenerateAsync(files, options.Instances, options.Size, options.Associations, cancellationToken);
        var ingestName = $"Ingest (outbox, {bus})";
        var receivers = new (string Name, Func<string, int, CancellationToken, Task<(double Seconds, double? Delivered)>> Run)[]
        {
            ("dcmtk storescp (no flush)", async (dir, n, ct) => (await DicomBenchmark.RunStoreScpAsync(files, parts, dir, n, ct), null)),
            ("file store, fsync each", async (dir, n, ct) => (await DicomBenchmark.RunOursAsync(files, parts, dir, n, DurabilityMode.FsyncEachInstance, options.Instances, ct), null)),
            (ingestName, (dir, n, ct) => RunIngestAsync(files, parts, dir, n, options, ct)),
        };

        const string header = "| receiver | associations | median s | instances/s | vs storescp | vs file store | all events confirmed after s |\n| --- | --- | --- | --- | --- | --- | --- |";
        report.AppendLine(CultureInfo.InvariantCulture, $"Receive rates, {name}, storescu with TCP_NODELAY, median of {options.Repeat}:");
        report.AppendLine();
        report.AppendLine(header);
        Console.Out.WriteLine(header);
        foreach (var associations in new[] { 1, options.Associations }.Distinct())
        {
            var times = receivers.ToDictionary(r => r.Name, _ => new List<double>());
            var delivered = new List<double>();
            for (var run = 0; run < options.Repeat; run++)
            {
                foreach (var receiver in receivers)
                {
                    await DicomBenchmark.FlushPageCacheAsync(cancellationToken);
                    var received = Path.Combine(work, "received");
                    var (seconds, events) = await receiver.Run(received, associations, cancellationToken);
                    Directory.Delete(received, recursive: true);
                    times[receiver.Name].Add(seconds);
                    if (events is { } e)
                    {
                        delivered.Add(e);
                    }
                }
            }

            var storescp = DicomBenchmark.Median(times[receivers[0].Name]);
            var fileStore = DicomBenchmark.Median(times[receivers[1].Name]);
            foreach (var receiver in receivers)
            {
                var seconds = DicomBenchmark.Median(times[receiver.Name]);
                var events = receiver.Name == ingestName ? DicomBenchmark.Median(delivered).ToString("0.000", CultureInfo.InvariantCulture) : "";
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"| {receiver.Name} | {associations} | {seconds:0.000} | {options.Instances / seconds:0} | {storescp / seconds:0.00}x | {fileStore / seconds:0.00}x | {events} |");
                report.AppendLine(line);
                Console.Out.WriteLine(line);
            }
        }
    }

    /// <summary>
    /// A modality sending at a steady rate over one association (our SCU): how long each C-STORE
    /// waits for its answer, and whether every event was delivered by the end.
    /// </summary>
    private static async Task MeasureSteadyRateAsync(IngestBenchmarkOptions options, string work, StringBuilder report, CancellationToken cancellationToken)
    {
        var count = (int)Math.Ceiling(options.Rate * options.Seconds);
        Console.Error.WriteLine($"Steady rate: {count} instances at {options.Rate}/s…");
        using var generation = new TemporaryDirectory();
        var template = await DicomTestInstances.CreateAsync(generation, new TestImageSpec { Rows = options.Size, Columns = options.Size }, cancellationToken);
        var sender = new SteadyRateSender(template.Path);
        await using var ingest = await IngestBenchHost.StartAsync(Path.Combine(work, "steady"), DicomBenchmark.OurAeTitle, options.AmqpUri, cancellationToken: cancellationToken);
        var sent = await sender.SendAsync("127.0.0.1", ingest.DicomPort, DicomBenchmark.OurAeTitle, count, options.Rate, cancellationToken: cancellationToken);
        var failed = sent.Count(s => !s.Status.IsSuccess);
        await ingest.WaitForDeliveredAsync(count - failed, DeliveryTimeout, cancellationToken);
        var answers = sent.Select(s => (s.AcknowledgedAt - s.SentAt).TotalMilliseconds).Order().ToList();
        var late = sent.Max(s => (s.SentAt - s.DueAt).TotalMilliseconds);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"Steady rate: {count} instances of {options.Size}x{options.Size} at {options.Rate}/s over one association: C-STORE answered in p50 {Percentile(answers, 0.5):0.0} ms, " +
            $"p95 {Percentile(answers, 0.95):0.0} ms, p99 {Percentile(answers, 0.99):0.0} ms, max {answers[^1]:0.0} ms; {failed} failed; " +
            $"latest send {late:0.0} ms behind its schedule; every event delivered.");
        report.AppendLine();
        report.AppendLine(line);
        Console.Out.WriteLine(line);
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>The whole service: stores through the outbox; also times how long until the dispatcher delivered every event.</summary>
    private static async Task<(double Seconds, double? Delivered)> RunIngestAsync(string files, List<string> parts, string received, int associations,
        IngestBenchmarkOptions options, CancellationToken cancellationToken)
    {
        await using var ingest = await IngestBenchHost.StartAsync(received, DicomBenchmark.OurAeTitle, options.AmqpUri, cancellationToken: cancellationToken);
        var watch = Stopwatch.StartNew();
        var seconds = await DicomBenchmark.SendAsync(files, parts, DicomBenchmark.OurAeTitle, ingest.DicomPort, associations, cancellationToken);
        if (ingest.Store.Stored != options.Instances)
        {
            throw new InvalidOperationException($"Ingest stored {ingest.Store.Stored} of {options.Instances} instances.");
        }

        await ingest.WaitForDeliveredAsync(options.Instances, DeliveryTimeout, cancellationToken);
        return (seconds, watch.Elapsed.TotalSeconds);
    }

    private static (byte[] Bytes, string SopClassUid, string SopInstanceUid, TransferSyntax TransferSyntax) ReadDataSet(string path)
    {
        using var stream = File.OpenRead(path);
        var meta = DicomFileMetaInformation.Read(stream) ?? throw new InvalidDataException(path + " has no file meta.");
        using var rest = new MemoryStream();
        stream.CopyTo(rest);
        return (rest.ToArray(), meta.MediaStorageSopClassUid, meta.MediaStorageSopInstanceUid, meta.TransferSyntax);
    }

    /// <summary>
    /// The diagnostic sequence: the same files and flushes as Ingest's, one flush after another.
    /// Not a product configuration: it shows what the concurrent round saves.
    /// </summary>
    private sealed class SequentialOutboxWrites : IDicomStoreHandler
    {
        private readonly string _incoming;
        private readonly string _outbox;
        private readonly string _series;
        private long _sequence;

        public SequentialOutboxWrites(string root)
        {
            _incoming = Directory.CreateDirectory(Path.Combine(root, ".incoming")).FullName;
            _outbox = Directory.CreateDirectory(Path.Combine(root, ".ingest", "outbox")).FullName;
            _series = Directory.CreateDirectory(Path.Combine(root, "study", "series")).FullName;
        }

        public async ValueTask<Mth.Dicom.Network.Dimse.DimseStatus> StoreAsync(DicomStoreRequest request, Stream dataSet, CancellationToken cancellationToken)
        {
            await using var partial = PartialInstanceFile.Create(_incoming);
            await partial.WriteAsync(request, dataSet, 256 * 1024, DicomReaderOptions.Default, summaryRequired: true, cancellationToken);
            partial.FlushToDisk();
            var record = Path.Combine(_outbox, (++_sequence).ToString("D19", CultureInfo.InvariantCulture) + ".json");
            await using (var file = new FileStream(record, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                // About the size of an InstanceStored record.
                await file.WriteAsync(new byte[700], cancellationToken);
                file.Flush(flushToDisk: true);
            }

            FileSystemSync.FlushDirectory(_outbox);
            await partial.MoveToAsync(Path.Combine(_series, request.SopInstanceUid + ".dcm"));
            FileSystemSync.FlushDirectory(_series);
            File.Delete(record);
            return Mth.Dicom.Network.Dimse.DimseStatus.Success;
        }
    }
}
