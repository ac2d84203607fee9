using Mth.Train.Evaluation;

namespace Mth.Train.Tests.Evaluation;

public sealed class ReportWriterTests
{
    private static RetrievalReport Report() => RetrievalEvaluator.Evaluate(
        CodeSet.FromBytes(8, [[0x00], [0x0F], [0xFF]]), [0, 1, 0], CodeSet.FromBytes(8, [[0x01], [0xF0]]), [0, 1], ["normal", "tumour, large"]);

    [Fact]
    public void The_json_object_has_the_keys_scripts_rely_on()
    {
        var json = ReportWriter.ToJson(Report());

        foreach (var key in new[] { "map_all", "map_100", "p_at_10", "p_at_100", "tie_aware_map_all", "tie_break_seed", "per_class_map_all" })
        {
            Assert.True(json.ContainsKey(key), key);
        }

        Assert.Equal(Report().MapAll, json["map_all"]!.GetValue<double>());
        Assert.DoesNotContain('\n', ReportWriter.ToJsonLine(Report()));
    }

    [Fact]
    public void Manifest_metrics_carry_the_headline_figures_under_a_prefix()
    {
        var report = Report();

        var metrics = ReportWriter.ToManifestMetrics(report, "test");

        Assert.Equal(report.MapAll, metrics["test.map_all"]);
        Assert.Equal(report.MapAtCutoff, metrics["test.map_100"]);
        Assert.Equal(report.PrecisionAt[10], metrics["test.p_at_10"]);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    public void Csv_fields_are_quoted_only_when_needed(string value, string expected)
    {
        Assert.Equal(expected, ReportWriter.Csv(value));
    }
}
