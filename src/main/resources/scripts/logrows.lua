-- Reads log rows by number, as BullMQ's getJobLogs does. When old rows were dropped, row 0 is a
-- marker that the caller writes; rows are found by a search over the offset-keyed entries (below)
-- instead of walking from the first row. A call reads a bounded slice of the rows asked for:
-- only rows that end within 'most bytes' code points of the first one's end, and about that many bytes
-- (the first row whole, whatever its size); the caller asks again for the rest.
-- KEYS: job hash, log stream
-- ARGV: start (row number as the client counts them), length, incarnation the reader holds ('' for a
--       producer's first slice, which reads any), most bytes
-- Reply (LogRowsReply): {'OK', count, droppedRows, droppedChars, incarnation (or false), row...} |
--          {'NOTFOUND'} | {'UNAUTHORIZED'}
local h = redis.call('HMGET', KEYS[1], 'state', 'log_rows', 'log_dropped_rows', 'log_len', 'log_dropped', 'inc')
if not h[1] then return {'NOTFOUND'} end
if ARGV[3] ~= '' and h[6] ~= ARGV[3] then return {'UNAUTHORIZED'} end
local total, first = tonumber(h[2]), tonumber(h[3])
local marker = 0
if first > 0 then marker = 1 end
local count = total - first + marker
local out = {'OK', tostring(count), h[3], h[5], h[6] or false}
local start, length = tonumber(ARGV[1]), tonumber(ARGV[2])
local from = math.max(start, marker)
local to = math.min(start + length, count)
if from >= to then return out end
local wanted = first + from - marker
-- Each probe, XRANGE log mid-0 + COUNT 1, reads the first row ending at or after mid: a whole row, up to
-- 64 KiB, to learn its number. Rows of one log are often of about one size, so a guess from the rows and
-- offsets known on either side (where the wanted row would end if they were all alike) usually lands on
-- it at once; every other probe halves the range instead, so an uneven log costs twice the binary
-- search's probes at worst, O(log^2 n) as before.
local lo, hi = tonumber(h[5]) + 1, tonumber(h[4])
local lo_row, lo_end, hi_row, hi_end = first - 1, tonumber(h[5]), total - 1, tonumber(h[4])
local found, guess = nil, true
while true do
  local mid = math.floor((lo + hi) / 2)
  if guess then
    mid = math.floor(lo_end + (wanted - lo_row) * (hi_end - lo_end) / (hi_row - lo_row))
    mid = math.max(lo, math.min(hi, mid))
  end
  guess = not guess
  local entry = redis.call('XRANGE', KEYS[2], mid .. '-0', '+', 'COUNT', 1)[1]
  local row = tonumber(entry[2][4])
  local id = tonumber(string.match(entry[1], '^(%d+)'))
  if row == wanted then found = id break end
  if row > wanted then
    hi, hi_row, hi_end = mid - 1, row, id
  else
    lo, lo_row, lo_end = id + 1, row, id
  end
end
local bytes, max_bytes = 0, tonumber(ARGV[4])
local last = (found + max_bytes) .. '-0'
for _, entry in ipairs(redis.call('XRANGE', KEYS[2], found .. '-0', last, 'COUNT', to - from)) do
  local size = #entry[2][2] + 1
  if #out > 5 and bytes + size > max_bytes then break end
  out[#out + 1] = entry[2][2]
  bytes = bytes + size
end
return out
