namespace Engula.Operator;

internal static class Program
{
    public static async Task<int> Main(string[] args) => await OperatorCommand.RunAsync(args);
}
