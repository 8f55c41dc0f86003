-- Completes a job (a cancel is a completion too) and starts its retention clock.
-- KEYS: job hash, log stream, result stream, change channel
-- ARGV: now (ms), TTL (ms), publish command, success ('1' or '0'), result JSON,
--       canceled ('1' or '0'), canceled_by, canceled_reason ('' when not given),
--       incarnation the writer's token names ('' for a producer's cancel, which takes any)
-- Reply (ScriptStatus): 'OK' | 'NOTFOUND' | 'UNAUTHORIZED' | 'COMPLETED'
local h = redis.call('HMGET', KEYS[1], 'state', 'inc')
local state = h[1]
if not state then return 'NOTFOUND' end
if ARGV[#ARGV] ~= '' and h[2] ~= ARGV[#ARGV] then return 'UNAUTHORIZED' end
if state == 'completed' then return 'COMPLETED' end
redis.call('HSET', KEYS[1], 'state', 'completed', 'completed_at', ARGV[1], 'success', ARGV[4],
  'result', ARGV[5], 'canceled', ARGV[6])
redis.call('HSETNX', KEYS[1], 'started_at', ARGV[1])
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'canceled_by', ARGV[7]) end
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'canceled_reason', ARGV[8]) end
local version = redis.call('HINCRBY', KEYS[1], 'ver', 1)
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
redis.call(ARGV[3], KEYS[4], version)
return 'OK'
