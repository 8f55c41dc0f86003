-- Records jobs just added in their namespace's index of recent jobs, keeps only the newest, and
-- refreshes the index's retention. It is a script of its own, run after add.lua, because the index
-- lives in the namespace's cluster slot and each job in its own.
-- KEYS: namespace index (sorted set)
-- ARGV: now (ms), TTL (ms), most ids kept, job ids...
-- Reply (ScriptStatus): 'OK'
for i = 4, #ARGV do
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i])
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -1 - tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 'OK'
