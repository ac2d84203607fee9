using Mth.Encoder;
using Mth.Hosting;
using Mth.Hosting.Messaging;

// The encoder service: InstanceStored -> code in the index; model releases re-encode everything (docs/encoder.md).
var builder = WebApplication.CreateBuilder(args);
builder.AddMthServiceDefaults("encoder");
builder.AddMthEncoder();
builder.AddMthMessaging();
var app = builder.Build();
app.MapMthHealthEndpoints();
await app.RunAsync();
