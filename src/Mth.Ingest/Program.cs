using Mth.Hosting;
using Mth.Hosting.Messaging;
using Mth.Ingest;

var builder = WebApplication.CreateBuilder(args);
builder.AddMthServiceDefaults("ingest");
builder.AddMthIngest();
builder.AddMthMessaging();

var app = builder.Build();
app.MapMthHealthEndpoints();
await app.RunAsync();
