using Google.Protobuf;
using Mth.Train.Export.Onnx;
using Mth.Train.Model;
using TorchSharp.Modules;
using static Mth.Train.Export.OnnxGraphBuilder;

namespace Mth.Train.Export;

/// <summary>
/// Writes the trained network's inference path (input -> hash-like code h = tanh(...)) as an ONNX model (opset 17),
/// node by node from the weights: BatchNormalization uses the running statistics (evaluation mode).
/// Input "input" [batch, 3, S, S]; output "hash" [batch, k]; a bit is 1 where hash >= 0.
/// </summary>
public static class MthOnnxExporter
{
    public const string InputName = "input";
    public const string OutputName = "hash";
    public const int Opset = 17;

    public static byte[] Export(MthNetwork network, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var o = network.Options;
        if (o.MapSize % o.FeaturePool != 0)
            throw new NotSupportedException($"ONNX export needs the map size {o.MapSize} to divide by the feature pool {o.FeaturePool} (adaptive pooling becomes a plain average pool)");
        var g = new OnnxGraphBuilder();
        string x = InputName;

        var branches = new List<string>();
        foreach (var branch in network.MultiScale.Branches)
        {
            int pad = (branch.Kernel - 1) / 2;
            string y = Conv(g, x, branch.Stem, pad);
            y = DenseBlock(g, y, branch.Dense);
            y = g.Node("MaxPool", [y], Ints("kernel_shape", o.BranchPool, o.BranchPool), Ints("strides", o.BranchPool, o.BranchPool));
            branches.Add(y);
        }
        x = branches.Count == 1 ? branches[0] : g.Node("Concat", branches, Int("axis", 1));

        if (network.Attention is { } attention)
            x = Attention(g, x, attention, o.MapSize);

        x = DenseBlock(g, x, network.Dense);
        x = g.Node("Relu", [BatchNorm(g, x, network.FinalNorm)]);
        int window = o.MapSize / o.FeaturePool;
        x = g.Node("AveragePool", [x], Ints("kernel_shape", window, window), Ints("strides", window, window));
        x = g.Node("Flatten", [x], Int("axis", 1));
        x = g.Node("Relu", [Gemm(g, x, network.Feature)]);
        x = g.Node("Tanh", [Gemm(g, x, network.HashLayer)]);

        var graph = g.Graph;
        graph.Node[^1].Output[0] = OutputName;
        graph.Input.Add(FloatValue(InputName, "batch", 3, o.InputSize, o.InputSize));
        graph.Output.Add(FloatValue(OutputName, "batch", o.Bits));

        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "Mth.Train",
            ProducerVersion = typeof(MthOnnxExporter).Assembly.GetName().Version?.ToString() ?? "0",
            Domain = "mth.search",
            ModelVersion = 1,
            DocString = "Multi-scale Triplet Hashing: input [batch,3,S,S] normalised image, output hash-like code in (-1,1)^k; bit = hash >= 0.",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model.ToByteArray();
    }

    private static string Conv(OnnxGraphBuilder g, string x, Conv2d conv, int pad)
    {
        var inputs = new List<string> { g.Initializer("conv_w", conv.weight!) };
        if (conv.bias is not null) inputs.Add(g.Initializer("conv_b", conv.bias));
        inputs.Insert(0, x);
        long k = conv.weight!.shape[2];
        return g.Node("Conv", inputs, Ints("kernel_shape", k, k), Ints("pads", pad, pad, pad, pad), Ints("strides", 1, 1));
    }

    private static string BatchNorm(OnnxGraphBuilder g, string x, BatchNorm2d norm) =>
        g.Node("BatchNormalization",
            [x, g.Initializer("bn_scale", norm.weight!), g.Initializer("bn_bias", norm.bias!),
             g.Initializer("bn_mean", norm.running_mean!), g.Initializer("bn_var", norm.running_var!)],
            Float("epsilon", (float)norm.eps));

    private static string Gemm(OnnxGraphBuilder g, string x, Linear linear) =>
        g.Node("Gemm", [x, g.Initializer("fc_w", linear.weight!), g.Initializer("fc_b", linear.bias!)], Int("transB", 1));

    private static string DenseBlock(OnnxGraphBuilder g, string x, DenseBlock block)
    {
        foreach (var layer in block.Layers)
        {
            string y = g.Node("Relu", [BatchNorm(g, x, layer.Norm1)]);
            y = Conv(g, y, layer.Conv1, 0);
            y = g.Node("Relu", [BatchNorm(g, y, layer.Norm2)]);
            y = Conv(g, y, layer.Conv2, 1);
            x = g.Node("Concat", [x, y], Int("axis", 1));
        }
        return x;
    }

    private static string Attention(OnnxGraphBuilder g, string x, ChannelSelfAttention attention, int mapSize)
    {
        long positions = (long)mapSize * mapSize;
        long perHead = attention.Channels / attention.Heads;
        // Reshape's 0 copies the batch dimension from the input, so the graph accepts any batch size.
        string headShape = g.Int64Initializer("shape_heads", 0, attention.Heads, perHead, positions);
        string mapShape = g.Int64Initializer("shape_map", 0, attention.Channels, mapSize, mapSize);
        string q = g.Node("Reshape", [Conv(g, x, attention.Query, 0), headShape]);
        string k = g.Node("Reshape", [Conv(g, x, attention.Key, 0), headShape]);
        string v = g.Node("Reshape", [Conv(g, x, attention.Value, 0), headShape]);
        string kT = g.Node("Transpose", [k], Ints("perm", 0, 1, 3, 2));
        string scale = g.Initializer("attention_scale", [(float)(1.0 / Math.Sqrt(positions))], []);
        string scores = g.Node("Mul", [g.Node("MatMul", [q, kT]), scale]);
        string weights = g.Node("Softmax", [scores], Int("axis", -1));
        string mixed = g.Node("Reshape", [g.Node("MatMul", [weights, v]), mapShape]);
        return g.Node("Add", [Conv(g, mixed, attention.Projection, 0), x]);
    }
}
