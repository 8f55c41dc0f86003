-- A BullMQ job's hash with its log's size in rows and in code points (newlines included). BullMQ keeps
-- no running length of the log, so its size is walked from a mark the caller keeps (a row number, the
-- code points before it, a fingerprint of the row before it; see watch.lua), at most a budget of rows
-- and bytes per call: a call that runs out answers 'MORE' with the mark it got to, and the caller calls
-- again from there.
-- KEYS: job hash, log list
-- ARGV: mark (row, code points, fingerprint), rows and bytes a call may walk
-- Reply (BullMqReplies.JobReply): {'NOTFOUND'} | {'MORE', end (3)} | {'OK', logRows, logLength, end (3),
--          hash: field, value...}; a mark (3) is row, code points before it, fingerprint
-- A job is a hash with a timestamp, as BullMQ's add writes it, beside a log that is a list or nothing:
-- BullMQ's own keys (the queue's meta hash and id counter, its lists, sets and streams, a job's lock or
-- log) are not jobs, and a command on a key of another type would fail.
local function is_job(hash, logs)
  if redis.call('TYPE', hash).ok ~= 'hash' or redis.call('HEXISTS', hash, 'timestamp') == 0 then return false end
  local log_type = redis.call('TYPE', logs).ok
  return log_type == 'list' or log_type == 'none'
end
if not is_job(KEYS[1], KEYS[2]) then return {'NOTFOUND'} end
local rows = redis.call('LLEN', KEYS[2])
local budget_rows, budget_bytes = tonumber(ARGV[4]), tonumber(ARGV[5])
local function fingerprint(row) return string.sub(redis.sha1hex(row), 1, 12) end
local row, total, check = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
if row <= 0 or row > rows or fingerprint(redis.call('LINDEX', KEYS[2], row - 1)) ~= check then
  row, total, check = 0, 0, ''
end
local batch, passed = 16, nil
while row < rows and budget_rows > 0 and budget_bytes > 0 do
  local got = redis.call('LRANGE', KEYS[2], row, row + math.min(batch, budget_rows) - 1)
  local bytes = 0
  for _, text in ipairs(got) do
    -- UTF-8 continuation bytes start no code point; the newline after each row is one. Most rows are
    -- ASCII, which one find tells without copying the row.
    if string.find(text, '[\128-\255]') then
      total = total + #text - select(2, string.gsub(text, '[\128-\191]', '')) + 1
    else
      total = total + #text + 1
    end
    row, passed = row + 1, text
    budget_rows, budget_bytes, bytes = budget_rows - 1, budget_bytes - #text - 1, bytes + #text + 1
    if budget_bytes <= 0 then break end
  end
  batch = math.max(1, math.min(100, math.floor(budget_bytes * #got / math.max(bytes, 1))))
end
if passed then check = fingerprint(passed) end
if row < rows then return {'MORE', tostring(row), tostring(total), check} end
local out = {'OK', tostring(rows), tostring(total), tostring(row), tostring(total), check}
for _, item in ipairs(redis.call('HGETALL', KEYS[1])) do out[#out + 1] = item end
return out
