using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Engula.Faults.Bench;
using Engula.Tests.Shared.Processes;

// The fault matrix (docs/benchmarks.md, "Faults"): four engula processes in file mode on loopback, CLIENTS closed-loop clients
// each alternating a put of one of its own keys and a get of a key it wrote, and for each victim (journal, storage,
// kernel, engine) and fault (SIGKILL then restart after 2 s; SIGSTOP for 3 s then SIGCONT) TRIALS trials. Every put's
// answer is counted by outcome; after each victim/fault group everything is SIGKILLed and restarted and every key is
// read back: a key must hold its last acknowledged value or a value whose put's outcome was left open (never lost, and
// never the value of a put answered "not applied").
//
// Usage: dotnet Engula.Faults.Bench.dll [--trials 10] [--clients 8] [--victims journal,storage,kernel,engine]
//        [--faults kill,stop] [--csv FILE]
var trials = 10;
var clients = 8;
string[] victims = ["journal", "storage", "kernel", "engine"];
string[] faults = ["kill", "stop"];
string? csvPath = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--trials": trials = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--clients": clients = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--victims": victims = args[++i].Split(','); break;
        case "--faults": faults = args[++i].Split(','); break;
        case "--csv": csvPath = args[++i]; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}

var killOutage = TimeSpan.FromSeconds(2);
var stopOutage = TimeSpan.FromSeconds(3);
var steady = TimeSpan.FromSeconds(1);
var work = Directory.CreateTempSubdirectory("engula-faults-");
using var cluster = new Cluster(Path.Combine(AppContext.BaseDirectory, "engula.dll"), work.FullName);
var rows = new List<Row>();
try
{
    await cluster.StartAllAsync();
    var ledger = new Ledger();
    var keyRound = 0;
    foreach (var victim in victims)
    {
        foreach (var fault in faults)
        {
            var row = new Row(victim, fault);
            using (var load = new Load(cluster.EngineUrl, ledger, clients, $"r{keyRound++}"))
            {
                await load.WaitForSuccessAfterAsync(Stopwatch.GetTimestamp(), TimeSpan.FromSeconds(60));
                for (var trial = 0; trial < trials; trial++)
                {
                    await Task.Delay(steady); // steady load between faults
                    var before = load.Snapshot();
                    var faultAt = Stopwatch.GetTimestamp();
                    load.StartGapWatch(faultAt);
                    long backAt;
                    if (fault == "kill")
                    {
                        cluster[victim].Kill();
                        await Task.Delay(killOutage);
                        cluster[victim].Start();
                        backAt = await cluster[victim].WaitAcceptingAsync(TimeSpan.FromSeconds(60));
                    }
                    else
                    {
                        cluster[victim].Signal("STOP");
                        await Task.Delay(stopOutage);
                        cluster[victim].Signal("CONT");
                        backAt = Stopwatch.GetTimestamp();
                    }

                    var firstOk = await load.WaitForSuccessAfterAsync(backAt, TimeSpan.FromSeconds(60));
                    await Task.Delay(steady); // let the answers of puts that waited through the fault come in
                    row.Add(load.Snapshot() - before, Stopwatch.GetElapsedTime(backAt, firstOk), load.LongestGap);
                }

                await load.StopAsync();
            }

            (row.Lost, row.NotAppliedSeen, row.KeysChecked) = await cluster.RestartAllAndCheckAsync(ledger);
            rows.Add(row);
            Console.Error.WriteLine($"{victim} {fault}: {row.Totals} lost={row.Lost}");
        }
    }
}
catch (Exception e)
{
    Console.Error.WriteLine($"fault matrix failed: {e.Message}\nlogs in {work.FullName}");
    throw;
}

var table = new StringBuilder();
table.AppendLine(CultureInfo.InvariantCulture, $"Fault matrix: {trials} trials per row, {clients} clients (each a put then a get, closed loop), file mode, write timeout 10 s. Kill: SIGKILL, restart 2 s later; stop: SIGSTOP for 3 s, then SIGCONT.");
table.AppendLine();
table.AppendLine("| victim | fault | puts 200 | 503 not applied | 503 outcome unknown | other failures | connection errors | gets failed | lost | 'not applied' seen | first put after back p50 / p99 | longest time without an acknowledged put, p50 / p99 |");
table.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
foreach (var row in rows)
{
    table.AppendLine(row.Markdown());
}

Console.Write(table);
if (csvPath is not null)
{
    await File.WriteAllLinesAsync(csvPath, ["victim,fault,trial,puts_ok,not_applied,outcome_unknown,other,connection_errors,gets_failed,first_put_after_back_ms,longest_gap_ms",
        .. rows.SelectMany(r => r.Csv())]);
}

