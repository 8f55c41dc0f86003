-- Appends one result-stream chunk; the entry id is the number of chunks after it.
-- KEYS: job hash, log stream, result stream, change channel, idempotency keys (hash: key -> fingerprint),
--       their order (list, oldest first)
-- ARGV: now (ms), TTL (ms), publish command, chunk,
--       then the four that end every write script's ARGV: idempotency key ('' for none), the fingerprint
--       of the write it names, keys kept, incarnation the writer's token names
-- Reply (ScriptStatus): 'OK' | 'NOTFOUND' | 'UNAUTHORIZED' | 'REUSED' | 'COMPLETED'
-- Counters are Lua numbers (doubles): exact to 2^53, but tostring writes 1e+14 and up in exponent form.
local function int(n) return string.format('%d', n) end
-- The job's keys take their TTL again only once it has run down by a slack (1% of it, at most a minute),
-- so that a busy job pays for it about once a minute; a write that creates one of them renews at once, so
-- no key is ever left without a TTL. A renewal dated after now (by a pod whose clock runs ahead) renews too.
-- Adds the time of the renewal to the fields the script writes to the hash.
local function renew(fields, renewed_at, force)
  local age = renewed_at and tonumber(ARGV[1]) - tonumber(renewed_at)
  if force or not age or age < 0 or age >= math.min(math.floor(tonumber(ARGV[2]) / 100), 60000) then
    for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
    table.insert(fields, 'ttl_at')
    table.insert(fields, ARGV[1])
  end
end
local h = redis.call('HMGET', KEYS[1], 'state', 'inc', 'stream_len', 'ver', 'ttl_at')
local state = h[1]
if not state then return 'NOTFOUND' end
if h[2] ~= ARGV[#ARGV] then return 'UNAUTHORIZED' end
-- A write that a key already names was applied: its retry answers as it did, whatever came since.
local key, fingerprint = ARGV[#ARGV - 3], ARGV[#ARGV - 2]
if key ~= '' then
  local seen = redis.call('HGET', KEYS[5], key)
  if seen then return seen == fingerprint and 'OK' or 'REUSED' end
end
if state == 'completed' then return 'COMPLETED' end
local count = tonumber(h[3]) + 1
local version = tonumber(h[4]) + 1
redis.call('XADD', KEYS[3], int(count) .. '-0', 'c', ARGV[4])
local fields = {'stream_len', int(count), 'ver', int(version)}
-- The first chunk creates the result stream.
renew(fields, h[5], count == 1)
redis.call('HSET', KEYS[1], unpack(fields))
if key ~= '' then
  redis.call('HSET', KEYS[5], key, fingerprint)
  if redis.call('RPUSH', KEYS[6], key) > tonumber(ARGV[#ARGV - 1]) then
    redis.call('HDEL', KEYS[5], redis.call('LPOP', KEYS[6]))
  end
  -- Only a keyed write renews the idempotency keys' TTL, so that writes without a key cost no more
  -- commands: they last the job's retention after the last keyed write, far past any retry.
  for i = 5, 6 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
end
-- The chunk goes with the notification (see Change.java), so a hub holding the version before needs no read.
redis.call(ARGV[3], KEYS[4], int(version) .. ' C ' .. int(count) .. ' ' .. h[2] .. ' ' .. ARGV[4])
return 'OK'
