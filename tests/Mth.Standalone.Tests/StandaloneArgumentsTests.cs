namespace Mth.Standalone.Tests;

public sealed class StandaloneArgumentsTests
{
    [Fact]
    public void Run_is_the_default_command_and_short_options_become_configuration_settings()
    {
        var parsed = StandaloneArguments.Parse(["--data", "/srv/mth", "--http-port=8081", "--dicom-port", "104", "--ae-title", "PACS_MTH", "--Query:DefaultK=20"]);
        Assert.Equal(StandaloneCommand.Run, parsed.Command);
        Assert.Equal(
            ["--Standalone:DataFolder=/srv/mth", "--urls=http://0.0.0.0:8081", "--Ingest:Port=104", "--Ingest:AeTitle=PACS_MTH", "--Query:DefaultK=20"],
            parsed.ConfigurationArguments);
    }

    [Fact]
    public void Reindex_takes_a_model_version()
    {
        var parsed = StandaloneArguments.Parse(["reindex", "--model", "mth-brain-48b-s64-v3", "--data", "d"]);
        Assert.Equal(StandaloneCommand.Reindex, parsed.Command);
        Assert.Equal("mth-brain-48b-s64-v3", parsed.Model);
        Assert.Equal(["--Standalone:DataFolder=d"], parsed.ConfigurationArguments);
    }

    [Theory]
    [InlineData("--http-port", "eighty")]
    [InlineData("--dicom-port", "70000")]
    [InlineData("--data", null)]
    public void A_bad_option_value_is_refused_with_its_name(string option, string? value)
    {
        var error = Assert.Throws<ArgumentException>(() => StandaloneArguments.Parse(value is null ? ["run", option] : ["run", option, value]));
        Assert.Contains(option, error.Message, StringComparison.Ordinal);
    }
}
