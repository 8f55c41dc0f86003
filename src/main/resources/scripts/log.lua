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
local h = redis.call('HMGET', KEYS[1], 'state', 'inc', 'log_len', 'log_rows', 'log_bytes', 'ver', 'ttl_at')
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
local length = tonumber(h[3]) + tonumber(ARGV[5])
local row = tonumber(h[4])
local version = tonumber(h[6]) + 1
redis.call('XADD', KEYS[2], int(length) .. '-0', 't', ARGV[4], 'r', int(row))
local fields = {'log_len', int(length), 'log_rows', int(row + 1), 'ver', int(version)}
local bytes = tonumber(h[5]) + #ARGV[4] + 1
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
    from = int(last_id + 1) .. '-0'
    if count < 128 then count = count * 2 end
  end
  redis.call('XTRIM', KEYS[2], 'MINID', int(last_id + 1) .. '-0')
  table.insert(fields, 'log_dropped')
  table.insert(fields, int(last_id))
  table.insert(fields, 'log_dropped_rows')
  table.insert(fields, int(last_row + 1))
end
table.insert(fields, 'log_bytes')
table.insert(fields, int(bytes))
-- The first row creates the log stream.
renew(fields, h[7], row == 0)
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
-- The row goes with the notification, so that a hub that holds the version before applies it without a
-- read; after a trim it says only the version, and hubs read.
if trimmed then
  redis.call(ARGV[3], KEYS[4], int(version))
else
  redis.call(ARGV[3], KEYS[4], int(version) .. ' L ' .. int(length) .. ' ' .. h[2] .. ' ' .. ARGV[4])
end
return 'OK'
