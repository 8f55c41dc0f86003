-- Marks a queued job running; starting a running job again changes nothing.
-- KEYS: job hash, log stream, result stream, change channel
-- ARGV: now (ms), TTL (ms), publish command
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'NOTFOUND' end
if state == 'completed' then return 'COMPLETED' end
if state == 'running' then return 'OK' end
redis.call('HSET', KEYS[1], 'state', 'running', 'started_at', ARGV[1])
local version = redis.call('HINCRBY', KEYS[1], 'ver', 1)
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
redis.call(ARGV[3], KEYS[4], version)
return 'OK'
