using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mth.Train.Model;

/// <summary>
/// Convolutional self-attention in the channel domain (MTH-SPEC.md, interpretation of the paper's
/// "information interaction in the channel domain"): Q, K, V from parallel 1x1 convolutions, split into U heads
/// of C/U channels, each channel a vector of N = H*W positions; A_u = softmax(Q_u K_u^T / sqrt(N)) is a
/// channel-to-channel map, out_u = A_u V_u; heads concatenated, projected by a 1x1 conv W_a, added to the input.
/// Cost is linear in N.
/// </summary>
public sealed class ChannelSelfAttention : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d query;
    private readonly Conv2d key;
    private readonly Conv2d value;
    private readonly Conv2d projection;

    public ChannelSelfAttention(string name, int channels, int heads) : base(name)
    {
        if (channels % heads != 0) throw new ArgumentException($"{channels} channels do not split into {heads} heads");
        Channels = channels;
        Heads = heads;
        query = nn.Conv2d(channels, channels, 1);
        key = nn.Conv2d(channels, channels, 1);
        value = nn.Conv2d(channels, channels, 1);
        projection = nn.Conv2d(channels, channels, 1);
        RegisterComponents();
    }

    public int Channels { get; }
    public int Heads { get; }
    public Conv2d Query => query;
    public Conv2d Key => key;
    public Conv2d Value => value;
    public Conv2d Projection => projection;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        long batch = input.shape[0], height = input.shape[2], width = input.shape[3];
        long positions = height * width;
        long perHead = Channels / Heads;
        var q = query.call(input).reshape(batch, Heads, perHead, positions);
        var k = key.call(input).reshape(batch, Heads, perHead, positions);
        var v = value.call(input).reshape(batch, Heads, perHead, positions);
        // e_k = N: the dot products run over the N positions of a channel.
        var scores = matmul(q, k.transpose(2, 3)).mul(1.0 / Math.Sqrt(positions));
        var attention = nn.functional.softmax(scores, -1);
        var mixed = matmul(attention, v).reshape(batch, Channels, height, width);
        return projection.call(mixed).add(input).MoveToOuterDisposeScope();
    }
}
