-- A BullMQ job's hash with its log's size in rows and in code points (newlines included), read at once.
-- KEYS: job hash, log list
-- Returns: {'NOTFOUND'} | {'OK', log rows, log code points, field, value, field, value...}
local hash = redis.call('HGETALL', KEYS[1])
if #hash == 0 then return {'NOTFOUND'} end
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
