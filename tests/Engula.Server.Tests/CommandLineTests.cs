using Engula.Server.Cli;

namespace Engula.Server.Tests;

public sealed class CommandLineTests
{
    [Theory]
    [InlineData("journal", "run", "127.0.0.1:1")]
    [InlineData("journal", "run", "nonsense", "--mem")]
    [InlineData("journal", "run", "127.0.0.1:1", "--mem", "--file", "/tmp/x")]
    [InlineData("kernel", "run", "127.0.0.1:1", "--mem", "--kube", "/tmp/x")]
    [InlineData("storage", "run", "127.0.0.1:1", "--file")]
    [InlineData("journal", "run", "127.0.0.1:1", "--mem", "--segment-size", "0")]
    [InlineData("no-such-command")]
    [InlineData("engine", "run", "127.0.0.1:99999")]
    [InlineData("engine", "run", "127.0.0.1:1", "--kernel", "127.0.0.1:2", "--compaction-ratio", "1")]
    [InlineData("engine", "run", "127.0.0.1:1", "--kernel", "127.0.0.1:2", "--compaction-ratio", "-2")]
    [InlineData("engine", "run", "127.0.0.1:1", "--kernel", "127.0.0.1:2", "--compaction-ratio", "NaN")]
    [InlineData("engine", "run", "127.0.0.1:1", "--kernel", "127.0.0.1:2", "--compaction-ratio", "lots")]
    [InlineData("engine", "run", "127.0.0.1:1", "--kernel", "127.0.0.1:2", "--compaction-min-bytes", "-1")]
    [InlineData("engine", "run", "127.0.0.1:1", "--kernel", "127.0.0.1:2", "--flush-threshold", "big")]
    [InlineData("journal", "run", "127.0.0.1:1", "--mem", "--segment-size", "huge")]
    public async Task Usage_errors_exit_2_with_one_line_on_stderr(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = await EngulaCommandLine.InvokeAsync(args, stdout, stderr);

        Assert.Equal(EngulaCommandLine.UsageError, code);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("engula: ", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_address_already_in_use_exits_1_with_the_reason_instead_of_aborting()
    {
        using var occupant = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((System.Net.IPEndPoint)occupant.LocalEndpoint).Port;
        var stderr = new StringWriter();

        var code = await EngulaCommandLine.InvokeAsync(["journal", "run", $"127.0.0.1:{port}", "--mem"], new StringWriter(), stderr);

        Assert.Equal(1, code);
        var last = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.StartsWith("engula: ", last, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", last, StringComparison.Ordinal);
        Assert.Contains("address already in use", last, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("journal")]
    [InlineData("storage")]
    public async Task A_data_directory_that_is_a_file_exits_1_with_the_path_instead_of_aborting(string component)
    {
        var file = Path.GetTempFileName();
        try
        {
            var stderr = new StringWriter();

            var code = await EngulaCommandLine.InvokeAsync([component, "run", "127.0.0.1:0", "--file", file], new StringWriter(), stderr);

            Assert.Equal(1, code);
            var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.StartsWith("engula: ", lines[0], StringComparison.Ordinal);
            Assert.Contains(file, lines[0], StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Version_prints_one_line()
    {
        var stdout = new StringWriter();

        var code = await EngulaCommandLine.InvokeAsync(["--version"], stdout, new StringWriter());

        Assert.Equal(0, code);
        Assert.Equal($"engula {EngulaCommandLine.Version}{Environment.NewLine}", stdout.ToString());
        Assert.Matches(@"^\d+\.\d+\.\d+", EngulaCommandLine.Version);
    }

    [Theory]
    [InlineData("journal", "run", "127.0.0.1:1", "--mem")]
    [InlineData("journal", "run", "--segment-size", "1024", "127.0.0.1:1", "--file", "/tmp/j")]
    [InlineData("journal", "run", "127.0.0.1:1", "--file", "/tmp/j", "--segment-size", "1024")]
    [InlineData("kernel", "run", "0.0.0.0:24567", "--journal", "0.0.0.0:9999", "--storage", "0.0.0.0:9999", "--kube", "/data/kernel")]
    [InlineData("kernel", "run", "[::1]:24567", "--mem", "--journal", "dns:///journal:24570", "--storage", "srv:///_grpc._tcp.storage")]
    [InlineData("demo-engine", "run", "0.0.0.0:24568")]
    [InlineData("engine", "run", "localhost:24568", "--kernel", "kernel", "--admin", "127.0.0.1:25568")]
    [InlineData("engine", "run", "localhost:24568", "--kernel", "kernel", "--compaction-ratio", "0", "--compaction-min-bytes", "0")]
    [InlineData("engine", "run", "localhost:24568", "--kernel", "kernel", "--compaction-ratio", "2.5")]
    [InlineData("shim", "run", "--listen", "127.0.0.1:1", "--target", "dns:///journal:24570")]
    public void Original_and_new_forms_parse(params string[] args)
    {
        var result = EngulaCommandLine.Build().Parse(args);

        Assert.Empty(result.Errors);
    }
}
