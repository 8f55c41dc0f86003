-- Sets a BullMQ job's progress for the worker that holds its lock, with the effects of BullMQ's own
-- updateProgress: the hash's progress field, and a 'progress' event on the queue's events stream,
-- trimmed (approximately) to the queue's opts.maxLenEvents, which is set to 10000 when missing.
-- KEYS: job hash, events stream, queue meta hash, job lock, idempotency keys (hash: lock token, newline,
--       key -> fingerprint), their order (list, oldest first)
-- ARGV: job id, progress JSON, lock token, idempotency key ('' for none), the fingerprint of the write it
--       names, keys kept, the keys' TTL (ms)
-- Reply (ScriptStatus): 'OK' | 'UNAUTHORIZED' (no lock, as for a job that is not active, or another token) |
--       'NOTFOUND' | 'REUSED' (the key names another write)
-- The key, for this lock token: a retry by the same worker finds it; another attempt, with its own token,
-- never does.
local function remember(keys, order, field, fingerprint, kept, ttl)
  redis.call('HSET', keys, field, fingerprint)
  if redis.call('RPUSH', order, field) > tonumber(kept) then
    redis.call('HDEL', keys, redis.call('LPOP', order))
  end
  redis.call('PEXPIRE', keys, ttl)
  redis.call('PEXPIRE', order, ttl)
end
-- Only a string lock holds a job: an id that names one of BullMQ's own keys finds no lock, or one of
-- another type, which a GET could not read.
local function held(lock, token)
  return redis.call('TYPE', lock).ok == 'string' and redis.call('GET', lock) == token
end
-- A job is a hash with a timestamp, as BullMQ's add writes it: not the queue's meta hash or another of
-- BullMQ's own keys.
if not held(KEYS[4], ARGV[3]) then return 'UNAUTHORIZED' end
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' or redis.call('HEXISTS', KEYS[1], 'timestamp') == 0 then
  return 'NOTFOUND'
end
local field = ARGV[3] .. '\n' .. ARGV[4]
if ARGV[4] ~= '' then
  local seen = redis.call('HGET', KEYS[5], field)
  if seen then return seen == ARGV[5] and 'OK' or 'REUSED' end
end
local max_events = redis.call('HGET', KEYS[3], 'opts.maxLenEvents')
if not max_events then
  max_events = 10000
  redis.call('HSET', KEYS[3], 'opts.maxLenEvents', max_events)
end
redis.call('HSET', KEYS[1], 'progress', ARGV[2])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', max_events, '*', 'event', 'progress', 'jobId', ARGV[1], 'data', ARGV[2])
if ARGV[4] ~= '' then remember(KEYS[5], KEYS[6], field, ARGV[5], ARGV[6], ARGV[7]) end
return 'OK'
