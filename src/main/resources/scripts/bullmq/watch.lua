-- What a watching hub needs of a BullMQ job, in one atomic read: its state, progress and log, the log
-- past a code-point offset. BullMQ keeps the log as a list of rows with no running length, so the
-- script walks the rows' sizes to place the offset; the text itself is read only from there on.
-- The version is a fingerprint of what a watcher can see (state, progress, rows, last row), so an
-- unchanged job costs a few reads and answers 'SAME'.
-- KEYS: job hash, log list
-- ARGV: version held as 12 hex digits ('' for none), log offset held (-1: that many code points back
--       from the end, ARGV[5]), most rows, most bytes (one row at least), code points a new hub starts with
-- Returns: {'NOTFOUND'} | {'SAME'} | {'OK', state, version, progress or false, log length, log from,
--          offset where the first row returned begins, row...}
-- A job is a hash with a timestamp, as BullMQ's add writes it, beside a log that is a list or nothing:
-- BullMQ's own keys (the queue's meta hash and id counter, its lists, sets and streams, a job's lock or
-- log) are not jobs, and a command on a key of another type would fail.
local function is_job(hash, logs)
  if redis.call('TYPE', hash).ok ~= 'hash' or redis.call('HEXISTS', hash, 'timestamp') == 0 then return false end
  local log_type = redis.call('TYPE', logs).ok
  return log_type == 'list' or log_type == 'none'
end
if not is_job(KEYS[1], KEYS[2]) then return {'NOTFOUND'} end
local h = redis.call('HMGET', KEYS[1], 'timestamp', 'processedOn', 'finishedOn', 'progress')
local state = 'queued'
if h[3] then state = 'completed' elseif h[2] then state = 'running' end
local rows = redis.call('LLEN', KEYS[2])
local last = redis.call('LINDEX', KEYS[2], -1) or ''
local version = string.sub(redis.sha1hex(table.concat({state, h[4] or '', rows, #last, last}, '\0')), 1, 12)
if version == ARGV[1] then return {'SAME'} end
local sizes, total = {}, 0
for first = 0, rows - 1, 1000 do
  for _, row in ipairs(redis.call('LRANGE', KEYS[2], first, first + 999)) do
    -- UTF-8 continuation bytes start no code point; the newline after each row is one.
    local size = #row - select(2, string.gsub(row, '[\128-\191]', '')) + 1
    sizes[#sizes + 1] = size
    total = total + size
  end
end
local from = tonumber(ARGV[2])
if from < 0 then from = math.max(0, total - tonumber(ARGV[5])) end
local index, begin = nil, 0
for i, size in ipairs(sizes) do
  if begin + size > from then index = i break end
  begin = begin + size
end
local out = {'OK', state, version, h[4] or false, tostring(total), tostring(from), tostring(begin)}
if index then
  local bytes, max_bytes = 0, tonumber(ARGV[4])
  for _, row in ipairs(redis.call('LRANGE', KEYS[2], index - 1, index + tonumber(ARGV[3]) - 2)) do
    local size = #row + 1
    if #out > 7 and bytes + size > max_bytes then break end
    out[#out + 1] = row
    bytes = bytes + size
  end
end
return out