work.Delete(recursive: true);
return rows.Any(r => r.Lost > 0 || r.NotAppliedSeen > 0) ? 1 : 0;

namespace Engula.Faults.Bench
{
    /// <summary>Journal, storage, kernel and engine as child processes in file mode on one data directory.</summary>
    internal sealed class Cluster : IDisposable
    {
        private readonly Dictionary<string, Component> _components = [];

        public Cluster(string engulaDll, string directory)
        {
            var journal = Loopback();
            var storage = Loopback();
            var kernel = Loopback();
            var engine = Loopback();
            Add(new Component(engulaDll, "journal", journal, ["journal", "run", Address(journal), "--file", Path.Combine(directory, "journal")]));
            Add(new Component(engulaDll, "storage", storage, ["storage", "run", Address(storage), "--file", Path.Combine(directory, "storage")]));
            Add(new Component(engulaDll, "kernel", kernel, ["kernel", "run", Address(kernel), "--journal", Address(journal), "--storage", Address(storage),
                "--file", Path.Combine(directory, "kernel", "manifest")]));
            Add(new Component(engulaDll, "engine", engine, ["engine", "run", Address(engine), "--kernel", Address(kernel)]));
            EngineUrl = new Uri($"http://{Address(engine)}");
        }

        public Uri EngineUrl { get; }

        public Component this[string name] => _components[name];

        public async Task StartAllAsync()
        {
            foreach (var component in _components.Values)
            {
                component.Start();
            }

            using var http = new HttpClient { BaseAddress = EngineUrl, Timeout = TimeSpan.FromSeconds(2) };
            await Engula.Tests.Shared.Polling.Poll.UntilAsync("the engine answers /health", async ct =>
            {
                try
                {
                    var status = (await http.GetAsync("/health", ct)).StatusCode;
                    return (status == HttpStatusCode.OK, status.ToString());
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return (false, e.Message);
                }
            }, TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(50), CancellationToken.None);
        }

        /// <summary>SIGKILLs everything, starts it again and reads every key back.</summary>
        public async Task<(int Lost, int NotAppliedSeen, int Keys)> RestartAllAndCheckAsync(Ledger ledger)
        {
            foreach (var component in _components.Values)
            {
                component.Kill();
            }

            await StartAllAsync();
            using var http = new HttpClient { BaseAddress = EngineUrl, Timeout = TimeSpan.FromSeconds(30) };
            var lost = 0;
            var notAppliedSeen = 0;
            var keys = 0;
            foreach (var (key, expectation) in ledger.Keys)
            {
                keys++;
                var response = await http.GetAsync($"/get?key={Uri.EscapeDataString(key)}");
                var value = response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync() : null;
                switch (expectation.Judge(value))
                {
                    case Verdict.Lost:
                        lost++;
                        Console.Error.WriteLine($"LOST {key}: read {value ?? "(none)"}, {expectation}");
                        break;
                    case Verdict.NotAppliedSeen:
                        notAppliedSeen++;
                        Console.Error.WriteLine($"NOT APPLIED BUT PRESENT {key}: read {value}, {expectation}");
                        break;
                }
            }

            return (lost, notAppliedSeen, keys);
        }

        public void Dispose()
        {
            foreach (var component in _components.Values)
            {
                component.Dispose();
            }
        }

        private void Add(Component component) => _components[component.Name] = component;

        private static IPEndPoint Loopback()
        {
            using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return (IPEndPoint)listener.LocalEndpoint;
        }

        private static string Address(IPEndPoint endpoint) => $"127.0.0.1:{endpoint.Port}";
    }

    /// <summary>One engula process that can be killed, stopped and started again with the same arguments.</summary>
    internal sealed class Component(string engulaDll, string name, IPEndPoint endpoint, string[] arguments) : IDisposable
    {
        private EngulaChildProcess? _process;

        public string Name { get; } = name;

        public void Start()
        {
            _process?.Dispose();
            _process = EngulaChildProcess.Start(engulaDll, arguments);
        }

        public void Kill() => _process?.Kill();

        public void Signal(string signal) => _process!.Signal(signal);

        /// <summary>The <see cref="Stopwatch"/> timestamp at which the restarted process first accepted a connection.</summary>
        public Task<long> WaitAcceptingAsync(TimeSpan timeout) =>
            EngulaChildProcess.WaitAcceptingAsync(IPAddress.Loopback, endpoint.Port, timeout, TimeSpan.FromMilliseconds(10), CancellationToken.None);

