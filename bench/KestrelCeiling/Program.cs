// A bare Kestrel endpoint returning a constant: the most any HTTP/1.1 engine on this runtime could serve here.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapGet("/get", () => Results.Text("constant-value"));
app.Run();
