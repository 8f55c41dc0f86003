-- Appends one result-stream chunk; the entry id is the number of chunks after it.
-- KEYS: job hash, log stream, result stream, change channel
-- ARGV: now (ms), TTL (ms), publish command, chunk, incarnation the writer's token names
-- Reply (ScriptStatus): 'OK' | 'NOTFOUND' | 'UNAUTHORIZED' | 'COMPLETED'
local h = redis.call('HMGET', KEYS[1], 'state', 'inc')
local state = h[1]
if not state then return 'NOTFOUND' end
if h[2] ~= ARGV[#ARGV] then return 'UNAUTHORIZED' end
if state == 'completed' then return 'COMPLETED' end
local count = redis.call('HINCRBY', KEYS[1], 'stream_len', 1)
redis.call('XADD', KEYS[3], count .. '-0', 'c', ARGV[4])
local version = redis.call('HINCRBY', KEYS[1], 'ver', 1)
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
-- The chunk goes with the notification (see Change.java), so a hub holding the version before needs no read.
redis.call(ARGV[3], KEYS[4], version .. ' C ' .. count .. ' ' .. h[2] .. ' ' .. ARGV[4])
return 'OK'
