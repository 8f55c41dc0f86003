-- What a watching hub needs after a change, in one atomic read: the counters, and the log entries and
-- result-stream chunks past what the hub holds. Answers 'SAME' when the version has not moved, so the
-- slow safety re-read costs one HMGET when nothing was lost. Each call reads a bounded slice of log and
-- of chunks, whatever the job holds, as readlog.lua and readchunks.lua do (see there).
-- KEYS: job hash, log stream, result stream
-- ARGV: version the hub holds ('' for none), log offset the hub holds (-1: start that many code points
--       back from the end, ARGV[7]), chunks the hub holds (-1: the newest ARGV[6] chunks),
--       most log rows, most log bytes, most chunks, code points of log a new hub starts with,
--       most chunk bytes (log and chunks: one entry at least each)
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
local read_from = math.max(log_from, dropped)
if read_from < log_len then
  local bytes, max_bytes = 0, tonumber(ARGV[5])
  local first = (read_from + 1) .. '-0'
  local got = redis.call('XRANGE', KEYS[2], first, math.min(read_from + max_bytes, log_len) .. '-0', 'COUNT', ARGV[4])
  if #got == 0 then got = redis.call('XRANGE', KEYS[2], first, '+', 'COUNT', 1) end
  for _, entry in ipairs(got) do
    local size = #entry[2][2] + 1
    if #entries > 0 and bytes + size > max_bytes then break end
    entries[#entries + 1] = entry[1]
    entries[#entries + 1] = entry[2][2]
    bytes = bytes + size
  end
end
local chunks = {}
local max_chunks, max_bytes = tonumber(ARGV[6]), tonumber(ARGV[8])
local bytes, largest = 0, 0
while #chunks < max_chunks and stream_from + #chunks < stream_len and bytes < max_bytes do
  local batch = 1
  if largest > 0 then batch = math.max(1, math.min(16, math.floor((max_bytes - bytes) / largest))) end
  batch = math.min(batch, max_chunks - #chunks)
  local got = redis.call('XRANGE', KEYS[3], (stream_from + #chunks + 1) .. '-0', '+', 'COUNT', batch)
  if #got == 0 then break end
  local full = false
  for _, entry in ipairs(got) do
    local size = #entry[2][2] + 1
    if #chunks > 0 and bytes + size > max_bytes then full = true break end
    chunks[#chunks + 1] = entry[2][2]
    bytes = bytes + size
    largest = math.max(largest, size)
  end
  if full then break end
end
return {'OK', h[1], h[2], h[3], h[4], h[6], string.format('%.0f', log_from), string.format('%.0f', stream_from), entries, chunks, h[7]}
