-- What a watching hub needs of a BullMQ job, in one atomic read: its state, progress and log, the log
-- past a code-point offset. BullMQ keeps the log as a list of rows with no running length, so placing an
-- offset means walking the rows' sizes; no call walks more than a budget of rows and bytes, so that a
-- long log never holds Redis for more than a moment. Where a walk got to is a mark the caller keeps and
-- gives back: a row number, the code points of the rows before it, and a fingerprint of the row before
-- it, so that a mark that no longer fits the list (rows trimmed by keepLogs) is dropped. A call that runs
-- out of budget answers 'MORE' with its marks, and the caller calls again from there.
-- The version is a fingerprint of what a watcher can see (state, progress, rows, last row), so an
-- unchanged job costs a few reads and answers 'SAME'.
-- KEYS: job hash, log list
-- ARGV: version held as 12 hex digits ('' for none), log offset held (-1: that many code points back
--       from the end, ARGV[5]), most rows, most bytes (one row at least), code points a new hub starts with,
--       end mark (row, code points, fingerprint), mark at or before the offset (row, code points,
--       fingerprint), rows and bytes a call may walk and read
-- Reply (BullMqReplies.WatchReply): {'NOTFOUND'} | {'SAME'} | {'MORE', end (3), read (3)} |
--          {'OK', state, version, progress (or false), logLength, logFrom, begin (the offset where the
--          first row returned begins), end (3), read (3: the mark after the rows returned), rows...}
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

local budget_rows, budget_bytes = tonumber(ARGV[12]), tonumber(ARGV[13])
local function fingerprint(row) return string.sub(redis.sha1hex(row), 1, 12) end
-- UTF-8 continuation bytes start no code point; the newline after each row is one. Most rows are
-- ASCII, which one find tells without copying the row.
local function size(row)
  if not string.find(row, '[\128-\255]') then return #row + 1 end
  return #row - select(2, string.gsub(row, '[\128-\191]', '')) + 1
end
local function mark(row, offset, check)
  row, offset = tonumber(row), tonumber(offset)
  if row <= 0 or row > rows or fingerprint(redis.call('LINDEX', KEYS[2], row - 1)) ~= check then
    return {row = 0, offset = 0, check = ''}
  end
  return {row = row, offset = offset, check = check}
end
-- Walks from m while the budget lasts, up to the end or to the row that holds code point 'upto'.
-- Returns whether it got there; m is where it is.
local function walk(m, upto)
  local batch, passed, done = 16, nil, true
  while m.row < rows do
    if budget_rows <= 0 or budget_bytes <= 0 then done = false break end
    local got = redis.call('LRANGE', KEYS[2], m.row, m.row + math.min(batch, budget_rows) - 1)
    local bytes, stop = 0, false
    for _, row in ipairs(got) do
      local s = size(row)
      if upto and m.offset + s > upto then stop = true break end
      m.row, m.offset, passed = m.row + 1, m.offset + s, row
      budget_rows, budget_bytes, bytes = budget_rows - 1, budget_bytes - #row - 1, bytes + #row + 1
      if budget_bytes <= 0 then break end
    end
    if stop then break end
    -- Rows of about the size just seen, as many as the bytes left allow.
    batch = math.max(1, math.min(100, math.floor(budget_bytes * #got / math.max(bytes, 1))))
  end
  if passed then m.check = fingerprint(passed) end
  return done
end
local function marks(out, ...)
  for _, m in ipairs({...}) do
    out[#out + 1] = tostring(m.row); out[#out + 1] = tostring(m.offset); out[#out + 1] = m.check
  end
  return out
end

local ends = mark(ARGV[6], ARGV[7], ARGV[8])
local at = mark(ARGV[9], ARGV[10], ARGV[11])
if not walk(ends) then return marks({'MORE'}, ends, at) end
local total = ends.offset
local from = tonumber(ARGV[2])
if from < 0 then from = math.max(0, total - tonumber(ARGV[5])) end
if from >= total then
  -- An offset a client gave, up to 2^53 - 1, which tostring would write as a float from 10^14 on.
  local asked = string.format('%.0f', from)
  return marks({'OK', state, version, h[4] or false, tostring(total), asked, tostring(total)}, ends, ends)
end
if at.offset > from then at = {row = 0, offset = 0, check = ''} end
if not walk(at, from) then return marks({'MORE'}, ends, at) end

local begin, read, passed = at.offset, {}, nil
local max_rows = math.min(tonumber(ARGV[3]), math.max(budget_rows, 1))
local max_bytes = math.min(tonumber(ARGV[4]), budget_bytes)
local bytes, batch, full = 0, 16, false
while not full and #read < max_rows and at.row < rows do
  local got = redis.call('LRANGE', KEYS[2], at.row, at.row + math.min(batch, max_rows - #read) - 1)
  for _, row in ipairs(got) do
    if #read > 0 and bytes + #row + 1 > max_bytes then full = true break end
    read[#read + 1] = row
    bytes = bytes + #row + 1
    at.row, at.offset, passed = at.row + 1, at.offset + size(row), row
  end
  batch = math.max(1, math.min(100, math.floor((max_bytes - bytes) * #read / math.max(bytes, 1))))
end
if passed then at.check = fingerprint(passed) end
local out = marks({'OK', state, version, h[4] or false, tostring(total), tostring(from), tostring(begin)}, ends, at)
for _, row in ipairs(read) do out[#out + 1] = row end
return out
