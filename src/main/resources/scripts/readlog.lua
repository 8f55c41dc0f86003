-- Reads log entries that end after a code-point offset, with the counters they must be read against,
-- in one atomic step so that a trim cannot fall between the two.
-- KEYS: job hash, log stream
-- ARGV: offset (0-based code points the reader has), most entries to return, most bytes to return
--       (at least one entry is returned whatever its size)
-- Reply (ReadLogReply): {'OK', logLength, droppedChars, droppedRows, entries: id, row, id, row...} | {'NOTFOUND'}
local h = redis.call('HMGET', KEYS[1], 'state', 'log_len', 'log_dropped', 'log_dropped_rows')
if not h[1] then return {'NOTFOUND'} end
local out = {'OK', h[2], h[3], h[4]}
local from = (tonumber(ARGV[1]) + 1) .. '-0'
local bytes, max_bytes = 0, tonumber(ARGV[3])
for _, entry in ipairs(redis.call('XRANGE', KEYS[2], from, '+', 'COUNT', ARGV[2])) do
  local size = #entry[2][2] + 1
  if #out > 4 and bytes + size > max_bytes then break end
  out[#out + 1] = entry[1]
  out[#out + 1] = entry[2][2]
  bytes = bytes + size
end
return out
