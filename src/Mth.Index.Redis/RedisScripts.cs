namespace Mth.Index.Redis;

/// <summary>
/// Server-side Lua, one script call per shard (all keys under the shard's hash tag, all declared in KEYS,
/// so they run unchanged on a single node and on a cluster). StackExchange.Redis sends them with EVALSHA
/// and reloads them after a server restart. A bucket entry is a 4-byte big-endian ordinal followed by the
/// code; the ids hash holds the same bytes per id. Every change of an item is also appended, in the same
/// script, to the shard's change feed (a stream, see <see cref="ShardKeys.Feed"/>), numbered by the shard's
/// <c>seq</c> counter, so that a replica that read the feed up to some entry has exactly the shard's state
/// after that entry.
/// </summary>
internal static class RedisScripts
{
    /// <summary>Error text a script returns when the version is gone or being dropped.</summary>
    public const string Unavailable = "MTH_VERSION_UNAVAILABLE";

    private const string RemoveEntry = """
        local function remove_entry(key, ord, size)
          local s = redis.call('GET', key)
          if not s then return end
          local from = 1
          while true do
            local p = string.find(s, ord, from, true)
            if not p then return end
            if (p - 1) % size == 0 then
              local rest = string.sub(s, 1, p - 1) .. string.sub(s, p + size)
              if #rest == 0 then redis.call('DEL', key) else redis.call('SET', key, rest) end
              return
            end
            from = p + 1
          end
        end
        local function check_ready(meta)
          if redis.call('HGET', meta, 'state') ~= 'ready' then
            return redis.error_reply('MTH_VERSION_UNAVAILABLE')
          end
        end
        local function feed(meta, stream, length, op, id, code)
          local seq = redis.call('HINCRBY', meta, 'seq', 1)
          redis.call('XADD', stream, 'MAXLEN', '~', length, '*', 's', seq, 'o', op, 'i', id, 'c', code)
        end
        """;

    /// <summary>
    /// Inserts a batch of items of one shard. KEYS: meta, ids, ords, feed, then m bucket keys per item.
    /// ARGV: m, feed length, then id and code per item. Returns per item 1 inserted, 0 unchanged (same code
    /// stored), 3 stored with another code (the client then takes the update path).
    /// </summary>
    public const string Insert = RemoveEntry + """

        local err = check_ready(KEYS[1]); if err then return err end
        local m, length = tonumber(ARGV[1]), ARGV[2]
        local out = {}
        local n = (#ARGV - 2) / 2
        for i = 1, n do
          local id, code = ARGV[1 + 2 * i], ARGV[2 + 2 * i]
          local rec = redis.call('HGET', KEYS[2], id)
          if rec then
            if string.sub(rec, 5) == code then out[i] = 0 else out[i] = 3 end
          else
            local ord = redis.call('HINCRBY', KEYS[1], 'next', 1)
            local entry = struct.pack('>I4', ord) .. code
            redis.call('HSET', KEYS[2], id, entry)
            redis.call('HSET', KEYS[3], ord, id)
            for j = 1, m do redis.call('APPEND', KEYS[4 + (i - 1) * m + j], entry) end
            feed(KEYS[1], KEYS[4], length, 'u', id, code)
            out[i] = 1
          end
        end
        return out
        """;

    /// <summary>
    /// Replaces an item's code. KEYS: meta, ids, ords, feed, m old bucket keys, m new bucket keys. ARGV: m,
    /// feed length, id, expected old code, new code. Returns 2 updated, 0 unchanged, -1 absent, -2 the stored
    /// code is not the expected one (another writer got there first: the client reads again and retries).
    /// </summary>
    public const string Update = RemoveEntry + """

        local err = check_ready(KEYS[1]); if err then return err end
        local m, length, id, old, new = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4], ARGV[5]
        local rec = redis.call('HGET', KEYS[2], id)
        if not rec then return -1 end
        local ord, cur = string.sub(rec, 1, 4), string.sub(rec, 5)
        if cur == new then return 0 end
        if cur ~= old then return -2 end
        local size = 4 + #cur
        for j = 1, m do remove_entry(KEYS[4 + j], ord, size) end
        for j = 1, m do redis.call('APPEND', KEYS[4 + m + j], ord .. new) end
        redis.call('HSET', KEYS[2], id, ord .. new)
        feed(KEYS[1], KEYS[4], length, 'u', id, new)
        return 2
        """;

