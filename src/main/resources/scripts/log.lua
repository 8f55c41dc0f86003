-- Appends one log row. The entry id is the log's length in code points after the row (and its
-- newline), so a reader resumes from any offset with one XRANGE; field r is the row's number.
-- Past the cap the oldest rows go, and the counters say how much went, so offsets never move back.
-- Publishes '<version> L <log length> <incarnation> <row>' (see Change.java), or the version alone
-- after a trim.
-- KEYS: job hash, log stream, result stream, change channel, idempotency keys (hash: key -> fingerprint),
--       their order (list, oldest first)
-- ARGV: now (ms), TTL (ms), publish command, row (without its newline),
--       code points of the row with its newline, cap (bytes),
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
local length = redis.call('HINCRBY', KEYS[1], 'log_len', ARGV[5])
local row = redis.call('HINCRBY', KEYS[1], 'log_rows', 1) - 1
redis.call('XADD', KEYS[2], length .. '-0', 't', ARGV[4], 'r', row)
local bytes = redis.call('HINCRBY', KEYS[1], 'log_bytes', #ARGV[4] + 1)
local cap = tonumber(ARGV[6])
local trimmed = bytes > cap
if trimmed then
  local last_id, last_row
  local from = '-'
  -- Batches grow from one entry: an append usually drops about as much as it adds, often a single row,
  -- and each entry read is copied whole (a batch of 100 rows of 64 KiB held Redis ~90 ms).
  local count = 1
  while bytes > cap do
    -- Entries are trimmed once at the end, so each batch starts past the one before it.
    local oldest = redis.call('XRANGE', KEYS[2], from, '+', 'COUNT', count)
    for _, entry in ipairs(oldest) do
      if bytes <= cap then break end
      bytes = bytes - (#entry[2][2] + 1)
      last_id = tonumber(string.match(entry[1], '^(%d+)'))
      last_row = tonumber(entry[2][4])
    end
    from = (last_id + 1) .. '-0'
    if count < 128 then count = count * 2 end
  end
  redis.call('XTRIM', KEYS[2], 'MINID', (last_id + 1) .. '-0')
  redis.call('HSET', KEYS[1], 'log_bytes', bytes, 'log_dropped', last_id, 'log_dropped_rows', last_row + 1)
end
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
-- The row goes with the notification, so that a hub that holds the version before applies it without a
-- read; after a trim it says only the version, and hubs read.
if trimmed then
  redis.call(ARGV[3], KEYS[4], version)
else
  redis.call(ARGV[3], KEYS[4], version .. ' L ' .. length .. ' ' .. h[2] .. ' ' .. ARGV[4])
end
return 'OK'
