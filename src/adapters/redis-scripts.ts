// The Lua scripts that carry the etcd model on Redis. Every request that reads or writes the
// keyspace runs as ONE script, so Redis executes it atomically: a txn's compares, its checks and
// its writes see no other client in between, and a revision is allocated and published in the same
// step that writes it. Scripts check everything that can refuse a request BEFORE their first
// write, because Redis does not roll back a script that fails half-way.
//
// Layout under the prefix P (KEYS[1], e.g. "{dcsgw}:"; the braces are a hash tag, so on Redis
// Cluster every key of one store lives in one slot and scripts may touch all of them):
//   P.."rev"            the current store revision (absent = 1, as a fresh etcd)
//   P.."compact"        the compacted revision (absent = 0)
//   P.."live:"..ks      sorted set (score 0, lexicographic) of the keys alive now; ks = "u" | "s"
//   P.."all:"..ks       sorted set of the keys with history kept (alive or deleted, not yet compacted)
//   P.."h:"..ks..":"..k history of key k: sorted set, score = mod revision, member = a record
//                       "mod:create:version:lease:value" (version 0 = a deletion)
//   P.."events"         stream, one entry per event (ID "<rev>-<n>"): the field type..ks..key
//                       ("P" put / "D" delete) with the record, then "p" with the previous record
//                       ("" when none), "l" instead of "p" on a revision's last event. Watches
//                       read it (./redis-watch.ts); compaction trims it.
//   P.."lease:"..id     hash: ttl (granted), sys ("1" = system keyspace)
//   P.."lk:"..id        set of the keys attached to the lease, each ks..key
//   P.."leases:"..ks    sorted set: score = expiry (ms, Redis server time), member = lease id
//   P.."meta"           hash: cluster-id (picked by the first gateway; written by redis.ts, not here)
// Lease IDs travel as decimal strings: a Lua number cannot hold an int64.

