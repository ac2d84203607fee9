using System.Globalization;
using System.Text;

namespace Mth.Bench.Measurement;

/// <summary>
/// What every disk-bound benchmark does around its measurements: parse the options (a mistake
/// prints <c>mth bench NAME: …</c> and exits 2), work in a fresh folder under the one to be
/// judged and remove it afterwards, start the report with the machine, end it with the Markdown
/// summary.
/// </summary>
internal static class BenchmarkRun
{
    /// <param name="measure">Appends its results to the report (and prints them as they come) in the given work folder.</param>
    public static async Task<int> RunAsync<TOptions>(string name, string[] args, Func<string[], TOptions> parse, Func<TOptions, string> workRoot,
        Func<TOptions, string> describe, Func<TOptions, string, StringBuilder, Task> measure)
    {
        TOptions options;
        try
        {
            options = parse(args);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            Console.Error.WriteLine($"mth bench {name}: {ex.Message}");
            return 2;
        }

        var root = workRoot(options);
        var work = Directory.CreateDirectory(Path.Combine(root, $"mth-bench-{name}-{Guid.NewGuid():N}")).FullName;
        try
        {
            var report = new StringBuilder();
            report.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; work folder {root}{describe(options)}");
            report.AppendLine();
            Console.Out.WriteLine(report.ToString().TrimEnd());
            await measure(options, work, report);
            Console.Out.WriteLine();
            Console.Out.WriteLine("Markdown summary:");
            Console.Out.WriteLine(report.ToString());
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
