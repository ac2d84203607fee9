// The tests run the program beside dcmtk, RabbitMQ and Redis on Linux (file modes are part of what they check).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
