using System.Globalization;

namespace Mth.Bench.Measurement;

/// <summary>One line saying where a benchmark ran: cores, CPU model, OS, .NET, and the load average at that moment.</summary>
internal static class Machine
{
    public static string Describe()
    {
        var cpu = "unknown CPU";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"{Environment.ProcessorCount} cores, {cpu}, {Environment.OSVersion}, .NET {Environment.Version}{LoadAverage()}");
    }

    /// <summary>", load average X" (1-minute), or empty where /proc has none.</summary>
    public static string LoadAverage()
    {
        try
        {
            return ", load average " + File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "";
        }
    }
}
