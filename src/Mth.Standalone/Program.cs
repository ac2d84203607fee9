using Mth.Standalone;

// `./mth run` and `./mth reindex` (docs/standalone.md).
StandaloneArguments arguments;
try
{
    arguments = StandaloneArguments.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"mth: {e.Message}\n\n{StandaloneArguments.Usage}");
    return 2;
}

return arguments.Command switch
{
    StandaloneCommand.Help => await HelpAsync(),
    StandaloneCommand.Reindex => await ReindexCommand.RunAsync(arguments, Console.Error),
    _ => await StandaloneHost.RunAsync(arguments, Console.Error),
};

static async Task<int> HelpAsync()
{
    await Console.Out.WriteLineAsync(StandaloneArguments.Usage);
    return 0;
}