const PRELUDE = `
local P = KEYS[1]
local REV = P .. 'rev'
local COMPACT = P .. 'compact'
local EVENTS = P .. 'events'
local function liveSet(ks) return P .. 'live:' .. ks end
local function allSet(ks) return P .. 'all:' .. ks end
local function hist(ks, key) return P .. 'h:' .. ks .. ':' .. key end
local function leaseHash(id) return P .. 'lease:' .. id end
local function leaseKeys(id) return P .. 'lk:' .. id end
local function leaseSet(ks) return P .. 'leases:' .. ks end

local cur = tonumber(redis.call('GET', REV) or '1')
local compactRevCache
-- read on first use: most requests never need it
local function compactRev()
  if not compactRevCache then compactRevCache = tonumber(redis.call('GET', COMPACT) or '0') end
  return compactRevCache
end
local newRev = cur + 1
local changed = false
local events = {}
-- keys (ks..key) already given a version in the revision being built
local written = {}

local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function parse(rec)
  local mod, create, ver, lease, value = string.match(rec, '^(%d+):(%d+):(%d+):(%d+):(.*)$')
  return { mod = tonumber(mod), create = tonumber(create), ver = tonumber(ver), lease = lease, value = value, rec = rec }
end

local function record(mod, create, ver, lease, value)
  return string.format('%d:%d:%d:', mod, create, ver) .. lease .. ':' .. value
end

-- byte order (memcmp), not strcoll: Redis sets the collation locale from its environment
local function bytecmp(a, b)
  local n = math.min(#a, #b)
  local i = 1
  while i <= n do
    local j = math.min(i + 255, n)
    local x, y = string.sub(a, i, j), string.sub(b, i, j)
    if x ~= y then
      for k = 1, #x do
        local p, q = string.byte(x, k), string.byte(y, k)
        if p ~= q then if p < q then return -1 else return 1 end end
      end
    end
    i = j + 1
  end
  if #a == #b then return 0 elseif #a < #b then return -1 else return 1 end
end

-- decimal strings of non-negative integers, compared as numbers
local function deccmp(a, b)
  if #a ~= #b then if #a < #b then return -1 else return 1 end end
  if a == b then return 0 elseif a < b then return -1 else return 1 end
end

local function latest(ks, key)
  local r = redis.call('ZRANGE', hist(ks, key), -1, -1)
  if #r == 0 then return nil end
  local kv = parse(r[1])
  if kv.ver == 0 then return nil end
  return kv
end

local function versionAt(ks, key, rev)
  local r = redis.call('ZREVRANGEBYSCORE', hist(ks, key), rev, '-inf', 'LIMIT', 0, 1)
  if #r == 0 then return nil end
  local kv = parse(r[1])
  if kv.ver == 0 then return nil end
  return kv
end

local function lexMax(rangeEnd)
  if rangeEnd == '\\0' then return '+' end
  return '(' .. rangeEnd
end

-- the keys of [key, rangeEnd) in set z (rangeEnd "" = the key alone, "\\0" = every key from key on)
local function keysIn(z, key, rangeEnd, limit)
  -- one key: the caller's latest() / versionAt() tells whether it exists
  if #rangeEnd == 0 then return { key } end
  if limit and limit > 0 then
    return redis.call('ZRANGEBYLEX', z, '[' .. key, lexMax(rangeEnd), 'LIMIT', 0, limit)
  end
  return redis.call('ZRANGEBYLEX', z, '[' .. key, lexMax(rangeEnd))
end

local function countIn(z, key, rangeEnd)
  if #rangeEnd == 0 then
    if redis.call('ZSCORE', z, key) then return 1 end
    return 0
  end
  return redis.call('ZLEXCOUNT', z, '[' .. key, lexMax(rangeEnd))
end

local function viewRev()
  if changed then return newRev end
  return cur
end

local function kvReply(key, kv, keysOnly)
  local value = kv.value
  if keysOnly then value = '' end
  return { key, kv.create, kv.mod, kv.ver, kv.lease, value }
end

local function addEvent(typ, ks, key, rec, prevRec)
  events[#events + 1] = { typ .. ks .. key, rec, prevRec or '' }
end

-- publishes the revision being built (when something changed) and opens the next one. Each event
-- is one stream entry "<rev>-<n>"; the last one of a revision carries its previous record under
-- "l" instead of "p", so a reader knows the revision is complete.
local function commit()
  if not changed then return end
  redis.call('SET', REV, newRev)
  for i, e in ipairs(events) do
    local tag = 'p'
    if i == #events then tag = 'l' end
    redis.call('XADD', EVENTS, newRev .. '-' .. (i - 1), e[1], e[2], tag, e[3])
  end
  cur = newRev
  newRev = cur + 1
  changed = false
  events = {}
  written = {}
end

local function writeVersion(ks, key, rec)
  local h = hist(ks, key)
  -- a key written twice in one revision (nested txn branches) keeps its last version only
  if written[ks .. key] then redis.call('ZREMRANGEBYSCORE', h, newRev, newRev) end
  written[ks .. key] = true
  redis.call('ZADD', h, newRev, rec)
end

local function detach(lease, ks, key)
  if lease ~= '0' then redis.call('SREM', leaseKeys(lease), ks .. key) end
end

local function deleteKey(ks, key, prev)
  changed = true
  local rec = record(newRev, 0, 0, '0', '')
  writeVersion(ks, key, rec)
  redis.call('ZREM', liveSet(ks), key)
  detach(prev.lease, ks, key)
  addEvent('D', ks, key, rec, prev.rec)
end

-- writes the next version of a key whose current version is prev (nil = absent)
local function putKey(ks, key, prev, value, lease, ignoreValue, ignoreLease)
  if ignoreValue then value = prev and prev.value or '' end
  if ignoreLease then lease = prev and prev.lease or '0' end
  changed = true
  local rec = record(newRev, prev and prev.create or newRev, prev and (prev.ver + 1) or 1, lease, value)
  writeVersion(ks, key, rec)
  if not prev then
    redis.call('ZADD', liveSet(ks), 0, key)
    redis.call('ZADD', allSet(ks), 0, key)
  end
  if prev and prev.lease ~= lease then detach(prev.lease, ks, key) end
  if lease ~= '0' then redis.call('SADD', leaseKeys(lease), ks .. key) end
  addEvent('P', ks, key, rec, prev and prev.rec)
end

-- ends a lease: its keys (both keyspaces) are deleted in one revision, in key order as etcd does
local function revokeLease(id)
  local members = redis.call('SMEMBERS', leaseKeys(id))
  table.sort(members, function(a, b) return bytecmp(a, b) < 0 end)
  for _, m in ipairs(members) do
    local ks, key = string.sub(m, 1, 1), string.sub(m, 2)
    local prev = latest(ks, key)
    if prev and prev.lease == id then deleteKey(ks, key, prev) end
  end
  redis.call('DEL', leaseHash(id), leaseKeys(id))
  redis.call('ZREM', leaseSet('u'), id)
  redis.call('ZREM', leaseSet('s'), id)
  commit()
end

local function leaseOwned(id, ks)
  local sys = redis.call('HGET', leaseHash(id), 'sys')
  if not sys then return false end
  return (sys == '1') == (ks == 's')
end
`;

