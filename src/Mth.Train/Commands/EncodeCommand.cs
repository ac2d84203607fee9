using System.CommandLine;
using Mth.Encoding.Codes;
using Mth.Encoding.Images;
using Mth.Train.Data;
using Mth.Train.Evaluation;

namespace Mth.Train.Commands;

/// <summary>
/// <c>mth train encode --model M --data D --out codes.csv</c>: one row per image,
/// <c>path,label,code</c>, the code in hex with the project's bit convention, so that anyone can
/// recompute the retrieval figures with their own tools.
/// </summary>
internal static class EncodeCommand
{
    public static Command Create()
    {
        var model = EvaluateCommand.ModelOption();
        var data = new Option<string>("--data") { Description = "Data source: folder, file.npz[#parts], labels .csv or split.json#part", Required = true };
        var csvPath = new Option<string>("--out") { Description = "CSV file to write (path,label,code)", Required = true };
        var provider = EvaluateCommand.ExecutionProviderOption();
        var batch = new Option<int>("--batch") { Description = "Images per ONNX Runtime call", DefaultValueFactory = _ => 32 };
        var command = new Command("encode", "Write the code of every image of a data source as hex in a CSV.") { model, data, csvPath, provider, batch };
        command.SetAction((result, cancellationToken) => CommandErrors.RunAsync(result, async () =>
        {
            var output = result.InvocationConfiguration.Output;
            using var coder = await EvaluateCommand.OpenCoderAsync(result.GetValue(model)!, result.GetValue(provider), result.GetValue(batch), output, cancellationToken);
            var set = await DataSources.OpenSetAsync(result.GetValue(data)!, ImageDecoderChain.Default, cancellationToken);
            output.WriteLine($"data: {set.Description}");
            var codes = await coder.EncodeAsync(set, output, cancellationToken);
            var path = result.GetValue(csvPath)!;
            await WriteCsvAsync(path, set, codes, cancellationToken);
            output.WriteLine($"wrote {set.Count} codes to {path}");
            return 0;
        }));
        return command;
    }

    /// <summary>Writes through a temporary file so that a cancelled run leaves no half CSV.</summary>
    internal static async Task WriteCsvAsync(string path, ImageSet set, CodeSet codes, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var temporary = path + ".tmp";
        await using (var writer = new StreamWriter(temporary))
        {
            await writer.WriteLineAsync("path,label,code");
            for (var i = 0; i < set.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await writer.WriteLineAsync($"{ReportWriter.Csv(set.Key(i))},{ReportWriter.Csv(set.ClassNames[set.Label(i)])},{HashCodes.ToHex(codes.GetBytes(i))}");
            }
        }

        File.Move(temporary, path, overwrite: true);
    }
}
