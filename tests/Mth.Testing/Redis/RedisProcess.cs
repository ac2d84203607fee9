using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Mth.Testing.Redis;

/// <summary>
/// A redis-server this test run started itself (when MTH_TEST_REDIS / MTH_TEST_REDIS_CLUSTER are not set),
/// on a free loopback port with its files in a temporary folder, stopped by its own process handle.
/// </summary>
internal sealed class RedisProcess : IDisposable
{
    private readonly Process _process;

    private RedisProcess(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        Directory = directory;
    }

    public int Port { get; }

    public string Directory { get; }

    public string EndPoint => $"127.0.0.1:{Port}";

    public static RedisProcess Start(string directory, int port, params string[] extra)
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

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        var server = new RedisProcess(process, port, directory);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {process.ExitCode}; see {Path.Combine(directory, "redis.log")}.");
            }

            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return server;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        server.Dispose();
        throw new InvalidOperationException($"redis-server on port {port} did not accept connections within 10 s.");
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
