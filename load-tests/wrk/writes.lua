-- wrk script for the harness's write load (load-tests/harness, WriteLoad): POSTs one log row at a time, spread
-- over many jobs (jobwatch) or channels (nchan), so that every job's rows come in order and watchers can check
-- each is heard once.
--
--   WRK_JOBS=jobs.txt WRK_OUT=out.txt WRK_THREADS=16 wrk -t16 -c16 -d20s -s writes.lua http://127.0.0.1:8080
--
-- WRK_JOBS has one line per job: "<path> <bearer token or -> <first row number>". Run with as many connections
-- as threads (one connection per thread, one request in flight at a time): thread i owns jobs i, i + n, i + 2n,
-- ... and writes them round robin, each row "ts=<epoch micros>.<row number> row"; a job's row number moves on
-- only when the server answered 2xx, so a failed write is written again with the same number. done() writes
-- WRK_OUT: the totals, wrk's own CPU ticks (utime + stime of all its threads, from /proc/self/stat), and each
-- job's next row number ("job <line> <number>"), which the harness carries to the next run and checks the
-- watchers against; and "pending <line>" for each job whose last request was sent but not answered when wrk
-- stopped (one at most per thread): the server may or may not have written that row.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_usec; } wrk_timeval;
int gettimeofday(wrk_timeval *tv, void *tz);
]]
local tv = ffi.new("wrk_timeval")

local function micros()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000000 + tonumber(tv.tv_usec)
end

local threads = {}
local nthreads = tonumber(os.getenv("WRK_THREADS") or "1")

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

-- per thread (each has its own Lua state)
local paths, headers = {}, {}
seq = {}
ok, failed, first_error = 0, 0, ""
-- the job whose request is on the wire and not answered yet (0: none): when wrk stops, it may have been written
inflight = 0
local current, count = 0, 0

function init(args)
  local n = 0
  for line in io.lines(os.getenv("WRK_JOBS")) do
    if n % nthreads == id then
      local path, token, first = line:match("^(%S+) (%S+) (%d+)$")
      count = count + 1
      paths[count] = path
      headers[count] = token ~= "-" and { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "text/plain" }
        or { ["Content-Type"] = "text/plain" }
      seq[count] = tonumber(first)
    end
    n = n + 1
  end
end

function request()
  current = current % count + 1
  inflight = current
  local body = "ts=" .. string.format("%.0f", micros()) .. "." .. string.format("%.0f", seq[current]) .. " row"
  return wrk.format("POST", paths[current], headers[current], body)
end

function response(status, headers, body)
  inflight = 0
  if status >= 200 and status < 300 then
    seq[current] = seq[current] + 1
    ok = ok + 1
  else
    failed = failed + 1
    if first_error == "" then
      first_error = "status " .. status .. " " .. string.sub(body or "", 1, 200):gsub("%s+", " ")
    end
  end
end

function done(summary, latency, requests)
  local out = assert(io.open(os.getenv("WRK_OUT"), "w"))
  local ok_sum, failed_sum, first = 0, 0, ""
  for _, t in ipairs(threads) do
    ok_sum = ok_sum + t:get("ok")
    failed_sum = failed_sum + t:get("failed")
    if first == "" then first = t:get("first_error") end
  end
  local stat = io.open("/proc/self/stat"):read("*a")
  local fields = {}
  for f in stat:sub(stat:find(")", 1, true) + 2):gmatch("%S+") do
    table.insert(fields, f)
  end
  local e = summary.errors
  out:write("ok ", ok_sum, "\n")
  out:write("failed ", failed_sum, "\n")
  out:write("socket_errors ", e.connect + e.read + e.write + e.timeout, "\n")
  out:write("duration_us ", summary.duration, "\n")
  out:write("cpu_ticks ", tonumber(fields[12]) + tonumber(fields[13]), "\n")
  out:write("first_error ", first, "\n")
  for ti, t in ipairs(threads) do
    local p = t:get("inflight")
    if p > 0 then
      out:write("pending ", (ti - 1) + (p - 1) * nthreads, "\n")
    end
    local s = t:get("seq")
    for i = 1, #s do
      -- thread ti - 1 owns lines ti - 1, ti - 1 + n, ...
      out:write("job ", (ti - 1) + (i - 1) * nthreads, " ", string.format("%.0f", s[i]), "\n")
    end
  end
  out:close()
end
