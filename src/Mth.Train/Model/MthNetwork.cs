using System.Globalization;
using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mth.Train.Model;

/// <summary>
/// The MTH network (MTH-SPEC.md "Network"): multi-scale dense-block module -> channel self-attention (residual) ->
/// dense block -> BN + ReLU -> adaptive average pool P x P -> FC 1024 + ReLU (deep feature D) -> hash layer
/// (Linear + tanh) and class layer (Linear; softmax in the loss), plus the semantic projection rho(h) of L_s.
/// Anchor, positive and negative share these weights.
/// </summary>
public sealed class MthNetwork : nn.Module<Tensor, MthOutput>
{
    private readonly MultiScaleDenseBlock multiScale;
    private readonly ChannelSelfAttention? attention;
    private readonly DenseBlock dense;
    private readonly BatchNorm2d finalNorm;
    private readonly AdaptiveAvgPool2d pool;
    private readonly Linear feature;
    private readonly Linear hashLayer;
    private readonly Linear classLayer;
    private readonly Linear semanticProjection;

    public MthNetwork(MthNetworkOptions options) : base("mth")
    {
        options.Validate();
        Options = options;
        multiScale = new MultiScaleDenseBlock("multiscale", options);
        if (options.UseAttention)
            attention = new ChannelSelfAttention("attention", options.MultiScaleChannels, options.AttentionHeads);
        dense = new DenseBlock("dense", options.MultiScaleChannels, options.DenseLayers, options.GrowthRate, options.BottleneckFactor);
        finalNorm = nn.BatchNorm2d(options.DenseChannels);
        pool = nn.AdaptiveAvgPool2d([options.FeaturePool, options.FeaturePool]);
        feature = nn.Linear(options.DenseChannels * options.FeaturePool * options.FeaturePool, options.FeatureSize);
        hashLayer = nn.Linear(options.FeatureSize, options.Bits);
        classLayer = nn.Linear(options.FeatureSize, options.Classes);
        semanticProjection = nn.Linear(options.Bits, options.Classes);
        RegisterComponents();
    }

    public MthNetworkOptions Options { get; }
    public MultiScaleDenseBlock MultiScale => multiScale;
    public ChannelSelfAttention? Attention => attention;
    public DenseBlock Dense => dense;
    public BatchNorm2d FinalNorm => finalNorm;
    public Linear Feature => feature;
    public Linear HashLayer => hashLayer;
    public Linear ClassLayer => classLayer;
    public Linear SemanticProjection => semanticProjection;

    public override MthOutput forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var features = Features(input);
        var hash = tanh(hashLayer.call(features));
        var classLogits = classLayer.call(features);
        var semantic = semanticProjection.call(hash);
        return new MthOutput(features.MoveToOuterDisposeScope(), hash.MoveToOuterDisposeScope(),
            classLogits.MoveToOuterDisposeScope(), semantic.MoveToOuterDisposeScope());
    }

    /// <summary>The hash-like code h only (what the released ONNX model outputs).</summary>
    public Tensor EncodeHash(Tensor input)
    {
        using var scope = NewDisposeScope();
        return tanh(hashLayer.call(Features(input))).MoveToOuterDisposeScope();
    }

    private Tensor Features(Tensor input)
    {
        var x = multiScale.call(input);
        if (attention is not null) x = attention.call(x);
        x = nn.functional.relu(finalNorm.call(dense.call(x)));
        x = pool.call(x).flatten(1);
        return nn.functional.relu(feature.call(x));
    }

    /// <summary>Parameter counts and per-module output shapes for one input (what --describe prints).</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        var o = Options;
        text.AppendLine(CultureInfo.InvariantCulture,
            $"MTH network: S = {o.InputSize}, k = {o.Bits}, classes = {o.Classes}, branches = [{string.Join(", ", o.BranchKernels)}], " +
            $"attention = {(o.UseAttention ? $"{o.AttentionHeads} heads" : "off")}, pool P = {o.FeaturePool}, feature = {o.FeatureSize}");
        bool wasTraining = training;
        eval();
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var x = zeros(1, 3, o.InputSize, o.InputSize);
            text.AppendLine(Row("input", x, 0));
            var branchOutputs = new List<Tensor>();
            foreach (var branch in multiScale.Branches)
            {
                var y = branch.call(x);
                branchOutputs.Add(y);
                text.AppendLine(Row($"multiscale.branch{branch.Kernel} (conv {branch.Kernel}x{branch.Kernel} -> dense block -> maxpool {o.BranchPool})", y, Count(branch)));
            }
            var m = branchOutputs.Count == 1 ? branchOutputs[0] : cat(branchOutputs.ToArray(), 1);
            text.AppendLine(Row("multiscale (concatenated)", m, Count(multiScale)));
            if (attention is not null)
            {
                m = attention.call(m);
                text.AppendLine(Row($"attention (channel self-attention, {attention.Heads} heads, residual)", m, Count(attention)));
            }
            var d = dense.call(m);
            text.AppendLine(Row("dense (dense block)", d, Count(dense)));
            d = nn.functional.relu(finalNorm.call(d));
            text.AppendLine(Row("final BN + ReLU", d, Count(finalNorm)));
            var p = pool.call(d).flatten(1);
            text.AppendLine(Row($"adaptive avg pool {o.FeaturePool}x{o.FeaturePool} + flatten", p, 0));
            var f = nn.functional.relu(feature.call(p));
            text.AppendLine(Row("feature (FC + ReLU) = deep feature D", f, Count(feature)));
            var h = tanh(hashLayer.call(f));
            text.AppendLine(Row("hash layer (FC + tanh) = h", h, Count(hashLayer)));
            text.AppendLine(Row("class layer (FC, softmax in the loss)", classLayer.call(f), Count(classLayer)));
            text.AppendLine(Row("semantic projection rho(h) (FC, L_s)", semanticProjection.call(h), Count(semanticProjection)));
        }
        finally
        {
            train(wasTraining);
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"total parameters: {Count(this):N0}");
        return text.ToString();

        static string Row(string name, Tensor t, long parameters) =>
            string.Create(CultureInfo.InvariantCulture, $"  {name,-72} [{string.Join(", ", t.shape)}]  params {parameters:N0}");
    }

    /// <summary>Number of trainable parameters of a module.</summary>
    public static long Count(nn.Module module) => module.parameters().Sum(p => p.numel());
}
