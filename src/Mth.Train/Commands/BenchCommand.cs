using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mth.Train.Benchmarks;

namespace Mth.Train.Commands;

/// <summary>
/// <c>mth train bench</c>: training and encoding images/s at several input sizes, TorchSharp next to ONNX Runtime (CPU) on
/// the same weights, with peak memory. Each measurement runs in a child process (`bench-one`) so its peak memory is its own.
/// </summary>
internal static class BenchCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static IEnumerable<Command> Create()
    {
        var sizes = new Option<string>("--sizes") { Description = "Input sizes S", DefaultValueFactory = _ => "64,128,256" };
        var threads = new Option<int>("--threads") { Description = "Threads (torch and ONNX Runtime intra-op)", DefaultValueFactory = _ => 2 };
        var trainBatch = new Option<int>("--train-batch") { Description = "Training batch (P x K) up to S = 128", DefaultValueFactory = _ => 32 };
        var largeTrainBatch = new Option<int>("--large-train-batch") { Description = "Training batch at S = 256 (memory)", DefaultValueFactory = _ => 8 };
        var encodeBatch = new Option<int>("--encode-batch") { Description = "Encoding batch", DefaultValueFactory = _ => 32 };
        var seconds = new Option<double>("--seconds") { Description = "Rough time per measurement (sets the number of batches)", DefaultValueFactory = _ => 15.0 };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON here" };
        var bench = new Command("bench", "Training and encoding speed (TorchSharp vs ONNX Runtime CPU) and peak memory at several S.")
        {
            sizes, threads, trainBatch, largeTrainBatch, encodeBatch, seconds, json,
        };
        bench.SetAction(async (result, cancellationToken) =>
        {
            var results = new List<BenchmarkResult>();
            int n = result.GetValue(threads);
            Console.WriteLine($"load average before: {LoadAverage()}; threads {n}");
            Console.WriteLine("mode          S     batch  batches  images/s   peak MB");
            foreach (var size in result.GetValue(sizes)!.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)))
            {
                // Scale the number of batches to the pixels, so each measurement takes about the same time.
                double scale = (64.0 * 64) / (size * size);
                foreach (var mode in Enum.GetValues<BenchmarkMode>())
                {
                    int batch = mode == BenchmarkMode.Train ? (size > 128 ? result.GetValue(largeTrainBatch) : result.GetValue(trainBatch)) : result.GetValue(encodeBatch);
                    double rate = mode == BenchmarkMode.Train ? 30 : 100; // images/s at S = 64, a rough guess for the batch count
                    int batches = Math.Max(2, (int)(result.GetValue(seconds) * rate * scale / batch));
                    var measured = await RunChildAsync(mode, size, batch, n, batches, cancellationToken);
                    results.Add(measured);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{mode,-12} {size,4} {batch,8} {batches,8} {measured.ImagesPerSecond,9:F1} {measured.PeakResidentBytes / 1048576.0,9:F0}"));
                }
                var torch = results.Single(r => r.InputSize == size && r.Mode == BenchmarkMode.EncodeTorch).ImagesPerSecond;
                var onnx = results.Single(r => r.InputSize == size && r.Mode == BenchmarkMode.EncodeOnnx).ImagesPerSecond;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  S = {size}: ONNX Runtime / TorchSharp encoding = {onnx / torch:F2}x"));
            }
            Console.WriteLine($"load average after: {LoadAverage()}");
            if (result.GetValue(json) is { } path)
                await File.WriteAllTextAsync(path, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
            return 0;
        });

        var mode = new Option<string>("--mode") { Description = "Train | EncodeTorch | EncodeOnnx" };
        var size1 = new Option<int>("--size") { DefaultValueFactory = _ => 64 };
        var batch1 = new Option<int>("--batch") { DefaultValueFactory = _ => 32 };
        var batches1 = new Option<int>("--batches") { DefaultValueFactory = _ => 5 };
        var one = new Command("bench-one", "One benchmark measurement, printed as JSON (used by bench).") { mode, size1, batch1, batches1, threads };
        one.Hidden = true;
        one.SetAction(result =>
        {
            var measured = SpeedBenchmark.Measure(Enum.Parse<BenchmarkMode>(result.GetValue(mode)!), result.GetValue(size1), result.GetValue(batch1),
                result.GetValue(threads), result.GetValue(batches1));
            Console.WriteLine(JsonSerializer.Serialize(measured, Json));
            return 0;
        });
        return [bench, one];
    }

    private static async Task<BenchmarkResult> RunChildAsync(BenchmarkMode mode, int size, int batch, int threads, int batches, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet") start.ArgumentList.Add(typeof(BenchCommand).Assembly.Location);
        foreach (var argument in new[] { "bench-one", "--mode", mode.ToString(), "--size", $"{size}", "--batch", $"{batch}", "--batches", $"{batches}", "--threads", $"{threads}" })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the measurement process");
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0) throw new InvalidOperationException($"measurement {mode} S = {size} failed with exit code {process.ExitCode}");
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        return JsonSerializer.Deserialize<BenchmarkResult>(line, Json) ?? throw new InvalidDataException("empty measurement");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
