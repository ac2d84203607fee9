using Mth.Hosting;
using Mth.Hosting.Indexing;
using Mth.Query;

// The query service on its own. The index and instance catalogs come from AddMthIndex (Index and Instances
// configuration); Query does not use the message bus: it follows the active version through the index itself.
var builder = WebApplication.CreateBuilder(args);
builder.AddMthServiceDefaults("query");
builder.AddMthIndex();
builder.AddMthQuery();

var app = builder.Build();
app.MapMthHealthEndpoints();
app.MapMthQuery();
await app.RunAsync();
