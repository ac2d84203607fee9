using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Mth.Query.Authentication;

/// <summary>
/// Checks a presented key against the configured ones in constant time: both sides are hashed with SHA-256 (so
/// lengths do not show) and compared with <see cref="CryptographicOperations.FixedTimeEquals"/> against every
/// configured key without stopping at a match. Keys are read once at start; the keys themselves are never logged.
/// </summary>
internal sealed class ApiKeyValidator
{
    private readonly byte[][] _hashes;

    public ApiKeyValidator(IOptions<QueryOptions> options) =>
        _hashes = [.. options.Value.ApiKeys.Select(key => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))];

    /// <summary>The position of the matching key in Query:ApiKeys (safe to log), or -1.</summary>
    public int Match(string presented)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(presented), hash);
        var match = -1;
        for (var i = 0; i < _hashes.Length; i++)
        {
            var equal = CryptographicOperations.FixedTimeEquals(hash, _hashes[i]);
            match = equal && match < 0 ? i : match;
        }

        return match;
    }
}
