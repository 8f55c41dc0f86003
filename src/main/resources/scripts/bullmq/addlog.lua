-- Appends a row to a BullMQ job's log for the worker that holds its lock, as BullMQ's job.log does: a
-- push to the job's log list, then, when the job's options keep only the last keepLogs rows (stored
-- as 'kl' in the hash's opts JSON), a trim to them.
-- KEYS: job hash, log list, job lock, idempotency keys (hash: lock token, newline, key -> fingerprint),
--       their order (list, oldest first)
-- ARGV: row, lock token, idempotency key ('' for none), the fingerprint of the write it names, keys kept,
--       the keys' TTL (ms)
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
-- A job is a hash with a timestamp, as BullMQ's add writes it, beside a log that is a list or nothing:
-- BullMQ's own keys (the queue's meta hash and id counter, its lists, sets and streams, a job's lock or
-- log) are not jobs, and a command on a key of another type would fail.
local function is_job(hash, logs)
  if redis.call('TYPE', hash).ok ~= 'hash' or redis.call('HEXISTS', hash, 'timestamp') == 0 then return false end
  local log_type = redis.call('TYPE', logs).ok
  return log_type == 'list' or log_type == 'none'
end
if not held(KEYS[3], ARGV[2]) then return 'UNAUTHORIZED' end
if not is_job(KEYS[1], KEYS[2]) then return 'NOTFOUND' end
local field = ARGV[2] .. '\n' .. ARGV[3]
if ARGV[3] ~= '' then
  local seen = redis.call('HGET', KEYS[4], field)
  if seen then return seen == ARGV[4] and 'OK' or 'REUSED' end
end
redis.call('RPUSH', KEYS[2], ARGV[1])
local opts = redis.call('HGET', KEYS[1], 'opts')
if opts then
  local ok, decoded = pcall(cjson.decode, opts)
  local keep = ok and type(decoded) == 'table' and tonumber(decoded['kl'])
  if keep and keep > 0 then redis.call('LTRIM', KEYS[2], -keep, -1) end
end
if ARGV[3] ~= '' then remember(KEYS[4], KEYS[5], field, ARGV[4], ARGV[5], ARGV[6]) end
return 'OK'
