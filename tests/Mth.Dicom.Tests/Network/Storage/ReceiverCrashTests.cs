using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Mth.Dicom.Network.Storage;
using Mth.Testing.Dicom;
using Mth.Testing.DicomNetwork;

namespace Mth.Dicom.Tests.Network.Storage;

/// <summary>
/// <c>mth dicom receive</c> (default durability: the write-ahead journal) killed with SIGKILL while
/// storescu sends to it: every instance storescu saw acknowledged is there, whole, once a store
/// is opened on the folder again, and nothing half-written is left.
/// </summary>
public sealed partial class ReceiverCrashTests : IDisposable
{
    private readonly TemporaryDirectory _files = new();
    private readonly TemporaryDirectory _received = new();

    public void Dispose()
    {
        _files.Dispose();
        _received.Dispose();
    }

    [Theory]
    [InlineData(64, 500)] // journaled
    [InlineData(512, 300)] // spooled (525 KB each)
    public async Task Every_instance_acknowledged_before_the_receiver_was_killed_is_stored_after_restart(int size, int count)
    {
        var template = await DicomTestInstances.CreateAsync(_files, new TestImageSpec { Rows = size, Columns = size });
        var instances = DicomTestInstances.Clone(template, Path.Combine(_files.Path, "sent"), count);
        using var receiver = StartReceiver(_received.Path, out var output);
        int acknowledged;
        try
        {
            var port = await WaitForPortAsync(receiver, output);
            var sending = DcmtkProcess.RunAsync("storescu",
                ["-v", "-aec", "MTH", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), .. instances.Select(i => i.Path)], TimeSpan.FromSeconds(120));
            await WaitForFilesAsync(_received.Path, 50, receiver, output);
            receiver.Kill();
            await receiver.WaitForExitAsync();
            var sent = await sending;
            acknowledged = SuccessResponse().Count(sent.Output);
            Assert.False(sent.Succeeded, "storescu finished before the receiver was killed:\n" + sent);
        }
        finally
        {
            if (!receiver.HasExited)
            {
                receiver.Kill();
            }
        }

        Assert.InRange(acknowledged, 1, count - 1);
        await using var restarted = new FileSystemInstanceStore(new FileSystemInstanceStoreOptions { RootDirectory = _received.Path });
        // storescu sends the files in the order given: the first ones are those it saw acknowledged.
        Assert.All(instances.Take(acknowledged), i => Assert.Equal(Part10Bytes.DataSetOf(i.Path), Part10Bytes.DataSetOf(restarted.PathFor(i.SopInstanceUid))));
        Assert.Equal(Dcmtk.DumpDataSet(instances[acknowledged - 1].Path), Dcmtk.DumpDataSet(restarted.PathFor(instances[acknowledged - 1].SopInstanceUid)));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_received.Path, ".incoming")));
    }

    [GeneratedRegex(@"Received Store Response \(Success\)")]
    private static partial Regex SuccessResponse();

    [GeneratedRegex(@"Receiving as '.*' on .*:(\d+),")]
    private static partial Regex ListeningLine();

    private static Process StartReceiver(string folder, out ConcurrentQueue<string> output)
    {
        var mth = Path.Combine(AppContext.BaseDirectory, "mth.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { mth, "dicom", "receive", "--port", "0", "--bind", "127.0.0.1", "--out", folder, "--quiet" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var lines = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        output = lines;
        return process;
    }

    private static async Task<int> WaitForPortAsync(Process receiver, ConcurrentQueue<string> output)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (output.Select(l => ListeningLine().Match(l)).FirstOrDefault(m => m.Success) is { } match)
            {
                return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            }

            Assert.False(receiver.HasExited, "mth dicom receive exited:\n" + string.Join('\n', output));
            await Task.Delay(50);
        }

        throw new TimeoutException("mth dicom receive did not start listening:\n" + string.Join('\n', output));
    }

    private static async Task WaitForFilesAsync(string folder, int count, Process receiver, ConcurrentQueue<string> output)
    {
        var watch = Stopwatch.StartNew();
        while (Directory.EnumerateFiles(folder, "*.dcm").Count() < count)
        {
            Assert.False(receiver.HasExited, "mth dicom receive exited:\n" + string.Join('\n', output));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), "fewer than " + count + " instances arrived:\n" + string.Join('\n', output));
            await Task.Delay(5);
        }
    }
}
