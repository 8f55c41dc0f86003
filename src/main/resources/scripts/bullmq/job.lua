-- A BullMQ job's hash with its log's size in rows and in code points (newlines included), read at once.
-- KEYS: job hash, log list
-- Returns: {'NOTFOUND'} | {'OK', log rows, log code points, field, value, field, value...}
-- A job is a hash with a timestamp, as BullMQ's add writes it, beside a log that is a list or nothing:
-- BullMQ's own keys (the queue's meta hash and id counter, its lists, sets and streams, a job's lock or
-- log) are not jobs, and a command on a key of another type would fail.
local function is_job(hash, logs)
  if redis.call('TYPE', hash).ok ~= 'hash' or redis.call('HEXISTS', hash, 'timestamp') == 0 then return false end
  local log_type = redis.call('TYPE', logs).ok
  return log_type == 'list' or log_type == 'none'
end
if not is_job(KEYS[1], KEYS[2]) then return {'NOTFOUND'} end
local hash = redis.call('HGETALL', KEYS[1])
local rows = redis.call('LLEN', KEYS[2])
local total = 0
for first = 0, rows - 1, 1000 do
  for _, row in ipairs(redis.call('LRANGE', KEYS[2], first, first + 999)) do
    total = total + #row - select(2, string.gsub(row, '[\128-\191]', '')) + 1
  end
end
local out = {'OK', tostring(rows), tostring(total)}
for _, item in ipairs(hash) do out[#out + 1] = item end
return out