        public void Dispose() => _process?.Dispose();
    }

    internal enum Verdict
    {
        Ok,
        Lost,
        NotAppliedSeen,
    }

    /// <summary>What each key may hold: its last acknowledged value, or a value whose put was left open since.</summary>
    internal sealed class Ledger
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Expectation> _keys = new(StringComparer.Ordinal);

        public IEnumerable<KeyValuePair<string, Expectation>> Keys => _keys;

        public Expectation For(string key) => _keys.GetOrAdd(key, _ => new Expectation());
    }

    /// <summary>One key's history as its single writer saw it.</summary>
    internal sealed class Expectation
    {
        private readonly Lock _gate = new();
        private readonly List<string> _open = [];
        private readonly List<string> _notApplied = [];
        private string? _acknowledged;

        public void Acknowledged(string value)
        {
            lock (_gate)
            {
                _acknowledged = value;
                _open.Clear();
            }
        }

        /// <summary>A put answered "outcome unknown", or cut off by a connection error: it may or may not be applied.</summary>
        public void Open(string value)
        {
            lock (_gate)
            {
                _open.Add(value);
            }
        }

        public void NotApplied(string value)
        {
            lock (_gate)
            {
                _notApplied.Add(value);
            }
        }

        public Verdict Judge(string? read)
        {
            lock (_gate)
            {
                if (read is not null && _notApplied.Contains(read))
                {
                    return Verdict.NotAppliedSeen;
                }

                return read == _acknowledged || (read is not null && _open.Contains(read)) ? Verdict.Ok : Verdict.Lost;
            }
        }

        public override string ToString()
        {
            lock (_gate)
            {
                return $"acknowledged {_acknowledged ?? "(none)"}, open [{string.Join(", ", _open)}]";
            }
        }
    }

    internal readonly record struct Counts(long PutsOk, long NotApplied, long OutcomeUnknown, long Other, long ConnectionErrors, long GetsFailed)
    {
        public static Counts operator -(Counts a, Counts b) => new(a.PutsOk - b.PutsOk, a.NotApplied - b.NotApplied,
            a.OutcomeUnknown - b.OutcomeUnknown, a.Other - b.Other, a.ConnectionErrors - b.ConnectionErrors, a.GetsFailed - b.GetsFailed);

        public static Counts operator +(Counts a, Counts b) => new(a.PutsOk + b.PutsOk, a.NotApplied + b.NotApplied,
            a.OutcomeUnknown + b.OutcomeUnknown, a.Other + b.Other, a.ConnectionErrors + b.ConnectionErrors, a.GetsFailed + b.GetsFailed);
    }

    /// <summary>Closed-loop clients: each puts one of its own keys, then gets a key it wrote, until stopped.</summary>
    internal sealed class Load : IDisposable
    {
        private const int KeysPerClient = 500;

        private readonly HttpClient _http;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task[] _clients;
        private readonly Lock _gate = new();
        private readonly List<(long After, TaskCompletionSource<long> Seen)> _waiters = [];
        private long _putsOk, _notApplied, _outcomeUnknown, _other, _connectionErrors, _getsFailed;
        private long _gapFrom, _lastSuccess, _longestGap;

        /// <summary>The longest time without any acknowledged put since <see cref="StartGapWatch"/>.</summary>
        public TimeSpan LongestGap
        {
            get
            {
                lock (_gate)
                {
                    return Stopwatch.GetElapsedTime(0, _longestGap);
                }
            }
        }

        /// <summary>Starts measuring the longest time without an acknowledged put, from <paramref name="from"/>.</summary>
        public void StartGapWatch(long from)
        {
            lock (_gate)
            {
                _gapFrom = from;
                _lastSuccess = from;
                _longestGap = 0;
            }
        }

        public Load(Uri engine, Ledger ledger, int clients, string round)
        {
            _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients * 2 }) { BaseAddress = engine, Timeout = TimeSpan.FromSeconds(30) };
            _clients = Enumerable.Range(0, clients).Select(c => Task.Run(() => RunClientAsync(ledger, $"{round}-c{c}"))).ToArray();
        }

        public Counts Snapshot() => new(Interlocked.Read(ref _putsOk), Interlocked.Read(ref _notApplied), Interlocked.Read(ref _outcomeUnknown),
            Interlocked.Read(ref _other), Interlocked.Read(ref _connectionErrors), Interlocked.Read(ref _getsFailed));

        /// <summary>The timestamp of the first put acknowledged at or after <paramref name="after"/>.</summary>
        public async Task<long> WaitForSuccessAfterAsync(long after, TimeSpan timeout)
        {
            var seen = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                _waiters.Add((after, seen));
            }

            return await seen.Task.WaitAsync(timeout);
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_clients);
        }

        public void Dispose()
        {
            _stop.Cancel();
            _http.Dispose();
            _stop.Dispose();
        }

        private async Task RunClientAsync(Ledger ledger, string prefix)
        {
            for (long i = 0; !_stop.IsCancellationRequested; i++)
            {
                var key = $"{prefix}-k{i % KeysPerClient}";
                var value = $"{prefix}-v{i}";
                var expectation = ledger.For(key);
                try
                {
                    using var response = await _http.GetAsync($"/put?key={key}&value={value}", _stop.Token);
                    var body = await response.Content.ReadAsStringAsync(_stop.Token);
                    var now = Stopwatch.GetTimestamp();
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        expectation.Acknowledged(value);
                        Interlocked.Increment(ref _putsOk);
                        Succeeded(now);
                    }
                    else if (body.StartsWith("not applied", StringComparison.Ordinal))
                    {
                        expectation.NotApplied(value);
                        Interlocked.Increment(ref _notApplied);
                    }
                    else if (body.StartsWith("outcome unknown", StringComparison.Ordinal))
                    {
                        expectation.Open(value);
                        Interlocked.Increment(ref _outcomeUnknown);
                    }
                    else
                    {
                        expectation.Open(value);
                        Interlocked.Increment(ref _other);
                    }

                    using var get = await _http.GetAsync($"/get?key={prefix}-k{i / 2 % KeysPerClient}", _stop.Token);
                    if (get.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.NotFound))
                    {
                        Interlocked.Increment(ref _getsFailed);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    if (_stop.IsCancellationRequested)
                    {
                        expectation.Open(value);
                        return;
                    }

                    // The engine is down (its own restart): the put may have reached it; back off briefly.
                    expectation.Open(value);
                    Interlocked.Increment(ref _connectionErrors);
                    await Task.Delay(20, CancellationToken.None);
                }
            }
        }

        private void Succeeded(long now)
        {
            lock (_gate)
            {
                if (_gapFrom != 0 && now > _lastSuccess)
                {
                    _longestGap = Math.Max(_longestGap, now - _lastSuccess);
                    _lastSuccess = now;
                }

                for (var i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (now >= _waiters[i].After)
                    {
                        _waiters[i].Seen.TrySetResult(now);
                        _waiters.RemoveAt(i);
                    }
                }
            }
        }
    }

    /// <summary>One victim/fault row of the matrix.</summary>
    internal sealed class Row(string victim, string fault)
    {
        private readonly List<(Counts Counts, TimeSpan FirstPut, TimeSpan LongestGap)> _trials = [];

        public int Lost { get; set; }

        public int NotAppliedSeen { get; set; }

        public int KeysChecked { get; set; }

        public Counts Totals => _trials.Aggregate(default(Counts), (sum, t) => sum + t.Counts);

        public void Add(Counts counts, TimeSpan firstPut, TimeSpan longestGap) => _trials.Add((counts, firstPut, longestGap));

        public string Markdown()
        {
            var t = Totals;
            var firstPut = _trials.Select(x => x.FirstPut.TotalMilliseconds).Order().ToList();
            var gaps = _trials.Select(x => x.LongestGap.TotalMilliseconds).Order().ToList();
            return string.Create(CultureInfo.InvariantCulture,
                $"| {victim} | {fault} | {t.PutsOk} | {t.NotApplied} | {t.OutcomeUnknown} | {t.Other} | {t.ConnectionErrors} | {t.GetsFailed} | {Lost} of {KeysChecked} keys | {NotAppliedSeen} | {Percentile(firstPut, 50):F0} / {Percentile(firstPut, 99):F0} ms | {Percentile(gaps, 50):F0} / {Percentile(gaps, 99):F0} ms |");
        }

        public IEnumerable<string> Csv() => _trials.Select((x, i) => string.Create(CultureInfo.InvariantCulture,
            $"{victim},{fault},{i + 1},{x.Counts.PutsOk},{x.Counts.NotApplied},{x.Counts.OutcomeUnknown},{x.Counts.Other},{x.Counts.ConnectionErrors},{x.Counts.GetsFailed},{x.FirstPut.TotalMilliseconds:F1},{x.LongestGap.TotalMilliseconds:F1}"));

        /// <summary>Nearest-rank percentile of sorted values.</summary>
        private static double Percentile(List<double> sorted, int p) =>
            sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
