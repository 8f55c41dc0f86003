-- Reads result-stream chunks after the first 'from', in one bounded slice: at most a number of chunks
-- and about a number of bytes (one chunk at least). Chunks have no offset to range over, so they are
-- read in batches no larger than the bytes left allow at the largest chunk seen, 16 at most, so that a
-- run of long chunks after short ones costs a few chunks more, never the whole stream.
-- KEYS: job hash, result stream
-- ARGV: chunks the reader has, most chunks, most bytes, incarnation the reader began with ('' for any)
-- Reply (ReadChunksReply): {'OK', chunk...} | {'NOTFOUND'}
local h = redis.call('HMGET', KEYS[1], 'state', 'stream_len', 'inc')
if not h[1] then return {'NOTFOUND'} end
-- Another incarnation is a later job that took the id: the one the reader began with is gone.
if ARGV[4] ~= '' and h[3] ~= ARGV[4] then return {'NOTFOUND'} end
local out = {'OK'}
local from, total = tonumber(ARGV[1]), tonumber(h[2])
local max_chunks, max_bytes = tonumber(ARGV[2]), tonumber(ARGV[3])
local bytes, largest = 0, 0
while #out - 1 < max_chunks and from + #out - 1 < total and bytes < max_bytes do
  local batch = 1
  if largest > 0 then batch = math.max(1, math.min(16, math.floor((max_bytes - bytes) / largest))) end
  batch = math.min(batch, max_chunks - #out + 1)
  local got = redis.call('XRANGE', KEYS[2], (from + #out) .. '-0', '+', 'COUNT', batch)
  if #got == 0 then break end
  local full = false
  for _, entry in ipairs(got) do
    local size = #entry[2][2] + 1
    if #out > 1 and bytes + size > max_bytes then full = true break end
    out[#out + 1] = entry[2][2]
    bytes = bytes + size
    largest = math.max(largest, size)
  end
  if full then break end
end
return out
