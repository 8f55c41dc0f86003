-- Completes a job (a cancel is a completion too) and starts its retention clock.
-- KEYS: job hash, log stream, result stream, change channel, idempotency keys (hash: key -> fingerprint),
--       their order (list, oldest first)
-- ARGV: now (ms), TTL (ms), publish command, success ('1' or '0'), result JSON,
--       canceled ('1' or '0'), canceled_by, canceled_reason ('' when not given),
--       then the four that end every write script's ARGV: idempotency key ('' for none), the fingerprint
--       of the write it names, keys kept, incarnation the writer's token names
--       ('' for a producer's cancel, which takes any, and has no key)
-- Reply (ScriptStatus): 'OK' | 'NOTFOUND' | 'UNAUTHORIZED' | 'REUSED' | 'COMPLETED'
-- Counters are Lua numbers (doubles): exact to 2^53, but tostring writes 1e+14 and up in exponent form.
local function int(n) return string.format('%d', n) end
local h = redis.call('HMGET', KEYS[1], 'state', 'inc', 'ver', 'started_at')
local state = h[1]
if not state then return 'NOTFOUND' end
if ARGV[#ARGV] ~= '' and h[2] ~= ARGV[#ARGV] then return 'UNAUTHORIZED' end
-- A write that a key already names was applied: its retry answers as it did, whatever came since.
local key, fingerprint = ARGV[#ARGV - 3], ARGV[#ARGV - 2]
if key ~= '' then
  local seen = redis.call('HGET', KEYS[5], key)
  if seen then return seen == fingerprint and 'OK' or 'REUSED' end
end
if state == 'completed' then return 'COMPLETED' end
local version = tonumber(h[3]) + 1
local fields = {'state', 'completed', 'completed_at', ARGV[1], 'success', ARGV[4], 'result', ARGV[5],
  'canceled', ARGV[6], 'ver', int(version), 'ttl_at', ARGV[1]}
if not h[4] then
  table.insert(fields, 'started_at')
  table.insert(fields, ARGV[1])
end
if ARGV[7] ~= '' then
  table.insert(fields, 'canceled_by')
  table.insert(fields, ARGV[7])
end
if ARGV[8] ~= '' then
  table.insert(fields, 'canceled_reason')
  table.insert(fields, ARGV[8])
end
redis.call('HSET', KEYS[1], unpack(fields))
if key ~= '' then
  redis.call('HSET', KEYS[5], key, fingerprint)
  if redis.call('RPUSH', KEYS[6], key) > tonumber(ARGV[#ARGV - 1]) then
    redis.call('HDEL', KEYS[5], redis.call('LPOP', KEYS[6]))
  end
end
-- Every key takes the completed retention now, whatever the last renewal: it counts from this write.
for _, i in ipairs({1, 2, 3, 5, 6}) do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
redis.call(ARGV[3], KEYS[4], int(version))
return 'OK'
