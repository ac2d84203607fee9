using System.Collections;
using System.Globalization;
using System.Reflection;

namespace Mth.Operations.Tests;

/// <summary>One configuration key as the binder sees it (Section:Nested:Property) with the default a new options object has.</summary>
public sealed record OptionKey(string Key, Type Type, object? DefaultValue)
{
    /// <summary>How docs/operations.md writes a literal default: what the environment variable would say.</summary>
    public string? DefaultLiteral => DefaultValue switch
    {
        null => null,
        bool b => b ? "true" : "false",
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        string s => s,
        Enum e => e.ToString(),
        IEnumerable => null,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => DefaultValue.ToString(),
    };

    public bool IsUnsetOrEmpty => DefaultValue is null || (DefaultValue is IEnumerable items and not string && !items.Cast<object?>().Any());
}

/// <summary>
/// Finds every configuration key of the services: each options class names its section in a public
/// <c>const string Section</c>; its settable public properties are keys, and a property whose type is
/// itself an options object (Ingest:Outbox, Index:Redis, ...) is a nested section.
/// </summary>
public static class OptionKeys
{
    /// <summary>
    /// The services' assemblies: every Mth.* assembly next to the tests other than test code. The project
    /// references each service (a new service is covered by adding its ProjectReference); the typeof anchors
    /// make sure the four known ones are there.
    /// </summary>
    public static IReadOnlyList<Assembly> ServiceAssemblies { get; } = FindServiceAssemblies();

    private static IReadOnlyList<Assembly> FindServiceAssemblies()
    {
        var assemblies = new Dictionary<string, Assembly>(StringComparer.Ordinal);
        foreach (var anchor in new[]
                 {
                     typeof(Mth.Hosting.ServiceDefaults), typeof(Mth.Ingest.IngestOptions),
                     typeof(Mth.Encoder.Options.EncoderOptions), typeof(Mth.Query.QueryOptions),
                 })
        {
            assemblies[anchor.Assembly.GetName().Name!] = anchor.Assembly;
        }

        foreach (var path in Directory.EnumerateFiles(AppContext.BaseDirectory, "Mth.*.dll"))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (!name.EndsWith(".Tests", StringComparison.Ordinal) && name != "Mth.Testing" && !assemblies.ContainsKey(name))
            {
                assemblies[name] = Assembly.LoadFrom(path);
            }
        }

        return assemblies.Values.ToList();
    }

    public static IReadOnlyList<Type> OptionsTypes() =>
        ServiceAssemblies
            .SelectMany(LoadableTypes)
            .Where(type => type is { IsClass: true, IsAbstract: false }
                && type.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true, FieldType: var fieldType }
                && fieldType == typeof(string)
                && type.GetConstructor(Type.EmptyTypes) is not null)
            .ToList();

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException exception)
        {
            return exception.Types.OfType<Type>();
        }
    }

    public static IReadOnlyList<OptionKey> All()
    {
        var keys = new Dictionary<string, OptionKey>(StringComparer.Ordinal);
        foreach (var type in OptionsTypes())
        {
            var section = (string)type.GetField("Section", BindingFlags.Public | BindingFlags.Static)!.GetRawConstantValue()!;
            Collect(section, type, Activator.CreateInstance(type)!, keys);
        }

        return keys.Values.OrderBy(k => k.Key, StringComparer.Ordinal).ToList();
    }

    private static void Collect(string prefix, Type type, object instance, Dictionary<string, OptionKey> keys)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetMethod is null || property.SetMethod is not { IsPublic: true } || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var key = $"{prefix}:{property.Name}";
            var value = property.GetValue(instance);
            if (IsNestedSection(property.PropertyType) && value is not null)
            {
                Collect(key, property.PropertyType, value, keys);
            }
            else
            {
                // Two classes may bind the same section (each service owns its copy of a small section): one key.
                keys.TryAdd(key, new OptionKey(key, property.PropertyType, value));
            }
        }
    }

    private static bool IsNestedSection(Type type) =>
        type.IsClass && type != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(type)
        && type.Namespace?.StartsWith("Mth.", StringComparison.Ordinal) == true;
}
