using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Engula.Server.Runtime;

/// <summary>
/// The web host every component runs in: Kestrel on the component's address (h2c for gRPC components,
/// HTTP/1.1 for the engine), the optional admin listener, service defaults, unlimited gRPC message sizes
/// (the original Rust server, on tonic, has no limit and the original mem journal sends whole streams in one message) and
/// the <c>grpc.health.v1</c> service.
/// </summary>
public static class EngulaWebHost
{
    /// <summary>
    /// Builds a component that keeps data and dials no peer (journal, storage): ready as soon as it listens, its
    /// store — <typeparamref name="TMemory"/>, or <typeparamref name="TFiles"/> when <paramref name="inFiles"/> — opened
    /// (in file mode: recovered) here, before the returned application listens, so that the first call already sees
    /// everything acknowledged; its service answers every failure with a status (<see cref="StatusMappingInterceptor"/>).
    /// </summary>
    internal static WebApplication BuildStoreComponent<TOptions, TStore, TMemory, TFiles, TService, TMetrics>(
        EngulaComponentKind kind, ServerOptions server, TOptions options, bool inFiles)
        where TOptions : class
        where TStore : class
        where TMemory : class, TStore
        where TFiles : class, TStore
        where TService : class
        where TMetrics : class
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(options);
        var builder = CreateBuilder(kind.Name(), server, HttpProtocols.Http2, new ComponentReadiness(initiallyReady: true));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<TMetrics>();
        AddStore<TStore, TMemory, TFiles>(builder.Services, inFiles);
        AddComponentService<TService>(builder.Services, kind);

        var app = builder.Build();
        _ = app.Services.GetRequiredService<TStore>();
        MapCommonEndpoints(app);
        app.MapGrpcService<TService>();
        return app;
    }

    /// <summary>
    /// Registers a component's store: the in-memory one, or the file one — also as itself, for what reads its
    /// recovery state — as one singleton, so that both registrations share the one instance.
    /// </summary>
    private static void AddStore<TStore, TMemory, TFiles>(IServiceCollection services, bool inFiles)
        where TStore : class
        where TMemory : class, TStore
        where TFiles : class, TStore
    {
        if (inFiles)
        {
            services.AddSingleton<TFiles>();
            services.AddSingleton<TStore>(sp => sp.GetRequiredService<TFiles>());
        }
        else
        {
            services.AddSingleton<TStore, TMemory>();
        }
    }

    /// <summary>gRPC for a component's service, each failure answered with a status that says what happened
    /// (<see cref="StatusMappingInterceptor"/>).</summary>
    private static void AddComponentService<TService>(IServiceCollection services, EngulaComponentKind kind)
        where TService : class =>
        services.AddGrpc().AddServiceOptions<TService>(o => o.Interceptors.Add<StatusMappingInterceptor>(kind.Name()));

    public static WebApplicationBuilder CreateBuilder(string component, ServerOptions options, HttpProtocols protocols, ComponentReadiness readiness)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            // The entry assembly's name: any other name makes the host try to load it as a hosting-startup assembly.
            ApplicationName = typeof(EngulaWebHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });

        // The lowest-precedence defaults (appsettings, env vars and the command line override them): the ASP.NET Core
        // templates' log levels, without which every request and gRPC call is logged twice at Information plus the
        // endpoint lines — log spam and a real cost per put on the engine and per append on the journal — and these.
        builder.AddDefaultSettings(new Dictionary<string, string?>
        {
            // grpc-dotnet logs every failed call at Information with its whole exception: a component waiting for a
            // peer printed a stack trace per retry, next to the one line its own "Waiting for …" log already gives.
            ["Logging:LogLevel:Grpc"] = "Warning",
            // ASP.NET Core's hosting starts an Activity and a logging scope for every request whenever this category
            // is enabled at any level (it checks Critical), even with no tracer listening. Above Information it logs
            // only a failed start, which the host logs too and the CLI prints. Off, the engine spends 3–9 µs less CPU
            // per request: gets/s +9 % and +32 % in two alternating pairs, puts/s +22, −4, +13 % in three.
            ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "None",
        });

        if (options.Configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(options.Configuration);
        }

        // Aspire and the original operator set OTEL_SERVICE_NAME; default to the component name otherwise.
        if (string.IsNullOrEmpty(builder.Configuration["OTEL_SERVICE_NAME"]))
        {
            builder.Configuration["OTEL_SERVICE_NAME"] = component;
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1024;
            foreach (var ip in options.Listen.ResolveBindAddresses())
            {
                kestrel.Listen(ip, options.Listen.Port, o => o.Protocols = protocols);
            }

            if (options.Admin is { } admin)
            {
                foreach (var ip in admin.ResolveBindAddresses())
                {
                    kestrel.Listen(ip, admin.Port, o => o.Protocols = HttpProtocols.Http1);
                }
            }
        });

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.AddServiceDefaults();
        builder.Services.AddSingleton(readiness);
        builder.Services.AddHealthChecks().AddCheck("ready", readiness);
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = null;
            o.MaxSendMessageSize = null;
        });
        builder.Services.AddGrpcHealthChecks();
        return builder;
    }

    /// <summary>Maps the health service and the admin endpoints shared by every component.</summary>
    public static void MapCommonEndpoints(WebApplication app)
    {
        app.MapGrpcHealthChecksService();
        app.MapDefaultEndpoints();
    }
}
