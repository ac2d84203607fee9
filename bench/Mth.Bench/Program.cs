// Placeholder until the first benchmark lands.
Console.Error.WriteLine("mth bench: no benchmarks yet");
return 2;
