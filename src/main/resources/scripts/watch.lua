-- What a watching hub needs after a change, in one atomic read: the counters, and the log entries and
-- result-stream chunks past what the hub holds. Answers 'SAME' when the version has not moved, so the
-- slow safety re-read costs one HMGET when nothing was lost.
-- KEYS: job hash, log stream, result stream
-- ARGV: version the hub holds ('' for none), log offset the hub holds (-1: start that many code points
--       back from the end, ARGV[7]), chunks the hub holds (-1: the newest ARGV[6] chunks),
--       most log rows, most log bytes, most chunks, code points of log a new hub starts with
-- Reply (WatchReply): {'NOTFOUND'} | {'SAME'} | {'OK', state, version, progress (or false), logLength,
--          streamLength, logFrom, chunksFrom, entries {id, row, id, row...}, chunks {chunk...},
--          incarnation (or false)}
local h = redis.call('HMGET', KEYS[1], 'state', 'ver', 'progress', 'log_len', 'log_dropped', 'stream_len', 'inc')
if not h[1] then return {'NOTFOUND'} end
if h[2] == ARGV[1] then return {'SAME'} end
local log_len, dropped, stream_len = tonumber(h[4]), tonumber(h[5]), tonumber(h[6])
local log_from = tonumber(ARGV[2])
if log_from < 0 then log_from = math.max(dropped, log_len - tonumber(ARGV[7])) end
local stream_from = tonumber(ARGV[3])
if stream_from < 0 then stream_from = math.max(0, stream_len - tonumber(ARGV[6])) end
local entries = {}
local bytes, max_bytes = 0, tonumber(ARGV[5])
if log_from < log_len then
  for _, entry in ipairs(redis.call('XRANGE', KEYS[2], (log_from + 1) .. '-0', '+', 'COUNT', ARGV[4])) do
    local size = #entry[2][2] + 1
    if #entries > 0 and bytes + size > max_bytes then break end
    entries[#entries + 1] = entry[1]
    entries[#entries + 1] = entry[2][2]
    bytes = bytes + size
  end
end
local chunks = {}
if stream_from < stream_len then
  for _, entry in ipairs(redis.call('XRANGE', KEYS[3], (stream_from + 1) .. '-0', '+', 'COUNT', ARGV[6])) do
    chunks[#chunks + 1] = entry[2][2]
  end
end
return {'OK', h[1], h[2], h[3], h[4], h[6], string.format('%.0f', log_from), string.format('%.0f', stream_from), entries, chunks, h[7]}
