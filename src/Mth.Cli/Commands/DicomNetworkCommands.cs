using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Mth.Dicom;
using Mth.Dicom.Network;
using Mth.Dicom.Network.Client;
using Mth.Dicom.Network.Server;
using Mth.Dicom.Network.Storage;
using Mth.Dicom.Network.UpperLayer;

namespace Mth.Cli.Commands;

/// <summary>
/// <c>mth dicom receive|send|echo</c>: the DICOM network tools. Each ends with exit code 0 on
/// success, or 1 and one line saying what failed.
/// </summary>
internal static class DicomNetworkCommands
{
    public static void AddTo(Command dicom)
    {
        ArgumentNullException.ThrowIfNull(dicom);
        dicom.Subcommands.Add(CreateReceive());
        dicom.Subcommands.Add(CreateSend());
        dicom.Subcommands.Add(CreateEcho());
    }

    private static Command CreateReceive()
    {
        var port = new Option<int>("--port") { Description = "TCP port to listen on (0: any free port, printed at start).", Required = true };
        var aet = new Option<string>("--aet") { Description = "Our AE title: the called AE title peers must use.", DefaultValueFactory = _ => "MTH" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the received Part 10 files (<SOP Instance UID>.dcm).", Required = true };
        var bind = new Option<string>("--bind") { Description = "Address to listen on.", DefaultValueFactory = _ => "0.0.0.0" };
        var allow = new Option<string[]>("--allow-calling") { Description = "Calling AE titles allowed to associate (repeatable; default: any)." , AllowMultipleArgumentsPerToken = true };
        var anyCalled = new Option<bool>("--accept-any-called") { Description = "Accept any called AE title, not only --aet." };
        var maxAssociations = new Option<int>("--max-associations") { Description = "Associations served at once.", DefaultValueFactory = _ => 32 };
        var durability = new Option<string>("--durability")
        {
            Description = "How an instance is made durable before success is answered: journal (up to 256 KiB appended to a pre-written write-ahead journal, "
                + "up to 1 MiB written over a pre-written spool slot named by a journal record; one data flush; files flushed in bulk by checkpoints), fsync (fsync the file and its folder), group-commit (fsyncs shared by instances finished together).",
            DefaultValueFactory = _ => "journal",
        };
        durability.AcceptOnlyFromAmong("journal", "fsync", "group-commit");
        var groupCommit = new Option<bool>("--group-commit") { Description = "Same as --durability group-commit." };
        var quiet = new Option<bool>("--quiet") { Description = "Log warnings and errors only." };

        var command = new Command("receive", "Run a storage SCP that writes every received instance as a Part 10 file; stops on Ctrl-C or SIGTERM.")
        {
            port, aet, output, bind, allow, anyCalled, maxAssociations, durability, groupCommit, quiet,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var log = new ConsoleLog(parse.GetValue(quiet) ? DicomLogLevel.Warning : DicomLogLevel.Information);
            return await RunAsync(async () =>
            {
                if (!IPAddress.TryParse(parse.GetValue(bind), out var address))
                {
                    throw new ArgumentException($"--bind '{parse.GetValue(bind)}' is not an IP address.");
                }

                var listenPort = parse.GetValue(port);
                if (listenPort is < 0 or > 65535)
                {
                    throw new ArgumentException($"--port {listenPort} is not a TCP port (0 to 65535).");
                }

                var options = new DicomServerOptions
                {
                    AeTitle = parse.GetValue(aet)!,
                    AcceptAnyCalledAeTitle = parse.GetValue(anyCalled),
                    AllowedCallingAeTitles = new HashSet<string>(parse.GetValue(allow) ?? [], StringComparer.Ordinal),
                    MaxAssociations = parse.GetValue(maxAssociations),
                };
                await using var store = new FileSystemInstanceStore(new FileSystemInstanceStoreOptions
                {
                    RootDirectory = parse.GetValue(output)!.FullName,
                    Durability = parse.GetValue(groupCommit) ? DurabilityMode.GroupCommit : parse.GetValue(durability) switch
                    {
                        "fsync" => DurabilityMode.FsyncEachInstance,
                        "group-commit" => DurabilityMode.GroupCommit,
                        _ => DurabilityMode.WriteAheadJournal,
                    },
                }, log);
                await using var server = new DicomServer(options, store, log);
                server.Start(new IPEndPoint(address, listenPort));
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Receiving as '{options.AeTitle}' on {server.LocalEndPoint}, writing to {store.RootDirectory}. Ctrl-C to stop."));
                // Ctrl-C and SIGTERM end the wait; the process stays up until the server stopped cleanly.
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, StopOn(stop));
                using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, StopOn(stop));
                try
                {
                    await Task.Delay(Timeout.Infinite, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    Console.Out.WriteLine("Stopping…");
                }

                await server.StopAsync(CancellationToken.None);
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Stopped: {server.Statistics.InstancesStored} instances stored, {server.Statistics.StoreFailures} refused, {server.Statistics.AssociationsAccepted} associations."));
            });
        });
        return command;
    }

    private static Command CreateSend()
    {
        var host = new Argument<string>("host") { Description = "Host name or address of the storage SCP." };
        var port = new Argument<int>("port") { Description = "Its TCP port." };
        var files = new Argument<string[]>("files") { Description = "Part 10 files or folders (walked recursively).", Arity = ArgumentArity.OneOrMore };
        var (aet, aec) = AeTitleOptions();
        var command = new Command("send", "Send Part 10 files with C-STORE, each in its own transfer syntax.") { host, port, files, aet, aec };
        command.SetAction(async (parse, cancellationToken) => await RunAsync(async () =>
        {
            var sender = new DicomFileSender(ClientOptions(parse.GetValue(aet)!, parse.GetValue(aec)!), new ConsoleLog(DicomLogLevel.Warning));
            var paths = parse.GetValue(files)!;
            var total = DicomFileSender.ExpandPaths(paths).Count;
            var done = 0;
            var progress = new SynchronousProgress<DicomFileSendResult>(result =>
            {
                done++;
                var outcome = result.Succeeded ? $"stored ({result.Status})" : "FAILED: " + result.Error;
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{done}/{total}] {result.Path}: {outcome}"));
            });
            var watch = Stopwatch.StartNew();
            var results = await sender.SendAsync(parse.GetValue(host)!, parse.GetValue(port), paths, progress, cancellationToken);
            var failed = results.Count(r => !r.Succeeded);
            var seconds = watch.Elapsed.TotalSeconds;
            if (failed > 0)
            {
                throw new DicomNetworkException(string.Create(CultureInfo.InvariantCulture,
                    $"{failed} of {results.Count} files were not stored (first: {results.First(r => !r.Succeeded).Path}: {results.First(r => !r.Succeeded).Error})."));
            }

            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Sent {results.Count} instances in {seconds:0.00} s."));
        }));
        return command;
    }

    private static Command CreateEcho()
    {
        var host = new Argument<string>("host") { Description = "Host name or address of the peer." };
        var port = new Argument<int>("port") { Description = "Its TCP port." };
        var (aet, aec) = AeTitleOptions();
        var command = new Command("echo", "Verify a DICOM peer with C-ECHO.") { host, port, aet, aec };
        command.SetAction(async (parse, cancellationToken) => await RunAsync(async () =>
        {
            var watch = Stopwatch.StartNew();
            var contexts = new[] { new PresentationContextProposal(1, DicomNetworkUids.Verification, [TransferSyntax.ImplicitVRLittleEndian.Uid]) };
            var options = ClientOptions(parse.GetValue(aet)!, parse.GetValue(aec)!);
            await using var association = await DicomClientAssociation.ConnectAsync(parse.GetValue(host)!, parse.GetValue(port), contexts, options, cancellationToken);
            if (association.FindContext(DicomNetworkUids.Verification) is null)
            {
                throw new DicomNetworkException("The peer accepted the association but not the Verification SOP class.");
            }

            var status = await association.EchoAsync(cancellationToken);
            await association.ReleaseAsync(cancellationToken);
            if (!status.IsSuccess)
            {
                throw new DicomNetworkException($"C-ECHO answered {status}.");
            }

            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"C-ECHO to '{options.CalledAeTitle}' at {parse.GetValue(host)}:{parse.GetValue(port)}: success in {watch.Elapsed.TotalMilliseconds:0} ms."));
        }));
        return command;
    }

    private static Action<PosixSignalContext> StopOn(CancellationTokenSource stop) => context =>
    {
        context.Cancel = true;
        stop.Cancel();
    };

    private static (Option<string> Calling, Option<string> Called) AeTitleOptions() =>
    (
        new Option<string>("--aet") { Description = "Our (calling) AE title.", DefaultValueFactory = _ => "MTH_SCU" },
        new Option<string>("--aec") { Description = "The peer's (called) AE title.", DefaultValueFactory = _ => "ANY-SCP" }
    );

    private static DicomClientOptions ClientOptions(string calling, string called) => new() { CallingAeTitle = calling, CalledAeTitle = called };

    /// <summary>Turns every expected failure into one line on stderr and exit code 1.</summary>
    private static async Task<int> RunAsync(Func<Task> action)
    {
        try
        {
            await action();
            return 0;
        }
        catch (Exception ex) when (ex is DicomNetworkException or DicomException or IOException or ArgumentException
            or FormatException or UnauthorizedAccessException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            Console.Error.WriteLine("mth dicom: " + ex.Message);
            return 1;
        }
    }

    /// <summary>Reports on the calling thread, in order (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    /// <summary>Network log lines to stderr, one per event, with a UTC time stamp.</summary>
    private sealed class ConsoleLog(DicomLogLevel minimum) : IDicomNetworkLog
    {
        private readonly Lock _lock = new();

        public void Write(DicomLogLevel level, string message, Exception? exception = null)
        {
            if (level < minimum)
            {
                return;
            }

            lock (_lock)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} {level,-11} {message}"));
            }
        }
    }
}
