-- Appends one result-stream chunk; the entry id is the number of chunks after it.
-- KEYS: job hash, log stream, result stream, change channel, idempotency keys (hash: key -> fingerprint),
--       their order (list, oldest first)
-- ARGV: now (ms), TTL (ms), publish command, chunk,
--       then the four that end every write script's ARGV: idempotency key ('' for none), the fingerprint
--       of the write it names, keys kept, incarnation the writer's token names
-- Reply (ScriptStatus): 'OK' | 'NOTFOUND' | 'UNAUTHORIZED' | 'REUSED' | 'COMPLETED'
local h = redis.call('HMGET', KEYS[1], 'state', 'inc')
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
local count = redis.call('HINCRBY', KEYS[1], 'stream_len', 1)
redis.call('XADD', KEYS[3], count .. '-0', 'c', ARGV[4])
if key ~= '' then
  redis.call('HSET', KEYS[5], key, fingerprint)
  if redis.call('RPUSH', KEYS[6], key) > tonumber(ARGV[#ARGV - 1]) then
    redis.call('HDEL', KEYS[5], redis.call('LPOP', KEYS[6]))
  end
  -- Only a keyed write renews the keys' TTL, so that writes without a key cost no more commands: keys
  -- last the job's retention after the last keyed write, far past any retry.
  for i = 5, 6 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
end
local version = redis.call('HINCRBY', KEYS[1], 'ver', 1)
for _, i in ipairs({1, 2, 3}) do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
-- The chunk goes with the notification (see Change.java), so a hub holding the version before needs no read.
redis.call(ARGV[3], KEYS[4], version .. ' C ' .. count .. ' ' .. h[2] .. ' ' .. ARGV[4])
return 'OK'
