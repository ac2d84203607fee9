using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Mth.Testing.Redis;

/// <summary>
/// A redis-server this test run started itself (when MTH_TEST_REDIS / MTH_TEST_REDIS_CLUSTER are not set,
/// or for fault tests that crash and restart it), on a loopback port with its files in a folder, stopped
/// by its own process handle.
/// </summary>
public sealed class RedisProcess : IDisposable
{
    private readonly string[] _extra;
    private Process _process;

    private RedisProcess(Process process, int port, string directory, string[] extra)
    {
        _process = process;
        Port = port;
        Directory = directory;
        _extra = extra;
    }

    public int Port { get; }

    public string Directory { get; }

    public string EndPoint => $"127.0.0.1:{Port}";

    /// <summary>Starts redis-server; <paramref name="extra"/> follows the defaults (no persistence), so "--appendonly", "yes" turns AOF on.</summary>
    public static RedisProcess Start(string directory, int port, params string[] extra)
    {
        var process = Launch(directory, port, extra);
        var server = new RedisProcess(process, port, directory, extra);
        server.WaitUntilReady();
        return server;
    }

    /// <summary>SIGKILL, as a crash: nothing is saved beyond what its persistence already wrote.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
    }

    /// <summary>Starts the server again on the same port and folder (it reloads what its persistence kept).</summary>
    public void Restart()
    {
        Kill();
        _process.Dispose();
        _process = Launch(Directory, Port, _extra);
        WaitUntilReady();
    }

    private static Process Launch(string directory, int port, string[] extra)
    {
        System.IO.Directory.CreateDirectory(directory);
        var start = new ProcessStartInfo(Executable("redis-server"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory,
        };
        foreach (var arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory, "--logfile", Path.Combine(directory, "redis.log") }.Concat(extra))
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
    }

    private void WaitUntilReady()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}; see {Path.Combine(Directory, "redis.log")}.");
            }

            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        Dispose();
        throw new InvalidOperationException($"redis-server on port {Port} did not accept connections within 10 s.");
    }

    /// <summary>The full path of a Redis tool, or a clear error saying how to get one.</summary>
    public static string Executable(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/local/bin"))
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException(
            $"{name} is not installed and no Redis was named (MTH_TEST_REDIS, MTH_TEST_REDIS_CLUSTER). " +
            "Install it (scripts/install-deps.sh, Debian package redis-server) or run the tests through ./mth test.");
    }

    /// <summary>A port that is free now, and whose cluster bus port (port + 10000) is free too.</summary>
    public static int FreePort() => DicomNetwork.FreeTcpPort.NextPair(20_000, 30_000, 10_000);

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        finally
        {
            _process.Dispose();
        }
    }
}
