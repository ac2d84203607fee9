using Serilog.Core;
using Serilog.Events;

namespace Mth.Hosting;

/// <summary>
/// A last line of defence against patient data in logs: a property named like a patient
/// identifier is removed from every event (the rendered message then shows the bare
/// placeholder). The code never logs such values on purpose; this catches a future mistake
/// before it reaches a log store.
/// </summary>
public sealed class PhiScrubber : ILogEventEnricher
{
    private static readonly string[] Forbidden =
    [
        "PatientName", "PatientID", "PatientId", "PatientBirthDate", "PatientAddress",
        "OtherPatientIDs", "OtherPatientNames", "PatientMotherBirthName", "PatientTelephoneNumbers",
    ];

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        foreach (var name in Forbidden)
        {
            if (logEvent.Properties.ContainsKey(name))
            {
                logEvent.RemovePropertyIfPresent(name);
                logEvent.AddOrUpdateProperty(new LogEventProperty("PhiRemoved", new ScalarValue(true)));
            }
        }
    }
}
