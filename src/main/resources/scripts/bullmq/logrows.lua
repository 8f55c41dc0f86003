-- Log rows by number and the row count, as BullMQ's getJobLogs reads them, for a job that exists.
-- KEYS: job hash, log list
-- ARGV: first row, most rows
-- Returns: {'NOTFOUND'} | {'OK', count, row...}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOTFOUND'} end
local out = {'OK', tostring(redis.call('LLEN', KEYS[2]))}
local length = tonumber(ARGV[2])
if length > 0 then
  local first = tonumber(ARGV[1])
  for _, row in ipairs(redis.call('LRANGE', KEYS[2], first, first + length - 1)) do out[#out + 1] = row end
end
return out
