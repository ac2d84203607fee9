using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Mth.Testing.DicomNetwork;

/// <summary>
/// dcmtk's storescp running on a free loopback port and writing what it receives to a folder:
/// the reference storage SCP for our SCU and for benchmarks. Disposing stops the process it started.
/// </summary>
public sealed class StoreScpPeer : IAsyncDisposable
{
    private readonly Process _process;

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output;

    private StoreScpPeer(Process process, int port, string aeTitle, string outputDirectory, System.Collections.Concurrent.ConcurrentQueue<string> output)
    {
        _process = process;
        _output = output;
        Port = port;
        AeTitle = aeTitle;
        OutputDirectory = outputDirectory;
    }

    public int Port { get; }

    public string AeTitle { get; }

    public string OutputDirectory { get; }

    /// <summary>What storescp printed so far (it runs with -v).</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>
    /// Starts storescp accepting every transfer syntax it supports; returns once it accepts connections.
    /// </summary>
    public static async Task<StoreScpPeer> StartAsync(string outputDirectory, string aeTitle = "STORESCP",
        IEnumerable<string>? extraArguments = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(outputDirectory);
        for (var attempt = 0; ; attempt++)
        {
            var port = FreeTcpPort.Next();
            var arguments = new List<string> { "-aet", aeTitle, "-od", outputDirectory, "+xa", "-dhl", "-fe", ".dcm", "-v" };
            arguments.AddRange(extraArguments ?? []);
            arguments.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var process = DcmtkProcess.Start("storescp", arguments);
            // Keep its output (a full pipe would block it) for failure messages.
            var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var peer = new StoreScpPeer(process, port, aeTitle, outputDirectory, output);
            if (await peer.WaitUntilListeningAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false))
            {
                return peer;
            }

            await peer.DisposeAsync().ConfigureAwait(false);
            if (attempt == 2)
            {
                throw new InvalidOperationException("storescp did not start listening (three ports tried).");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
    }

    private async Task<bool> WaitUntilListeningAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout && !_process.HasExited)
        {
            try
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port), cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(25, cancellationToken).ConfigureAwait(false);
            }
        }

        return false;
    }
}
