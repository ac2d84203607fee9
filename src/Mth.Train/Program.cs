using System.CommandLine;
using Mth.Train.Commands;

// `./mth train …`: the trainer's commands. Each concern adds its own command here.
var root = new RootCommand("MTH Search trainer: Multi-scale Triplet Hashing with TorchSharp, retrieval evaluation, ONNX release.")
{
    FitCommand.Create(),
    EvaluateCommand.Create(),
    EncodeCommand.Create(),
    PublishCommand.Create(),
    BaselineCommand.Create(),
    PlotPrecisionRecallCommand.Create(),
};
foreach (var command in BenchCommand.Create()) root.Subcommands.Add(command);

return await root.Parse(args).InvokeAsync();