/**
 * One KV request: a range, put, delete or txn (nested txns included), from a flat argument list
 * (./redis-codec.ts writes it). Replies with the header revision and the response tree.
 */
const KV = `
local argi = 1
local function arg() local v = ARGV[argi]; argi = argi + 1; return v end
local function num() return tonumber(arg()) end

local readOp
local function readTxn()
  local t = { compares = {}, success = {}, failure = {} }
  for i = 1, num() do
    t.compares[i] = { ks = arg(), result = num(), target = num(), key = arg(), rangeEnd = arg(), operand = arg() }
  end
  for i = 1, num() do t.success[i] = readOp() end
  for i = 1, num() do t.failure[i] = readOp() end
  return t
end
readOp = function()
  local kind = arg()
  if kind == 'R' then
    return { kind = kind, ks = arg(), key = arg(), rangeEnd = arg(), fetch = num(), revision = num(), keysOnly = arg() == '1', countOnly = arg() == '1' }
  elseif kind == 'P' then
    return { kind = kind, ks = arg(), key = arg(), value = arg(), lease = arg(), prevKv = arg() == '1', ignoreValue = arg() == '1', ignoreLease = arg() == '1' }
  elseif kind == 'D' then
    return { kind = kind, ks = arg(), key = arg(), rangeEnd = arg(), prevKv = arg() == '1' }
  else
    return { kind = 'T', txn = readTxn() }
  end
end

local function compareOne(c, kv)
  local cmp
  if c.target == 0 then cmp = (kv and kv.ver or 0) - tonumber(c.operand)
  elseif c.target == 1 then cmp = (kv and kv.create or 0) - tonumber(c.operand)
  elseif c.target == 2 then cmp = (kv and kv.mod or 0) - tonumber(c.operand)
  elseif c.target == 4 then cmp = deccmp(kv and kv.lease or '0', c.operand)
  else
    if not kv then return false end
    cmp = bytecmp(kv.value, c.operand)
  end
  if c.result == 0 then return cmp == 0
  elseif c.result == 1 then return cmp > 0
  elseif c.result == 2 then return cmp < 0
  else return cmp ~= 0 end
end

local function evalCompare(c)
  local keys = keysIn(liveSet(c.ks), c.key, c.rangeEnd)
  if #keys == 0 then
    -- a missing key compares as zeros, except that a value compare fails (etcd)
    if c.target == 3 then return false end
    return compareOne(c, nil)
  end
  for _, k in ipairs(keys) do
    if not compareOne(c, latest(c.ks, k)) then return false end
  end
  return true
end

-- every compare, nested ones included, is evaluated against the state before the txn (etcd 3.4)
local function plan(t)
  local ok = true
  for _, c in ipairs(t.compares) do
    if not evalCompare(c) then ok = false; break end
  end
  t.succeeded = ok
  t.ops = ok and t.success or t.failure
  for _, op in ipairs(t.ops) do
    if op.kind == 'T' then plan(op.txn) end
  end
end

local function check(ops)
  for _, op in ipairs(ops) do
    if op.kind == 'P' then
      if (op.ignoreValue or op.ignoreLease) and not latest(op.ks, op.key) then return 'KEYNOTFOUND' end
      if op.lease ~= '0' and not op.ignoreLease and redis.call('EXISTS', leaseHash(op.lease)) == 0 then return 'LEASENOTFOUND' end
    elseif op.kind == 'R' then
      if op.revision > cur then return 'FUTUREREV' end
      if op.revision > 0 and op.revision < compactRev() then return 'COMPACTED' end
    elseif op.kind == 'T' then
      local e = check(op.txn.ops)
      if e then return e end
    end
  end
  return nil
end

local function doRange(op)
  local at = viewRev()
  local rev = op.revision
  if rev <= 0 or rev >= at then
    -- the present: the live index answers directly
    local z = liveSet(op.ks)
    if #op.rangeEnd == 0 then
      local kv = latest(op.ks, op.key)
      if not kv then return { 'R', at, 0 } end
      if op.countOnly then return { 'R', at, 1 } end
      return { 'R', at, 1, kvReply(op.key, kv, op.keysOnly) }
    end
    local count = countIn(z, op.key, op.rangeEnd)
    local out = { 'R', at, count }
    if op.countOnly then return out end
    local keys = keysIn(z, op.key, op.rangeEnd, op.fetch)
    for _, k in ipairs(keys) do
      local kv = latest(op.ks, k)
      if kv then out[#out + 1] = kvReply(k, kv, op.keysOnly) end
    end
    return out
  end
  local out = { 'R', at, 0 }
  local count = 0
  for _, k in ipairs(keysIn(allSet(op.ks), op.key, op.rangeEnd)) do
    local kv = versionAt(op.ks, k, rev)
    if kv then
      count = count + 1
      if not op.countOnly and (op.fetch == 0 or count <= op.fetch) then out[#out + 1] = kvReply(k, kv, op.keysOnly) end
    end
  end
  out[3] = count
  return out
end

local function doPut(op)
  local rev = newRev
  local prev = latest(op.ks, op.key)
  putKey(op.ks, op.key, prev, op.value, op.lease, op.ignoreValue, op.ignoreLease)
  local out = { 'P', rev }
  if op.prevKv and prev then out[3] = kvReply(op.key, prev, false) end
  return out
end

local function doDelete(op)
  local keys = keysIn(liveSet(op.ks), op.key, op.rangeEnd)
  local prevs = {}
  local n = 0
  for _, k in ipairs(keys) do
    local prev = latest(op.ks, k)
    if prev then
      n = n + 1
      deleteKey(op.ks, k, prev)
      if op.prevKv then prevs[#prevs + 1] = kvReply(k, prev, false) end
    end
  end
  local out = { 'D', viewRev(), n }
  for _, p in ipairs(prevs) do out[#out + 1] = p end
  return out
end

local execute
local function doTxn(t)
  local responses = execute(t.ops)
  local out = { 'T', viewRev(), t.succeeded and 1 or 0 }
  for _, r in ipairs(responses) do out[#out + 1] = r end
  return out
end
execute = function(ops)
  local out = {}
  for i, op in ipairs(ops) do
    if op.kind == 'R' then out[i] = doRange(op)
    elseif op.kind == 'P' then out[i] = doPut(op)
    elseif op.kind == 'D' then out[i] = doDelete(op)
    else out[i] = doTxn(op.txn) end
  end
  return out
end

local root = readOp()
local top
if root.kind == 'T' then top = root.txn else top = { compares = {}, success = { root }, failure = {} } end
plan(top)
local err = check(top.ops)
if err then return redis.error_reply('DCSGW ' .. err) end
local responses = execute(top.ops)
local succeeded = top.succeeded and 1 or 0
local header = viewRev()
commit()
local out = { header, succeeded }
for _, r in ipairs(responses) do out[#out + 1] = r end
return out
`;

