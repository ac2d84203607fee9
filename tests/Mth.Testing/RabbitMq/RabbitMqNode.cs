using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mth.Testing.RabbitMq;

/// <summary>
/// A RabbitMQ node of its own on a free loopback port, started with the repository's
/// scripts/services.sh (rabbitmq-server from Debian's package). It can be killed by its process
/// id and started again on the data it left (durable queues and persistent messages survive),
/// which is what broker fault tests need. Disposing stops it and removes its data.
/// </summary>
public sealed class RabbitMqNode : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private readonly string _state;
    private readonly string _script;

    private RabbitMqNode(string state, string script, int port)
    {
        _state = state;
        _script = script;
        Port = port;
    }

    public int Port { get; }

    public string AmqpUri => $"amqp://guest:guest@127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/";

    /// <summary>The node's operating-system process (beam.smp), from the pid file it wrote.</summary>
    public int ProcessId => int.Parse(File.ReadAllText(PidFile).Trim(), CultureInfo.InvariantCulture);

    public bool IsRunning => IsAlive(ProcessId);

    private string PidFile => Path.Combine(File.ReadAllText(Path.Combine(_state, "rabbitmq.dir")).Trim(), "rabbitmq.pid");

    /// <summary>Starts a node; fails with the script's output when rabbitmq-server is missing or does not start.</summary>
    public static async Task<RabbitMqNode> StartAsync(CancellationToken cancellationToken = default)
    {
        var script = RepositoryFile("scripts/services.sh");
        var state = Directory.CreateTempSubdirectory("mth-rabbitmq-").FullName;
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("A local RabbitMQ node is started with scripts/services.sh, on Linux only.");
        }

        // services.sh runs rabbitmq-server as the rabbitmq user when started as root: it must be able to enter the folder.
        File.SetUnixFileMode(state, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var node = new RabbitMqNode(state, script, FreePortPair());
        try
        {
            await node.RunScriptAsync("start", keepData: false, cancellationToken).ConfigureAwait(false);
            return node;
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Kills the node (SIGKILL, as a crash would) and waits until it is gone.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        var pid = ProcessId;
        using (var process = Process.GetProcessById(pid))
        {
            process.Kill();
        }

        var deadline = Stopwatch.StartNew();
        while (IsAlive(pid) || Accepts(Port))
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException($"RabbitMQ (pid {pid}) is still running 30 s after SIGKILL.");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Starts the node again on the data it left.</summary>
    public Task RestartAsync(CancellationToken cancellationToken = default) => RunScriptAsync("start", keepData: true, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        string? data = null;
        var dirFile = Path.Combine(_state, "rabbitmq.dir");
        if (File.Exists(dirFile))
        {
            data = File.ReadAllText(dirFile).Trim();
        }

        try
        {
            await RunScriptAsync("stop", keepData: true, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            foreach (var folder in new[] { data, _state })
            {
                if (folder is not null && Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
        }
    }

    /// <summary>A file of the repository this test runs from (found by walking up to Mth.sln).</summary>
    public static string RepositoryFile(string relativePath)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Mth.sln")))
            {
                return Path.Combine(dir.FullName, relativePath);
            }
        }

        throw new InvalidOperationException($"The repository (Mth.sln) was not found above {AppContext.BaseDirectory}.");
    }

    private async Task RunScriptAsync(string command, bool keepData, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { _script, command, _state })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["MTH_SERVICES"] = "rabbitmq";
        start.Environment["MTH_AMQP_PORT"] = Port.ToString(CultureInfo.InvariantCulture);
        start.Environment["MTH_RABBITMQ_KEEP_DATA"] = keepData ? "1" : "0";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"scripts/services.sh {command} (RabbitMQ on port {Port}) failed with {process.ExitCode}: {await output.ConfigureAwait(false)}{await error.ConfigureAwait(false)}. " +
                "Install rabbitmq-server (scripts/install-deps.sh) or name a broker with MTH_TEST_RABBITMQ.");
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A free AMQP port whose Erlang distribution port (AMQP + 20000, as services.sh sets it) is free too.</summary>
    private static int FreePortPair() => DicomNetwork.FreeTcpPort.NextPair(41_000, 45_000, 20_000);
}
