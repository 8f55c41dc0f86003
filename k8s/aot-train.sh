#!/usr/bin/env bash
# Builds jobwatch's JDK 25 ahead-of-time cache by a training run:
#
#   k8s/aot-train.sh <extracted-app-jar> <cache-file>
#
# <extracted-app-jar> is the app.jar of the extracted layout (`java -Djarmode=tools -jar jobwatch.jar
# extract`), with lib/ beside it: the cache holds only classes of the JVM's built-in class loaders, so it
# never applies to the fat jar. The run starts the server in local mode (embedded Redis, loopback, a free
# port), drives a short mix of every kind of request, stops the server with SIGTERM, and the JVM writes
# the cache as it exits: the classes loaded and linked, and the method profiles the JIT gathered, so a
# server started with -XX:AOTCache=<cache-file> skips that work. Fails if the cache is not written.
#
# The cache is refused (with a warning; the server still starts) unless the run uses the same JDK build,
# the same jars (each one's size and time) in the same layout, and the same garbage collector and object
# layout flags as the training, so this run takes k8s/deployment.yaml's JAVA_TOOL_OPTIONS unless
# JAVA_TOOL_OPTIONS is set. Java comes from
# JAVA_HOME, else PATH, and must be 25 or later; curl from PATH. AOT_TRAIN_SECONDS sets how long the
# requests run (25 s by default); the whole run takes about a minute more.
set -euo pipefail

# The same as JAVA_TOOL_OPTIONS in k8s/deployment.yaml (KubernetesManifestsTest checks it).
readonly PRODUCTION_JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=70 -XX:+UseG1GC -XX:+UseCompactObjectHeaders -XX:+ExitOnOutOfMemoryError"
# How long the workload runs: enough for the JIT to profile the request paths, short for an image build.
readonly WORKLOAD_SECONDS=${AOT_TRAIN_SECONDS:-25}
readonly NAMESPACE=aot-training
readonly JOBS_PER_ROUND=8

die() {
  echo "aot-train: $*" >&2
  exit 1
}

