using TorchSharp;
using static TorchSharp.torch;
var x = randn(2, 3);
Console.WriteLine(x.sum().item<float>());
return 0;
