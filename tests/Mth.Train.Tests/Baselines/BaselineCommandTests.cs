using System.CommandLine;
using System.Text.Json.Nodes;
using Mth.Train.Commands;
using Mth.Train.Tests.Data;

namespace Mth.Train.Tests.Baselines;

public sealed class BaselineCommandTests
{
    [Theory]
    [InlineData("lsh")]
    [InlineData("itq")]
    public async Task A_baseline_splits_the_data_evaluates_train_against_test_and_prints_json(string method)
    {
        var directory = TestData.TempDirectory();
        var labels = Enumerable.Range(0, 60).Select(i => i % 2).ToArray();
        var npz = TestData.Npz(Path.Combine(directory, "set.npz"), new Dictionary<string, int[]> { ["train"] = labels }, size: 8);
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { BaselineCommand.Create() };

        var exit = await root.Parse(["baseline", "--method", method, "--data", npz, "--size", "8", "--bits", "16", "--out", Path.Combine(directory, "run"), "--json"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });

        Assert.True(exit == 0, error.ToString());
        var json = JsonNode.Parse(output.ToString().TrimEnd().Split('\n')[^1])!.AsObject();
        Assert.Equal(method, json["method"]!.GetValue<string>());
        Assert.Equal(12, json["queries"]!.GetValue<int>());
        Assert.Equal(42, json["database"]!.GetValue<int>());
        Assert.InRange(json["map_all"]!.GetValue<double>(), 0, 1);
        Assert.True(File.Exists(Path.Combine(directory, "run", "split.json")));
        Assert.True(File.Exists(Path.Combine(directory, "run", $"precision-recall-{method}-16.png")));
    }
}