[[ $# -eq 2 ]] || die "usage: $0 <extracted-app-jar> <cache-file>"
app_jar=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cache=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
[[ -f $app_jar ]] || die "no such jar: $app_jar"
[[ -d $(dirname "$app_jar")/lib ]] || die "$app_jar has no lib/ beside it: extract the jar first (java -Djarmode=tools -jar jobwatch.jar extract)"
command -v curl >/dev/null || die "curl is not on PATH"

java=${JAVA_HOME:+$JAVA_HOME/bin/}java
command -v "$java" >/dev/null || die "no java: set JAVA_HOME or put java on PATH"
java_major=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
[[ ${java_major:-0} -ge 25 ]] || die "$java is Java ${java_major:-unknown}; the AOT cache with -XX:AOTCacheOutput needs 25 or later"

export JAVA_TOOL_OPTIONS=${JAVA_TOOL_OPTIONS:-$PRODUCTION_JAVA_TOOL_OPTIONS}
# Local mode whatever the caller's environment holds: no external Redis, open producer and watcher routes.
while read -r name; do
  unset "$name"
done < <(compgen -e | grep -E '^(JOBWATCH_|SPRING_|SERVER_)|^PORT$' | grep -v '^JOBWATCH_TRANSPORT$' || true)
export SERVER_PORT=0

work=$(mktemp -d)
server_log=$work/server.log
server_pid=
cleanup() {
  # Still set only on a failure: SIGTERM first, so that the server stops its embedded Redis.
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 300); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    rm -f "$cache" "$cache.config"
  fi
  jobs -p | xargs -r kill 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail_with_log() {
  echo "aot-train: $*; the server's log ends with:" >&2
  tail -n 40 "$server_log" >&2 || true
  exit 1
}

rm -f "$cache"
started=$(date +%s)
echo "aot-train: training $app_jar with $java (Java $java_major), JAVA_TOOL_OPTIONS=$JAVA_TOOL_OPTIONS"
# -Xmx1g: the cache records whether object pointers are compressed, and 70 % of a large build host's
# memory (over 32 GiB of heap) would turn them off, unlike in any pod.
(cd "$work" && exec "$java" -Xmx1g -XX:AOTCacheOutput="$cache" -jar "$app_jar") >"$server_log" 2>&1 &
server_pid=$!

port=
for _ in $(seq 1 3000); do
  kill -0 "$server_pid" 2>/dev/null || fail_with_log "the server exited during its start"
  port=$(sed -n 's/.*Netty started on port \([0-9][0-9]*\).*/\1/p' "$server_log" | head -n 1)
  [[ -n $port ]] && break
  sleep 0.1
done
[[ -n $port ]] || fail_with_log "the server did not start within 300 s"
base=http://127.0.0.1:$port
for _ in $(seq 1 600); do
  curl -sf "$base/actuator/health/readiness" 2>/dev/null | grep -q '"UP"' && break
  kill -0 "$server_pid" 2>/dev/null || fail_with_log "the server exited before it was ready"
  sleep 0.1
done
curl -sf "$base/actuator/health/readiness" | grep -q '"UP"' || fail_with_log "the server was not ready within 60 s"
echo "aot-train: ready on port $port after $(($(date +%s) - started)) s; workload for $WORKLOAD_SECONDS s"

# One curl process runs a whole file of requests over one kept-alive connection, as workers do, and
# prints each one's status.
run_requests() { # file of request entries
  sed '$d' "$1" | curl -s -K -
}

request() { # method path [token] [content-type body] -> one entry of a curl config, then "next"
  printf 'url = "%s%s"\nrequest = "%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' "$base" "$2" "$1"
  if [[ -n ${3:-} ]]; then printf 'header = "Authorization: Bearer %s"\n' "$3"; fi
  if [[ -n ${4:-} ]]; then printf 'header = "Content-Type: %s"\ndata-binary = "%s"\n' "$4" "$5"; fi
  printf 'next\n'
}

add_jobs() { # round -> one "id token" line per job added
  local round=$1 i body token
  for i in $(seq 1 "$JOBS_PER_ROUND"); do
    body="[{\"name\":\"build\",\"id\":\"r$round-j$i\",\"data\":{\"repo\":\"acme/api\",\"round\":$round}}]"
    token=$(curl -sf -X POST "$base/queues/$NAMESPACE/jobs" -H 'Content-Type: application/json' -d "$body" \
      | sed -n 's/.*"token":"\([^"]*\)".*/\1/p') || true
    if [[ -n $token ]]; then printf 'r%s-j%s %s\n' "$round" "$i" "$token"; fi
  done
}

worker_requests() { # id token -> a job's life as a worker reports it, with reads between writes
  local id=$1 token=$2 path=/queues/$NAMESPACE/jobs/$1 n
  request POST "$path/start" "$token"
  for n in $(seq 1 25); do
    request POST "$path/logs" "$token" text/plain "step $n of 25: compiling module-$n"
    request POST "$path/logs" "$token" application/json "\\\"tests of module-$n passed\\\""
    request POST "$path/progress" "$token" application/json "$((n * 4))"
    if ((n % 5 == 0)); then
      request POST "$path/stream" "$token" text/plain "partial result $n"
      request GET "$path/logs?start=0&length=10" "$token"
      request GET "/api/w/$NAMESPACE/jobs_u/getupdate/$id?running=false&log_offset=1&get_progress=true"
      request GET "/api/w/$NAMESPACE/jobs_u/get/$id?no_logs=true"
      request GET "$path" "$token"
    fi
  done
  request POST "$path/complete" "$token" application/json '{\"success\":true,\"result\":{\"artifact\":\"api.tar.gz\"}}'
}

error_requests() { # id token -> refusals a server also answers: bad tokens, unknown jobs, bad bodies
  local path=/queues/$NAMESPACE/jobs/$1
  request POST "$path/logs" not-a-token text/plain "denied"
  request POST "/queues/$NAMESPACE/jobs/no-such-job/logs" "$2" text/plain "denied"
  request POST "$path/progress" "$2" application/json "{not json"
  request GET "$path/logs?start=-1&length=500" "$2"
  request GET "/api/w/$NAMESPACE/jobs_u/getupdate/no-such-job"
  request POST "$path/logs" "$2" text/plain "late row"
}

status_dir=$work/status
mkdir -p "$status_dir"
deadline=$(($(date +%s) + WORKLOAD_SECONDS))
round=0
while ((round < 2 || ($(date +%s) < deadline && round < 40))); do
  round=$((round + 1))
  add_jobs "$round" >"$work/jobs"
  [[ $(wc -l <"$work/jobs") -eq $JOBS_PER_ROUND ]] || fail_with_log "adding jobs failed in round $round"
  # A batch add and the queue's event stream.
  curl -sf -o /dev/null -X POST "$base/queues/$NAMESPACE/jobs" -H 'Content-Type: application/json' \
    -d "[{\"name\":\"a\",\"id\":\"r$round-b1\"},{\"name\":\"b\",\"id\":\"r$round-b2\",\"data\":[1,2.5,null,true]}]" \
    || fail_with_log "a batch add failed in round $round"
  curl -sN -o /dev/null --max-time 4 "$base/queues/$NAMESPACE/events" &
  # Watchers follow every job while it is written, in the forms Windmill's clients use; each stream
  # ends when its job completes.
  while read -r id token; do
    curl -sN -o /dev/null --max-time 30 "$base/api/w/$NAMESPACE/jobs_u/getupdate_sse/$id?running=false&get_progress=true" &
    curl -sN -o /dev/null --max-time 30 "$base/api/w/$NAMESPACE/jobs_u/getupdate_sse/$id?running=false&only_result=true" &
  done <"$work/jobs"
  # Two workers at once, each reporting half of the round's jobs.
  : >"$work/worker-1" && : >"$work/worker-2"
  n=0
  while read -r id token; do
    n=$((n + 1))
    worker_requests "$id" "$token" >>"$work/worker-$((n % 2 + 1))"
  done <"$work/jobs"
  run_requests "$work/worker-1" >"$status_dir/ok-$round-1" &
  w1=$!
  run_requests "$work/worker-2" >"$status_dir/ok-$round-2" &
  w2=$!
  wait "$w1" "$w2"
  read -r id token <"$work/jobs"
  error_requests "$id" "$token" >"$work/errors"
  run_requests "$work/errors" >"$status_dir/refused-$round"
  curl -sf -o /dev/null "$base/jobs/$NAMESPACE/$id" && curl -sf -o /dev/null "$base/actuator/prometheus" \
    || fail_with_log "the job page or the metrics failed in round $round"
done
wait_for_watchers() {
  local pids
  pids=$(jobs -p | grep -v "^$server_pid\$" || true)
  [[ -z $pids ]] || wait $pids 2>/dev/null || true
}
wait_for_watchers

total=$(cat "$status_dir"/ok-* | wc -l)
bad=$(cat "$status_dir"/ok-* | grep -vc '^200$' || true)
[[ $bad -eq 0 ]] || fail_with_log "$bad of $total workload requests did not answer 200"
refused=$(cat "$status_dir"/refused-* | wc -l)
echo "aot-train: $round rounds, $total requests answered 200 and $refused refusals, in $(($(date +%s) - started)) s since start"

# SIGTERM as Kubernetes stops a pod: the server drains, exits, and the JVM then assembles the cache.
kill -TERM "$server_pid"
for _ in $(seq 1 3000); do
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$server_pid" 2>/dev/null && fail_with_log "the server did not exit within 300 s of SIGTERM"
wait "$server_pid" || true
server_pid=
grep -q '^AOTCache creation is complete' "$server_log" && [[ -s $cache ]] \
  || fail_with_log "the JVM exited without writing $cache"
grep -E '^(Temporary AOTConfiguration|Launching child process|AOTCache creation)' "$server_log" | sed 's/^/aot-train: JVM: /'
# AOTMode=on refuses to start without the cache: proof that this JVM maps it for this class path.
"$java" -XX:AOTMode=on -XX:AOTCache="$cache" -cp "$app_jar" -version >"$work/check.log" 2>&1 || {
  cat "$work/check.log" >&2
  die "the JVM does not use the cache it just wrote"
}
echo "aot-train: wrote $cache ($(du -h "$cache" | cut -f1)) in $(($(date +%s) - started)) s"
