-- Reads log rows by number, as BullMQ's getJobLogs does. When old rows were dropped, row 0 is a
-- marker that the caller writes; rows are found by a binary search over the offset-keyed entries,
-- O(log^2 n) instead of walking from the first row.
-- KEYS: job hash, log stream
-- ARGV: start (row number as the client counts them), length, incarnation the reader's token names
--       ('' for a producer, who reads any)
-- Reply (LogRowsReply): {'OK', count, droppedRows, droppedChars, row...} | {'NOTFOUND'} | {'UNAUTHORIZED'}
local h = redis.call('HMGET', KEYS[1], 'state', 'log_rows', 'log_dropped_rows', 'log_len', 'log_dropped', 'inc')
if not h[1] then return {'NOTFOUND'} end
if ARGV[3] ~= '' and h[6] ~= ARGV[3] then return {'UNAUTHORIZED'} end
local total, first = tonumber(h[2]), tonumber(h[3])
local marker = 0
if first > 0 then marker = 1 end
local count = total - first + marker
local out = {'OK', tostring(count), h[3], h[5]}
local start, length = tonumber(ARGV[1]), tonumber(ARGV[2])
local from = math.max(start, marker)
local to = math.min(start + length, count)
if from >= to then return out end
local wanted = first + from - marker
local lo, hi = tonumber(h[5]) + 1, tonumber(h[4])
local found
while true do
  local mid = math.floor((lo + hi) / 2)
  local entry = redis.call('XRANGE', KEYS[2], mid .. '-0', '+', 'COUNT', 1)[1]
  local row = tonumber(entry[2][4])
  local id = tonumber(string.match(entry[1], '^(%d+)'))
  if row == wanted then found = id break end
  if row > wanted then hi = mid - 1 else lo = id + 1 end
end
for _, entry in ipairs(redis.call('XRANGE', KEYS[2], found .. '-0', '+', 'COUNT', to - from)) do
  out[#out + 1] = entry[2][2]
end
return out
