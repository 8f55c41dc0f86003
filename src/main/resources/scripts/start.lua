-- Marks a queued job running; starting a running job again changes nothing.
-- KEYS: job hash, log stream, result stream, change channel
-- ARGV: now (ms), TTL (ms), publish command, incarnation the writer's token names (the last ARGV of
--       every write script: a token of an earlier job with this id answers 'UNAUTHORIZED')
-- Reply (ScriptStatus): 'OK' | 'NOTFOUND' | 'UNAUTHORIZED' | 'COMPLETED'
local h = redis.call('HMGET', KEYS[1], 'state', 'inc')
local state = h[1]
if not state then return 'NOTFOUND' end
if h[2] ~= ARGV[#ARGV] then return 'UNAUTHORIZED' end
if state == 'completed' then return 'COMPLETED' end
if state == 'running' then return 'OK' end
redis.call('HSET', KEYS[1], 'state', 'running', 'started_at', ARGV[1])
local version = redis.call('HINCRBY', KEYS[1], 'ver', 1)
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
redis.call(ARGV[3], KEYS[4], version)
return 'OK'
