using System.Text.RegularExpressions;

namespace Mth.Operations.Tests;

/// <summary>
/// docs/operations.md, "Configuration reference", is a table of every key of every service with its default:
/// these tests fail when an options class gains a key the reference lacks, when the reference names a key that
/// no longer exists, or when a literal default there differs from the code.
/// </summary>
public sealed partial class ConfigurationReferenceTests
{
    /// <summary>Defaults that depend on the machine (the reference says what they follow instead of a number).</summary>
    private static readonly HashSet<string> MachineDependentDefaults = new(StringComparer.Ordinal) { "Query:MaxConcurrentEncodings" };

    private static readonly Lazy<IReadOnlyDictionary<string, string>> Reference = new(ReadReference);

    [Fact]
    public void Every_option_of_every_service_is_in_the_reference()
    {
        var missing = OptionKeys.All().Where(k => !Reference.Value.ContainsKey(k.Key)).Select(k => k.Key).ToList();
        Assert.True(missing.Count == 0, "docs/operations.md lacks these configuration keys: " + string.Join(", ", missing));
    }

    [Fact]
    public void The_reference_names_no_key_that_does_not_exist()
    {
        var known = OptionKeys.All().Select(k => k.Key).ToHashSet(StringComparer.Ordinal);
        var sections = known.Select(k => k[..k.IndexOf(':', StringComparison.Ordinal)]).ToHashSet(StringComparer.Ordinal);
        var stale = Reference.Value.Keys
            .Where(key => sections.Contains(key.Split(':')[0]) && !known.Contains(key))
            .ToList();
        Assert.True(stale.Count == 0, "docs/operations.md names keys no options class has: " + string.Join(", ", stale));
    }

    [Fact]
    public void Literal_defaults_in_the_reference_are_the_code_defaults()
    {
        var wrong = new List<string>();
        foreach (var option in OptionKeys.All())
        {
            if (!Reference.Value.TryGetValue(option.Key, out var cell))
            {
                continue;
            }

            var literal = SingleLiteral().Match(cell);
            if (literal.Success)
            {
                if (option.DefaultLiteral is null || !string.Equals(literal.Groups[1].Value, option.DefaultLiteral, StringComparison.Ordinal))
                {
                    wrong.Add($"{option.Key}: reference says `{literal.Groups[1].Value}`, code says {option.DefaultLiteral ?? "(unset or empty)"}");
                }
            }
            else if (!option.IsUnsetOrEmpty && !MachineDependentDefaults.Contains(option.Key))
            {
                wrong.Add($"{option.Key}: reference describes the default in words, code says `{option.DefaultLiteral}` (write it as a literal)");
            }
        }

        Assert.True(wrong.Count == 0, "docs/operations.md defaults differ from the code:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void The_options_types_are_found_in_every_service()
    {
        var sections = OptionKeys.All().Select(k => k.Key.Split(':')[0]).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(new HashSet<string>(StringComparer.Ordinal) { "Ingest", "Encoder", "Query", "Index", "Messaging", "Models", "InstanceStore" }, sections);
    }

    /// <summary>Rows "| `Key` | default | meaning |" of the reference tables: key -> default cell.</summary>
    private static IReadOnlyDictionary<string, string> ReadReference()
    {
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(RepositoryRoot(), "docs", "operations.md")))
        {
            var row = ReferenceRow().Match(line);
            if (row.Success)
            {
                Assert.True(rows.TryAdd(row.Groups["key"].Value, row.Groups["default"].Value.Trim()), $"docs/operations.md lists {row.Groups["key"].Value} twice");
            }
        }

        return rows;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Mth.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Mth.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^\|\s*`(?<key>[A-Za-z]+(?::[A-Za-z]+)+)`\s*\|(?<default>[^|]*)\|")]
    private static partial Regex ReferenceRow();

    [GeneratedRegex(@"^`([^`]*)`$")]
    private static partial Regex SingleLiteral();
}