    /// <summary>
    /// Removes an item. KEYS: meta, ids, ords, feed, m bucket keys of the expected code. ARGV: m, feed length,
    /// id, expected code. Returns 1 removed, 0 absent, -2 the stored code changed meanwhile (retry).
    /// </summary>
    public const string Delete = RemoveEntry + """

        local err = check_ready(KEYS[1]); if err then return err end
        local m, length, id, old = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
        local rec = redis.call('HGET', KEYS[2], id)
        if not rec then return 0 end
        local ord, cur = string.sub(rec, 1, 4), string.sub(rec, 5)
        if cur ~= old then return -2 end
        local size = 4 + #cur
        for j = 1, m do remove_entry(KEYS[4 + j], ord, size) end
        redis.call('HDEL', KEYS[2], id)
        local ordinal = struct.unpack('>I4', ord)
        redis.call('HDEL', KEYS[3], ordinal)
        feed(KEYS[1], KEYS[4], length, 'd', id, '')
        return 1
        """;

    /// <summary>
    /// Creates a shard's meta hash unless it exists. KEYS: meta. ARGV: bits, substrings, shard, shards.
    /// Returns 1 created or already ready with the same layout; error when dropping or different.
    /// </summary>
    public const string CreateShard = """
        local cur = redis.call('HMGET', KEYS[1], 'state', 'bits', 'substrings', 'shards')
        if not cur[1] then
          redis.call('HSET', KEYS[1], 'bits', ARGV[1], 'substrings', ARGV[2], 'shard', ARGV[3], 'shards', ARGV[4], 'state', 'ready', 'next', 0)
          return 1
        end
        if cur[1] ~= 'ready' then return redis.error_reply('MTH_VERSION_UNAVAILABLE') end
        if cur[2] ~= ARGV[1] or cur[3] ~= ARGV[2] or cur[4] ~= ARGV[4] then
          return redis.error_reply('MTH_LAYOUT_CONFLICT')
        end
        return 1
        """;

    /// <summary>
    /// Registers a version in the catalog unless present. KEYS: versions. ARGV: name, JSON metadata.
    /// Returns the stored JSON (the new one, or the existing one for the caller to compare).
    /// </summary>
    public const string RegisterVersion = """
        local cur = redis.call('HGET', KEYS[1], ARGV[1])
        if cur then return cur end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        return ARGV[2]
        """;

    /// <summary>Sets a version's state in its catalog JSON. KEYS: versions. ARGV: name, from state, to state. Returns 1 when changed.</summary>
    public const string SetVersionState = """
        local cur = redis.call('HGET', KEYS[1], ARGV[1])
        if not cur then return 0 end
        local info = cjson.decode(cur)
        if info.state ~= ARGV[2] then return 0 end
        info.state = ARGV[3]
        redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(info))
        return 1
        """;

    /// <summary>
    /// Compare-and-set of the active pointer. KEYS: versions, active. ARGV: expected ('' for none), new.
    /// Returns 1 set, 0 the pointer was not the expected one, -1 no such version, -2 version not ready.
    /// </summary>
    public const string SetActive = """
        local cur = redis.call('HGET', KEYS[1], ARGV[2])
        if not cur then return -1 end
        if cjson.decode(cur).state ~= 'ready' then return -2 end
        local active = redis.call('GET', KEYS[2]) or ''
        if active ~= ARGV[1] then return 0 end
        redis.call('SET', KEYS[2], ARGV[2])
        return 1
        """;

    /// <summary>
    /// Starts dropping a version. KEYS: versions, active. ARGV: name. Returns 1 marked (or already dropping),
    /// 0 no such version, -1 it is the active version.
    /// </summary>
    public const string BeginDrop = """
        local cur = redis.call('HGET', KEYS[1], ARGV[1])
        if not cur then return 0 end
        if (redis.call('GET', KEYS[2]) or '') == ARGV[1] then return -1 end
        local info = cjson.decode(cur)
        info.state = 'dropping'
        redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(info))
        return 1
        """;

    /// <summary>
    /// Where a shard's change feed stands, read atomically with the counter. KEYS: meta, feed. Returns
    /// {state or false, seq, last entry id or '0-0'}: a replica that loads the shard's items after this call
    /// and then applies the feed from that entry on ends with exactly the shard's state.
    /// </summary>
    public const string FeedPosition = """
        local cur = redis.call('HMGET', KEYS[1], 'state', 'seq')
        local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
        local id = '0-0'
        if #last > 0 then id = last[1][1] end
        return {cur[1], cur[2] or '0', id}
        """;

    /// <summary>
    /// The next feed entries after a given entry id. KEYS: meta, feed. ARGV: last id read, count. Returns
    /// {state or false, seq, entries}, entries as XRANGE gives them: the state and counter tell a follower
    /// whether the shard was dropped or emptied (a Redis restart without persistence) since it loaded it.
    /// </summary>
    public const string ReadFeed = """
        local cur = redis.call('HMGET', KEYS[1], 'state', 'seq')
        local entries = redis.call('XRANGE', KEYS[2], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])
        return {cur[1], cur[2] or '0', entries}
        """;
}
