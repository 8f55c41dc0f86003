-- Reads log entries that end after a code-point offset, with the counters they must be read against,
-- in one atomic step so that a trim cannot fall between the two. Each call reads a bounded slice,
-- whatever the log holds: entries are keyed by the offset where they end, so asking only for those
-- that end within 'most bytes' code points of the offset reads at most that many code points (four
-- bytes each at most); when the next row alone is longer, that one row is read, whole.
-- KEYS: job hash, log stream
-- ARGV: offset (0-based code points the reader has), end (code points to read up to, -1 for the log's
--       end), most entries, most bytes (at least one entry is returned whatever its size), incarnation
--       the reader began with ('' for any)
-- Reply (ReadLogReply): {'OK', logLength, droppedChars, droppedRows, incarnation (or false),
--          entries: id, row, id, row...} | {'NOTFOUND'}
local h = redis.call('HMGET', KEYS[1], 'state', 'log_len', 'log_dropped', 'log_dropped_rows', 'inc')
if not h[1] then return {'NOTFOUND'} end
-- Another incarnation is a later job that took the id: the one the reader began with is gone.
if ARGV[5] ~= '' and h[5] ~= ARGV[5] then return {'NOTFOUND'} end
local out = {'OK', h[2], h[3], h[4], h[5] or false}
local from = math.max(tonumber(ARGV[1]), tonumber(h[3]))
local to = tonumber(ARGV[2])
if to < 0 or to > tonumber(h[2]) then to = tonumber(h[2]) end
if from >= to then return out end
local max_bytes = tonumber(ARGV[4])
local first = (from + 1) .. '-0'
local entries = redis.call('XRANGE', KEYS[2], first, math.min(from + max_bytes, to) .. '-0', 'COUNT', ARGV[3])
if #entries == 0 then entries = redis.call('XRANGE', KEYS[2], first, to .. '-0', 'COUNT', 1) end
local bytes = 0
for _, entry in ipairs(entries) do
  local size = #entry[2][2] + 1
  if #out > 5 and bytes + size > max_bytes then break end
  out[#out + 1] = entry[1]
  out[#out + 1] = entry[2][2]
  bytes = bytes + size
end
return out
