using System.CommandLine;
using System.Globalization;
using Mth.Dicom;
using Mth.Dicom.Imaging;
using Mth.Dicom.IO;
using Mth.Dicom.Json;
using Mth.Imaging;

namespace Mth.Cli.Commands;

/// <summary><c>mth dicom dump|render</c>: Part 10 files.</summary>
internal static class DicomFileCommands
{
    public static void AddTo(Command dicom)
    {
        ArgumentNullException.ThrowIfNull(dicom);
        dicom.Subcommands.Add(Dump());
        dicom.Subcommands.Add(Render());
    }

    private static Command Dump()
    {
        var file = new Argument<FileInfo>("file") { Description = "A DICOM Part 10 file or bare data set." };
        var inlineLimit = new Option<long>("--inline-limit")
        {
            Description = "Binary values longer than this many bytes are written as a BulkDataURI (file path and byte range) instead of InlineBinary.",
            DefaultValueFactory = _ => 64 * 1024,
        };
        var command = new Command("dump", "Print the data set as JSON in the DICOM JSON model (PS3.18 F).") { file, inlineLimit };
        command.SetAction(parse => Run(() =>
        {
            var path = parse.GetValue(file)!.FullName;
            using var dicom = DicomFile.Open(path);
            var options = new DicomJsonOptions
            {
                InlineBinaryThreshold = parse.GetValue(inlineLimit),
                BulkDataUri = (tag, _) => new Uri(path).AbsoluteUri + "#" + tag.ToJsonKey(),
            };
            using var output = Console.OpenStandardOutput();
            DicomJsonWriter.Write(output, dicom.DataSet, options);
            output.Write("\n"u8);
        }));
        return command;
    }

    private static Command Render()
    {
        var file = new Argument<FileInfo>("file") { Description = "A DICOM image file." };
        var size = new Option<int>("--size") { Description = "Output width and height in pixels (the image is resized to size x size).", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "PNG file to write.", Required = true };
        var frame = new Option<int?>("--frame") { Description = "Frame number from 1 (default: the middle frame)." };
        var window = new Option<string?>("--window") { Description = "VOI: 'N' for the file's N-th window (from 1), 'C/W' for an explicit centre and width." };
        var voi = new Option<string?>("--voi") { Description = "VOI: 'lut:N' for the N-th VOI LUT, 'minmax', or 'full' (no VOI). Default: the first window, else the first VOI LUT, else minmax." };
        var command = new Command("render", "Render one frame of a DICOM image to a PNG of size x size.") { file, size, output, frame, window, voi };
        command.SetAction(parse => Run(() =>
        {
            var options = new DicomRenderOptions
            {
                Frame = parse.GetValue(frame) is { } number ? number - 1 : null,
                Voi = ParseVoi(parse.GetValue(window), parse.GetValue(voi)),
            };
            var side = parse.GetValue(size);
            if (side <= 0)
            {
                throw new ArgumentException("--size must be a positive number of pixels.");
            }

            using var dicom = DicomFile.Open(parse.GetValue(file)!.FullName);
            var rendered = DicomImageRenderer.Render(dicom, options);
            var image = ImageResampler.Resize(rendered.Image, side, side);
            PngEncoder.Write(parse.GetValue(output)!.FullName, image);
        }));
        return command;
    }

    private static DicomVoiSelection ParseVoi(string? window, string? voi)
    {
        if (window is not null && voi is not null)
        {
            throw new ArgumentException("Give either --window or --voi, not both.");
        }

        if (window is not null)
        {
            var parts = window.Split('/');
            if (parts.Length == 2 && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var center)
                && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var width))
            {
                return DicomVoiSelection.Explicit(center, width);
            }

            return int.TryParse(window, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index >= 1
                ? DicomVoiSelection.Window(index - 1)
                : throw new ArgumentException($"--window '{window}' is neither a window number (from 1) nor CENTRE/WIDTH.");
        }

        return voi switch
        {
            null => DicomVoiSelection.Default,
            "minmax" => DicomVoiSelection.MinMax,
            "full" => DicomVoiSelection.FullRange,
            _ when voi.StartsWith("lut:", StringComparison.Ordinal) && int.TryParse(voi[4..], NumberStyles.None, CultureInfo.InvariantCulture, out var lut) && lut >= 1
                => DicomVoiSelection.Lut(lut - 1),
            _ => throw new ArgumentException($"--voi '{voi}' is not one of lut:N, minmax, full."),
        };
    }

    /// <summary>Runs a command body: one clear message on standard error and a non-zero exit code on failure.</summary>
    private static int Run(Action body)
    {
        try
        {
            body();
            return 0;
        }
        catch (DicomUnsupportedTransferSyntaxException e)
        {
            return Fail(3, e.Message);
        }
        catch (DicomException e)
        {
            return Fail(2, e.Message);
        }
        catch (ArgumentException e)
        {
            return Fail(1, e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", string.Empty, StringComparison.Ordinal));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(1, e.Message);
        }
    }

    private static int Fail(int code, string message)
    {
        Console.Error.WriteLine("mth dicom: " + message);
        return code;
    }
}
