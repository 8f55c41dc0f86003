-- Appends a row to a BullMQ job's log for the worker that holds its lock, as BullMQ's job.log does: a
-- push to the job's log list, then, when the job's options keep only the last keepLogs rows (stored
-- as 'kl' in the hash's opts JSON), a trim to them.
-- KEYS: job hash, log list, job lock
-- ARGV: row, lock token
-- Returns: 'OK' | 'UNAUTHORIZED' (no lock, as for a job that is not active, or another token) | 'NOTFOUND'
if redis.call('GET', KEYS[3]) ~= ARGV[2] then return 'UNAUTHORIZED' end
if redis.call('EXISTS', KEYS[1]) == 0 then return 'NOTFOUND' end
redis.call('RPUSH', KEYS[2], ARGV[1])
local opts = redis.call('HGET', KEYS[1], 'opts')
if opts then
  local ok, decoded = pcall(cjson.decode, opts)
  local keep = ok and type(decoded) == 'table' and tonumber(decoded['kl'])
  if keep and keep > 0 then redis.call('LTRIM', KEYS[2], -keep, -1) end
end
return 'OK'