/**
 * The common put alone, without the generic request machinery. ARGV: ks, key, value, lease,
 * prevKv, ignoreValue, ignoreLease. Replies {revision, previous record when asked and present}.
 */
const PUT = `
local ks, key, value, lease = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local ignoreValue, ignoreLease = ARGV[6] == '1', ARGV[7] == '1'
local prev = latest(ks, key)
if (ignoreValue or ignoreLease) and not prev then return redis.error_reply('DCSGW KEYNOTFOUND') end
if lease ~= '0' and not ignoreLease and redis.call('EXISTS', leaseHash(lease)) == 0 then return redis.error_reply('DCSGW LEASENOTFOUND') end
local rev = newRev
putKey(ks, key, prev, value, lease, ignoreValue, ignoreLease)
commit()
if ARGV[5] == '1' and prev then return { rev, prev.rec } end
return { rev }
`;

/** The common read of one key now. ARGV: ks, key. Replies {revision, its newest record (a version 0 one is a deletion) when it has one}. */
const GET = `
local r = redis.call('ZRANGE', hist(ARGV[1], ARGV[2]), -1, -1)
if #r == 0 then return { cur } end
return { cur, r[1] }
`;

/** ARGV: id, ttl, ks. Grants a lease whose expiry runs on Redis's clock. */
const LEASE_GRANT = `
local id, ttl, ks = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if redis.call('EXISTS', leaseHash(id)) == 1 then return redis.error_reply('DCSGW LEASEEXIST') end
redis.call('HSET', leaseHash(id), 'ttl', ttl, 'sys', ks == 's' and '1' or '0')
redis.call('ZADD', leaseSet(ks), nowMs() + ttl * 1000, id)
return cur
`;

/** ARGV: id, ks. */
const LEASE_REVOKE = `
local id, ks = ARGV[1], ARGV[2]
if not leaseOwned(id, ks) then return redis.error_reply('DCSGW LEASENOTFOUND') end
revokeLease(id)
return cur
`;

