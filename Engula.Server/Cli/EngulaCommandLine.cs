using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using Engula.Server.Engine;
using Engula.Server.Shim;
using Engula.Server.Journal;
using Engula.Server.Kernel;
using Engula.Server.Storage;

namespace Engula.Server.Cli;

/// <summary>
/// The <c>engula</c> command line (README.md): the v0.2 grammar, the original operator's <c>--kube</c> and
/// <c>demo-engine</c> forms, <c>engine run</c>, <c>shim run</c>, <c>health</c> and <c>--version</c>. Options may come
/// before or after the <c>--mem</c>/<c>--file</c> mode. A usage error exits 2 with one line on stderr.
/// </summary>
public static class EngulaCommandLine
{
    public const int UsageError = 2;

    public static string Version { get; } =
        (typeof(EngulaCommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0")
            .Split('+')[0];

    public static async Task<int> InvokeAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = Build();
        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            await stderr.WriteLineAsync("engula: " + result.Errors[0].Message);
            return UsageError;
        }

        // The host's console lifetime handles SIGTERM (stop accepting, drain, flush, exit 0); System.CommandLine
        // must not race it with its own termination timeout.
        try
        {
            return await result.InvokeAsync(new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                ProcessTerminationTimeout = null,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync("engula: " + e.Message);
            return UsageError;
        }
        catch (Kernel.ManifestCorruptedException e)
        {
            await stderr.WriteLineAsync("engula: DATA_LOSS: " + e.Message);
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The environment refused the component something it needs at start: its address (Kestrel's message names
            // it and the reason, e.g. "Failed to bind to address http://…: address already in use.") or its data
            // directory (not a directory, no permission). One line and exit 1, rather than an unhandled exception that
            // aborts the runtime (exit 134, a core dump where dumps are on) after a stack trace.
            await stderr.WriteLineAsync("engula: " + e.Message);
            return 1;
        }
    }

    /// <summary>
    /// Runs a component until it is stopped; exit 0. A stop requested while the component is still starting (SIGTERM
    /// while the engine waits for its kernel, before its port opens) comes out of the host as a cancellation: that is
    /// the same clean stop, not a crash (it used to abort the runtime with exit 134 after a stack trace).
    /// </summary>
    private static async Task<int> RunUntilStoppedAsync(WebApplication app)
    {
        // Taken before the run: RunAsync disposes the host, and with it the lifetime this token comes from.
        var stopping = app.Lifetime.ApplicationStopping;
        try
        {
            await app.RunAsync();
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }

        return 0;
    }

    /// <summary>
    /// Gives <paramref name="run"/> its action: the server <paramref name="build"/> makes from the parsed command line,
    /// run until stopped (<see cref="RunUntilStoppedAsync"/>).
    /// </summary>
    private static Command ServeWith(Command run, Func<ParseResult, WebApplication> build)
    {
        run.SetAction(async (parse, ct) =>
        {
            await using var app = build(parse);
            return await RunUntilStoppedAsync(app);
        });
        return run;
    }

    public static RootCommand Build()
    {
        var root = new RootCommand("Engula v0.2 storage engine components: journal, storage, kernel and engine.");
        foreach (var option in root.Options)
        {
            if (option is VersionOption version)
            {
                version.Action = new PrintVersionAction();
            }
        }

        root.Subcommands.Add(Component("journal", "commands to operate journal", JournalRun()));
        root.Subcommands.Add(Component("storage", "commands to operate storage", StorageRun()));
        root.Subcommands.Add(Component("kernel", "commands to operate kernel", KernelRun()));
        root.Subcommands.Add(Component("engine", "commands to operate the hash engine", EngineRun("run the hash engine with its HTTP API", withKernelFlag: true)));
        root.Subcommands.Add(Component("demo-engine", "the original operator's engine form (kernel from the environment)", EngineRun("run the hash engine with its HTTP API", withKernelFlag: false)));
        root.Subcommands.Add(Component("shim", "DiscoveryShim sidecar", ShimRun()));
        root.Subcommands.Add(HealthCommand());
        return root;
    }

    private static Command Component(string name, string description, Command run)
    {
        var command = new Command(name, description);
        command.Subcommands.Add(run);
        return command;
    }

    private static Argument<string> AddrArgument() => new("ADDR") { Description = "socket address to listen (host:port)" };

    private static Option<string?> AdminOption() => new("--admin") { Description = "address of an HTTP/1.1 listener for /health, /alive and /metrics" };

    private static Option<bool> MemOption() => new("--mem") { Description = "stores data in memory" };

    private static Option<T> OptionWithDefault<T>(string name, T defaultValue, string description) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };

    private static Option<string?> DataDirectoryOption() => new("--file") { Description = "stores data in local files", HelpName = "PATH" };

    private static Command JournalRun()
    {
        var addr = AddrArgument();
        var admin = AdminOption();
        var mem = MemOption();
        var file = DataDirectoryOption();
        var segmentSize = OptionWithDefault<long>("--segment-size", JournalOptions.DefaultSegmentSize, "segment size in bytes, file instance only");
        var run = new Command("run", "run a journal server") { addr, segmentSize, mem, file, admin };
        run.Validators.Add(r => RequireExactlyOneMode(r, mem, file));
        RequirePositive(segmentSize);
        return ServeWith(run, parse =>
        {
            var server = ServerOptionsFrom(parse, addr, admin);
            var options = new JournalOptions { Directory = parse.GetValue(file), SegmentSize = parse.GetValue(segmentSize) };
            return JournalServer.Build(server, options);
        });
    }

    private static Command StorageRun()
    {
        var addr = AddrArgument();
        var admin = AdminOption();
        var mem = MemOption();
        var file = DataDirectoryOption();
        var run = new Command("run", "run a storage server") { addr, mem, file, admin };
        run.Validators.Add(r => RequireExactlyOneMode(r, mem, file));
        return ServeWith(run, parse =>
        {
            var server = ServerOptionsFrom(parse, addr, admin);
            return StorageServer.Build(server, new StorageOptions { Directory = parse.GetValue(file) });
        });
    }

    private static Command KernelRun()
    {
        var addr = AddrArgument();
        var admin = AdminOption();
        var mem = MemOption();
        var file = new Option<string?>("--file") { Description = "stores the manifest in this file (its directory is created if missing)", HelpName = "FILE" };
        var kube = new Option<string?>("--kube") { Description = "like --file, with journal and storage found from the original operator's environment", HelpName = "FILE" };
        var journal = new Option<string?>("--journal") { Description = "address of the journal server" };
        var storage = new Option<string?>("--storage") { Description = "address of the storage server" };
        var run = new Command("run", "run a kernel server") { addr, journal, storage, mem, file, kube, admin };
        run.Validators.Add(r => RequireExactlyOneMode(r, mem, file, kube));
        return ServeWith(run, parse =>
        {
            var server = ServerOptionsFrom(parse, addr, admin);
            var kubeFile = parse.GetValue(kube);
            var options = new KernelOptions
            {
                ManifestFile = kubeFile ?? parse.GetValue(file),
                // --kube: peers come from the environment; placeholder flags (the original passed 0.0.0.0:9999) are ignored.
                JournalFlag = kubeFile is null ? parse.GetValue(journal) : null,
                StorageFlag = kubeFile is null ? parse.GetValue(storage) : null,
            };
            return KernelServer.Build(server, options);
        });
    }

    private static Command EngineRun(string description, bool withKernelFlag)
    {
        var addr = AddrArgument();
        var admin = AdminOption();
        var kernel = new Option<string?>("--kernel") { Description = "address of the kernel server" };
        var maxValue = OptionWithDefault<int>("--max-value-bytes", EngineOptions.DefaultMaxValueBytes, "largest value accepted");
        var flush = OptionWithDefault<long>("--flush-threshold", EngineOptions.DefaultFlushThreshold, "memtable size in bytes that triggers a flush to a table");
        var compactionRatio = OptionWithDefault<double>("--compaction-ratio", CompactionPolicy.DefaultRatio,
            "compact when the tables would exceed this many bytes per live byte (0: never compact)");
        var compactionMin = OptionWithDefault<long>("--compaction-min-bytes", CompactionPolicy.DefaultMinBytes,
            "never compact tables smaller than this in total");
        var writeTimeout = OptionWithDefault<double>("--write-timeout", EngineOptions.DefaultWriteTimeout.TotalSeconds,
            "seconds a put waits for the journal (through a journal restart) before it is answered 503");
        var maxWaitingWrites = OptionWithDefault<int>("--max-waiting-writes", EngineOptions.DefaultMaxWaitingWrites,
            "writes that may wait for the journal at once; past it a put is answered 503 with Retry-After");
        var maxWaitingBytes = OptionWithDefault<long>("--max-waiting-bytes", EngineOptions.DefaultMaxWaitingBytes,
            "bytes of writes that may wait for the journal at once; past it a put is answered 503 with Retry-After");
        var compactionPause = new Option<int>("--compaction-step-pause-ms") { Hidden = true, Description = "fault injection for tests: pause after each compaction step" };
        var run = new Command("run", description) { addr, maxValue, flush, writeTimeout, maxWaitingWrites, maxWaitingBytes, compactionRatio, compactionMin, compactionPause, admin };
        writeTimeout.Validators.Add(r =>
        {
            // TimeSpan.FromSeconds throws past about 29 000 years; a day is more than any request waits.
            if (TryGetNumber<double>(r, out var seconds) && !(seconds > 0 && seconds <= TimeSpan.FromDays(1).TotalSeconds))
            {
                r.AddError("--write-timeout must be a number of seconds above 0 and at most 86400");
            }
        });
        compactionRatio.Validators.Add(r =>
        {
            if (TryGetNumber<double>(r, out var ratio) && !(ratio == 0 || (ratio > 1 && double.IsFinite(ratio))))
            {
                r.AddError("--compaction-ratio must be 0 (off) or a number greater than 1");
            }
        });
        compactionMin.Validators.Add(r =>
        {
            if (TryGetNumber<long>(r, out var min) && min < 0)
            {
                r.AddError("--compaction-min-bytes must not be negative");
            }
        });
        compactionPause.Validators.Add(r =>
        {
            if (TryGetNumber<int>(r, out var pause) && pause < 0)
            {
                r.AddError("--compaction-step-pause-ms must not be negative");
            }
        });
        if (withKernelFlag)
        {
            run.Options.Add(kernel);
        }

        RequirePositive(maxValue);
        RequirePositive(flush);
        RequirePositive(maxWaitingWrites);
        RequirePositive(maxWaitingBytes);
        run.Validators.Add(ValidateAddresses);
        return ServeWith(run, parse =>
        {
            var server = ServerOptionsFrom(parse, addr, admin);
            var options = new EngineOptions
            {
                KernelFlag = withKernelFlag ? parse.GetValue(kernel) : null,
                MaxValueBytes = parse.GetValue(maxValue),
                FlushThreshold = parse.GetValue(flush),
                WriteTimeout = TimeSpan.FromSeconds(parse.GetValue(writeTimeout)),
                MaxWaitingWrites = parse.GetValue(maxWaitingWrites),
                MaxWaitingBytes = parse.GetValue(maxWaitingBytes),
                Compaction = new CompactionPolicy { Ratio = parse.GetValue(compactionRatio), MinBytes = parse.GetValue(compactionMin) },
                CompactionStepPause = TimeSpan.FromMilliseconds(parse.GetValue(compactionPause)),
            };
            return EngineServer.Build(server, options);
        });
    }

    private static Command ShimRun()
    {
        var listen = new Option<string>("--listen") { Description = "loopback address to accept h2c gRPC on", Required = true };
        var target = new Option<string>("--target") { Description = "peer address to forward to (host:port, dns:///host:port, srv:///name or a logical name)", Required = true };
        var admin = AdminOption();
        var run = new Command("run", "run the DiscoveryShim sidecar: an h2c gRPC forwarding proxy") { listen, target, admin };
        run.Validators.Add(r =>
        {
            if (!ListenAddress.TryParse(r.GetValue(listen), out _, out var error))
            {
                r.AddError(error);
            }

            if (!Engula.DiscoveryShim.PeerAddress.TryParse(r.GetValue(target), out _, out var targetError))
            {
                r.AddError(targetError);
            }
        });
        return ServeWith(run, parse =>
        {
            var server = new ServerOptions { Listen = ListenAddress.Parse(parse.GetValue(listen)!), Admin = ParseOptionalAddress(parse.GetValue(admin)) };
            return ShimServer.Build(server, parse.GetValue(target)!);
        });
    }

    private static Command HealthCommand()
    {
        var addr = new Argument<string>("ADDR") { Description = "address of a gRPC server (host:port, dns:///host:port, srv:///name or a logical name)" };
        var timeout = OptionWithDefault<double>("--timeout", 5, "seconds to wait for an answer");
        var command = new Command("health", "exit 0 if the grpc.health.v1 service at ADDR reports SERVING") { addr, timeout };
        command.Validators.Add(r =>
        {
            if (!Engula.DiscoveryShim.PeerAddress.TryParse(r.GetValue(addr), out _, out var error))
            {
                r.AddError(error);
            }
        });
        command.SetAction(async (parse, ct) =>
            await HealthProbe.RunAsync(parse.GetValue(addr)!, TimeSpan.FromSeconds(parse.GetValue(timeout)), parse.InvocationConfiguration.Output, ct));
        return command;
    }

    private static void RequireExactlyOneMode(System.CommandLine.Parsing.CommandResult result, Option<bool> mem, params Option<string?>[] files)
    {
        var count = (result.GetValue(mem) ? 1 : 0) + files.Count(f => result.GetResult(f) is not null);
        var names = string.Join(" | ", new[] { mem.Name }.Concat(files.Select(f => f.Name + " <PATH>")));
        if (count != 1)
        {
            result.AddError($"exactly one storage mode is required: {names}");
        }

        ValidateAddresses(result);
    }

    // Option validators run only when the option is given, so defaults need no check.
    private static void RequirePositive<T>(Option<T> option) where T : struct, System.Numerics.INumber<T>
    {
        option.Validators.Add(r =>
        {
            if (TryGetNumber<T>(r, out var value) && value <= T.Zero)
            {
                r.AddError($"{option.Name} must be positive");
            }
        });
    }

    /// <summary>
    /// The option's number when it was given and parses. A validator must not call GetValueOrDefault on a token that
    /// does not parse (it throws); the parser reports that token as an error of its own.
    /// </summary>
    private static bool TryGetNumber<T>(System.CommandLine.Parsing.OptionResult result, out T value) where T : struct, System.Numerics.INumber<T>
    {
        value = default;
        return result.Tokens.Count > 0 && T.TryParse(result.Tokens[^1].Value, System.Globalization.CultureInfo.InvariantCulture, out value);
    }

    private static void ValidateAddresses(System.CommandLine.Parsing.CommandResult result)
    {
        var listen = result.Command.Arguments.OfType<Argument<string>>().FirstOrDefault();
        if (listen is not null && !ListenAddress.TryParse(result.GetValue(listen), out _, out var error))
        {
            result.AddError(error);
        }

        var admin = result.Command.Options.OfType<Option<string?>>().FirstOrDefault(o => o.Name == "--admin");
        if (admin is not null && result.GetValue(admin) is { } adminText && !ListenAddress.TryParse(adminText, out _, out var adminError))
        {
            result.AddError("--admin: " + adminError);
        }
    }

    private static ServerOptions ServerOptionsFrom(ParseResult parse, Argument<string> addr, Option<string?> admin) => new()
    {
        Listen = ListenAddress.Parse(parse.GetValue(addr)!),
        Admin = ParseOptionalAddress(parse.GetValue(admin)),
    };

    private static ListenAddress? ParseOptionalAddress(string? text) => text is null ? null : ListenAddress.Parse(text);

    private sealed class PrintVersionAction : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine($"engula {Version}");
            return 0;
        }
    }
}
