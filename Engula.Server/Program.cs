using Engula.Server.Cli;

return await EngulaCommandLine.InvokeAsync(args, Console.Out, Console.Error);