/** ARGV: id, ks. Replies {revision, ttl}: ttl 0 for an unknown lease, or one found expired (it is revoked now, as etcd's lessor does before answering). */
const LEASE_KEEPALIVE = `
local id, ks = ARGV[1], ARGV[2]
if not leaseOwned(id, ks) then return { cur, 0 } end
local now = nowMs()
local expiry = tonumber(redis.call('ZSCORE', leaseSet(ks), id))
if expiry <= now then
  revokeLease(id)
  return { cur, 0 }
end
local ttl = tonumber(redis.call('HGET', leaseHash(id), 'ttl'))
redis.call('ZADD', leaseSet(ks), now + ttl * 1000, id)
return { cur, ttl }
`;

/** ARGV: id, ks, withKeys. Replies {revision, remaining ms (-1 = none), granted ttl, keys...}. */
const LEASE_TTL = `
local id, ks = ARGV[1], ARGV[2]
if not leaseOwned(id, ks) then return { cur, -1, 0 } end
local remaining = tonumber(redis.call('ZSCORE', leaseSet(ks), id)) - nowMs()
local out = { cur, remaining, tonumber(redis.call('HGET', leaseHash(id), 'ttl')) }
if ARGV[3] == '1' then
  for _, m in ipairs(redis.call('SMEMBERS', leaseKeys(id))) do
    if string.sub(m, 1, 1) == 'u' then out[#out + 1] = string.sub(m, 2) end
  end
end
return out
`;

/** ARGV: max. Revokes leases whose expiry has passed, each in its own revision; replies {how many, the revision after}. */
const LEASE_EXPIRE = `
local now, max, n = nowMs(), tonumber(ARGV[1]), 0
for _, ks in ipairs({ 'u', 's' }) do
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', leaseSet(ks), '-inf', now, 'LIMIT', 0, max)) do
    revokeLease(id)
    n = n + 1
  end
end
return { n, cur }
`;

/** ARGV: revision. Sets the compacted revision and trims the event stream; the history of each key is trimmed by COMPACT_STEP. */
const COMPACT = `
local rev = tonumber(ARGV[1])
if rev <= compactRev() then return redis.error_reply('DCSGW COMPACTED') end
if rev > cur then return redis.error_reply('DCSGW FUTUREREV') end
redis.call('SET', COMPACT, rev)
redis.call('XTRIM', EVENTS, 'MINID', rev .. '-0')
return cur
`;

/**
 * ARGV: ks, cursor ("" = from the start), batch. Drops the history of up to `batch` keys that no
 * read at or after the compacted revision can reach; replies the last key done ("" when finished).
 */
const COMPACT_STEP = `
local ks, cursor, batch = ARGV[1], ARGV[2], tonumber(ARGV[3])
local min = '-'
if cursor ~= '' then min = '(' .. cursor end
local keys = redis.call('ZRANGEBYLEX', allSet(ks), min, '+', 'LIMIT', 0, batch)
for _, k in ipairs(keys) do
  local h = hist(ks, k)
  local at = redis.call('ZREVRANGEBYSCORE', h, compactRev(), '-inf', 'LIMIT', 0, 1, 'WITHSCORES')
  if #at > 0 then
    local kv = parse(at[1])
    if kv.ver == 0 then
      redis.call('ZREMRANGEBYSCORE', h, '-inf', compactRev())
    else
      redis.call('ZREMRANGEBYSCORE', h, '-inf', '(' .. at[2])
    end
    if redis.call('ZCARD', h) == 0 then redis.call('ZREM', allSet(ks), k) end
  end
end
if #keys < batch then return '' end
return keys[#keys]
`;

/** ARGV: from revision, count. Replies {compacted revision, current revision, entries} at one instant, for a watcher catching up. */
const WATCH_READ = `
local from = tonumber(ARGV[1])
if from < compactRev() then return { compactRev(), cur, {} } end
return { compactRev(), cur, redis.call('XRANGE', EVENTS, from .. '-0', '+', 'COUNT', tonumber(ARGV[2])) }
`;

/** No ARGV: {revision, compacted revision}. */
const REVISION = `
return { cur, compactRev() }
`;

export const SCRIPTS = {
  kv: PRELUDE + KV,
  put: PRELUDE + PUT,
  get: PRELUDE + GET,
  leaseGrant: PRELUDE + LEASE_GRANT,
  leaseRevoke: PRELUDE + LEASE_REVOKE,
  leaseKeepAlive: PRELUDE + LEASE_KEEPALIVE,
  leaseTtl: PRELUDE + LEASE_TTL,
  leaseExpire: PRELUDE + LEASE_EXPIRE,
  compact: PRELUDE + COMPACT,
  compactStep: PRELUDE + COMPACT_STEP,
  watchRead: PRELUDE + WATCH_READ,
  revision: PRELUDE + REVISION,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
