using System.CommandLine;
using Mth.Cli.Commands;

// The project's command-line front door (./mth). Each concern adds its own command group.
var root = new RootCommand("MTH Search: similar-case retrieval for medical images.")
{
    DicomCommand.Create(),
};

return await root.Parse(args).InvokeAsync();
