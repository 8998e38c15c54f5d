using System.Text.RegularExpressions;

namespace Engula.Kubernetes.Tests;

/// <summary>
/// The facts every part of Engula shares — default ports, the variables that carry peer addresses, the well-known
/// stream and bucket name — are spelled in Engula.Contracts and nowhere else in the product's code, so that they
/// cannot drift apart again. Comments may mention them; code must use the contract.
/// </summary>
public sealed partial class ContractHomeTests
{
    [Fact]
    public void The_default_ports_summary_says_what_DefaultPort_answers()
    {
        string computed = string.Join(", ", EngulaComponents.All.OrderBy(k => k.DefaultPort()).Select(k => $"{k.Name()} {k.DefaultPort()}"));
        Assert.Equal(EngulaComponents.DefaultPortsSummary, computed);
    }

    [Fact]
    public void The_topology_is_kernel_on_journal_and_storage_and_engine_on_kernel()
    {
        Assert.Equal([EngulaComponentKind.Journal, EngulaComponentKind.Storage], EngulaComponentKind.Kernel.Peers());
        Assert.Equal([EngulaComponentKind.Kernel], EngulaComponentKind.Engine.Peers());
        Assert.Empty(EngulaComponentKind.Journal.Peers());
        Assert.Empty(EngulaComponentKind.Storage.Peers());
        Assert.Equal("ENGULA_JOURNAL", EngulaPeerVariables.Address(EngulaComponentKind.Journal));
        Assert.Equal("kernelport", EngulaPeerVariables.OriginalPort(EngulaComponentKind.Kernel));
        Assert.True(EngulaComponents.TryParse("Engine", out var engine));
        Assert.Equal(EngulaComponentKind.Engine, engine);
        Assert.False(EngulaComponents.TryParse("background", out _));
    }

    [Fact]
    public void No_product_code_outside_the_contracts_spells_a_shared_fact()
    {
        string root = RepositoryRoot();
        var offenders = new List<string>();
        foreach (string file in ProductSources(root))
        {
            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                string code = CodeOf(lines[i]);
                if (SharedFact().Match(code) is { Success: true } match)
                {
                    offenders.Add($"{Path.GetRelativePath(root, file)}:{i + 1}: {match.Value}");
                }
            }
        }

        Assert.True(offenders.Count == 0, "use Engula.Contracts instead of spelling these:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void The_recommended_label_keys_are_spelled_only_in_EngulaLabels()
    {
        string root = RepositoryRoot();
        string home = Path.Combine(root, "Engula.Kubernetes", "EngulaLabels.cs");
        Assert.Matches(LabelKey(), File.ReadAllText(home)); // the scan would find one
        var offenders = new List<string>();
        foreach (string file in ProductSources(root).Where(f => f != home))
        {
            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                if (LabelKey().Match(CodeOf(lines[i])) is { Success: true } match)
                {
                    offenders.Add($"{Path.GetRelativePath(root, file)}:{i + 1}: {match.Value}");
                }
            }
        }

        Assert.True(offenders.Count == 0, "use Engula.Kubernetes.EngulaLabels instead of spelling these:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void The_scan_finds_a_spelt_fact_so_that_it_cannot_pass_by_reading_nothing()
    {
        Assert.NotEmpty(ProductSources(RepositoryRoot()));
        Assert.Matches(SharedFact(), CodeOf("env.Add(new() { Name = \"ENGULA_KERNEL\" });"));
        Assert.Matches(SharedFact(), CodeOf("public int KernelPort { get; set; } = 24567;"));
        Assert.Matches(SharedFact(), CodeOf("const string StreamName = \"DEFAULT\";"));
        Assert.DoesNotMatch(SharedFact(), CodeOf("/// <summary>The kernel listens on 24567.</summary>"));
        Assert.DoesNotMatch(SharedFact(), CodeOf("Run(port); // 24567 by default"));
    }

    /// <summary>Default ports as numbers, the peer variables and the original operator's, and the DEFAULT name as strings.</summary>
    [GeneratedRegex("""(?<![\d.])2456[7-9](?!\d)|(?<![\d.])24570(?!\d)|"ENGULA_[A-Z]*"?|"kubecluster"|"(journal|storage|kernel)port"|"DEFAULT"|services__[a-z{}]+__grpc""")]
    private static partial Regex SharedFact();

    /// <summary>An <c>app.kubernetes.io/</c> label key as a C# string.</summary>
    [GeneratedRegex("\"app\\.kubernetes\\.io/[a-z-]+\"")]
    private static partial Regex LabelKey();

    /// <summary>A line without its comment (a whole-line comment, or a trailing <c>//</c> outside a string).</summary>
    private static string CodeOf(string line)
    {
        string trimmed = line.TrimStart();
        if (trimmed.StartsWith("//", StringComparison.Ordinal) || trimmed.StartsWith('*'))
        {
            return "";
        }

        bool inString = false;
        for (int i = 0; i + 1 < line.Length; i++)
        {
            if (line[i] == '"' && (i == 0 || line[i - 1] != '\\'))
            {
                inString = !inString;
            }
            else if (!inString && line[i] == '/' && line[i + 1] == '/')
            {
                return line[..i];
            }
        }

        return line;
    }

    private static List<string> ProductSources(string root) =>
        [.. Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f =>
            {
                string relative = Path.GetRelativePath(root, f).Replace('\\', '/');
                return !relative.StartsWith("tests/", StringComparison.Ordinal)
                    && !relative.StartsWith("Engula.Contracts/", StringComparison.Ordinal)
                    && !relative.StartsWith(".", StringComparison.Ordinal)
                    && !relative.Contains("/obj/", StringComparison.Ordinal)
                    && !relative.Contains("/bin/", StringComparison.Ordinal);
            })];

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Engula.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Engula.sln not found above " + AppContext.BaseDirectory);
    }
}
