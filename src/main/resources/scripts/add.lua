-- Creates a job unless its id is taken, with no idempotency key of an earlier job that had its id.
-- KEYS: job hash, change channel, idempotency keys, their order
-- ARGV: meta JSON, now (ms), TTL (ms), publish command, incarnation (random, new for every add)
-- Reply (ScriptStatus): 'OK' | 'EXISTS'
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 'EXISTS'
end
redis.call('HSET', KEYS[1], 'state', 'queued', 'meta', ARGV[1], 'created_at', ARGV[2],
  'log_len', 0, 'log_rows', 0, 'log_bytes', 0, 'log_dropped', 0, 'log_dropped_rows', 0,
  'stream_len', 0, 'ver', 1, 'inc', ARGV[5], 'ttl_at', ARGV[2])
redis.call('DEL', KEYS[3], KEYS[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call(ARGV[4], KEYS[2], '1')
return 'OK'
