-- Log rows by number and the row count, as BullMQ's getJobLogs reads them, for a job that exists.
-- KEYS: job hash, log list
-- ARGV: first row, most rows
-- Reply (BullMqReplies.LogRowsReply): {'NOTFOUND'} | {'OK', count, rows...}
-- A job is a hash with a timestamp, as BullMQ's add writes it, beside a log that is a list or nothing:
-- BullMQ's own keys (the queue's meta hash and id counter, its lists, sets and streams, a job's lock or
-- log) are not jobs, and a command on a key of another type would fail.
local function is_job(hash, logs)
  if redis.call('TYPE', hash).ok ~= 'hash' or redis.call('HEXISTS', hash, 'timestamp') == 0 then return false end
  local log_type = redis.call('TYPE', logs).ok
  return log_type == 'list' or log_type == 'none'
end
if not is_job(KEYS[1], KEYS[2]) then return {'NOTFOUND'} end
local count = redis.call('LLEN', KEYS[2])
local out = {'OK', tostring(count)}
-- A start past the last row is an empty page, as LRANGE answers it; it is compared here, since a start
-- past 2^53 reaches Lua as a float that LRANGE would refuse as not an integer.
local first, length = tonumber(ARGV[1]), tonumber(ARGV[2])
if length > 0 and first < count then
  local last = math.min(first + length, count) - 1
  for _, row in ipairs(redis.call('LRANGE', KEYS[2], first, last)) do out[#out + 1] = row end
end
return out
