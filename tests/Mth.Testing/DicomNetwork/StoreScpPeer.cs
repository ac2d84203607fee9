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

    private StoreScpPeer(Process process, int port, string aeTitle, string outputDirectory)
    {
        _process = process;
        Port = port;
        AeTitle = aeTitle;
        OutputDirectory = outputDirectory;
    }

    public int Port { get; }

    public string AeTitle { get; }

    public string OutputDirectory { get; }

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
            var arguments = new List<string> { "-aet", aeTitle, "-od", outputDirectory, "+xa", "-dhl", "-fe", ".dcm" };
            arguments.AddRange(extraArguments ?? []);
            arguments.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var process = DcmtkProcess.Start("storescp", arguments);
            // Drain its output so a chatty peer never blocks on a full pipe.
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var peer = new StoreScpPeer(process, port, aeTitle, outputDirectory);
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
