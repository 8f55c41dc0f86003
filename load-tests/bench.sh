#!/usr/bin/env bash
# Capacity benchmark of jobwatch with nchan side by side: many jobs with one watcher each, writes that
# nobody watches, many watched jobs rarely written, one job with many watchers, idle watchers, and a fresh
# server's first 30 s.
#
# Builds the app and the harness (load-tests/harness), makes sure Redis answers on 127.0.0.1:$BENCH_REDIS_PORT (6379), starts
# nginx + nchan on 127.0.0.1:8090 (installing Debian's libnginx-mod-nchan if missing and allowed), runs the
# harness against jobwatch (which the harness starts itself) and against nchan, and writes load-tests/results/:
# results.md, latency-vs-watchers.svg, jobwatch.properties, nchan.properties and the logs.
#
# Scales (env, space-separated):
#   BENCH_IDLE_STEPS="1000 5000 10000 18000"  idle watchers held, cumulative steps (capped by the fd limit)
#   BENCH_IDLE_JOBS=1000                       jobs/channels the idle watchers spread over
#   BENCH_FANOUT_STEPS="1 10 100 1000 10000"   watchers of one job per fan-out step
#   BENCH_MANY_STEPS="1000 10000"             jobs with one watcher each, written by wrk (load-tests/wrk/writes.lua)
#                                             with BENCH_WRITERS=16 threads, one connection each
#   BENCH_UNWATCHED_JOBS=100                  jobs written by wrk with no watcher (0 skips it)
#   BENCH_SCENARIO_WARMUP_SECONDS=25 BENCH_MANY_SECONDS=20   each of those two's warm-up and measured window
#   BENCH_QUIET_JOBS=18000 BENCH_QUIET_SECONDS=60 BENCH_QUIET_PER_MINUTE=1   quiet jobs: that many watched jobs,
#                                             each written once at the start and then that often a minute (0 skips it)
#   BENCH_WARM_START=1 (0 skips it) BENCH_WARM_JOBS=1000 BENCH_WARM_SECONDS=30   a fresh jobwatch server loaded from
#                                             the moment it is ready, without and with a JDK AOT cache built by
#                                             k8s/aot-train.sh (skipped with a note when that script is missing),
#                                             beside nchan under the same load
#   BENCH_PROFILE=1 profiles the server over the many-jobs window at 1,000 jobs and the one-watcher fan-out
#                   window (async-profiler for jobwatch, perf for nginx) and writes profile-stages.md
#   BENCH_WARMUP_SECONDS=40 (load on a fresh server before any figure, so that JIT compilation is not measured)
#   BENCH_FANOUT_RATE=100 BENCH_FANOUT_SECONDS=20 BENCH_FANOUT_WARMUP_SECONDS=3
#   BENCH_SERVER_JAVA_HOME (default: a JDK 25 under /usr/lib/jvm if there is one, else the harness's JDK)
#   BENCH_SERVER_JVM_OPTS="-Xms256m -Xmx2g -XX:+UseG1GC" (plus -XX:+UseCompactObjectHeaders on 25)   jobwatch's JVM flags
#   BENCH_NCHAN=1 (0 skips nchan)  BENCH_NCHAN_WORKERS=2  BENCH_INSTALL_NCHAN=1 (apt-get nginx and wrk if missing)
#   BENCH_SKIP_BUILD=1 reuses the jars.  Any JOBWATCH_* variable set here reaches the jobwatch server.
#   BENCH_APP_JAR (default: the jar this tree builds) measures another build, e.g. an earlier commit's, by the same harness
#   BENCH_PORT=8080 (jobwatch) BENCH_NCHAN_PORT=8090 BENCH_REDIS_PORT=6379 (started here if nothing answers on it)
#   BENCH_RESULTS=load-tests/results (another folder keeps a trial run away from the committed results)
# Everything runs on loopback; every loop in the harness is bounded in count and time.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
RESULTS=${BENCH_RESULTS:-$HERE/results}
HARNESS=$HERE/harness
mkdir -p "$RESULTS"

# File descriptors: one per stream on each side. Raise the soft limit to the hard one (root without
# CAP_SYS_RESOURCE cannot go past the hard limit).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
export BENCH_NOFILE=$NOFILE

: "${BENCH_IDLE_STEPS:=1000 5000 10000 18000}"
: "${BENCH_IDLE_JOBS:=1000}"
: "${BENCH_FANOUT_STEPS:=1 10 100 1000 10000}"
: "${BENCH_MANY_STEPS:=1000 10000}"
: "${BENCH_UNWATCHED_JOBS:=100}"
: "${BENCH_WRITERS:=16}"
: "${BENCH_SCENARIO_WARMUP_SECONDS:=25}"
: "${BENCH_MANY_SECONDS:=20}"
: "${BENCH_FANOUT_RATE:=100}"
: "${BENCH_FANOUT_SECONDS:=20}"
: "${BENCH_FANOUT_WARMUP_SECONDS:=3}"
: "${BENCH_QUIET_JOBS:=18000}"
: "${BENCH_QUIET_SECONDS:=60}"
: "${BENCH_QUIET_PER_MINUTE:=1}"
: "${BENCH_WARM_START:=1}"
: "${BENCH_WARM_JOBS:=1000}"
: "${BENCH_WARM_SECONDS:=30}"
: "${BENCH_PROFILE:=0}"
# The server runs on the JDK that the image ships (k8s/Dockerfile: 25, with compact object headers) when the
# machine has one; BENCH_SERVER_JAVA_HOME chooses another.
if [ -z "${BENCH_SERVER_JAVA_HOME:-}" ]; then
  for home in /usr/lib/jvm/*-25-* /usr/lib/jvm/*25*; do
    if [ -x "$home/bin/java" ]; then BENCH_SERVER_JAVA_HOME=$home; break; fi
  done
fi
if [ -n "${BENCH_SERVER_JAVA_HOME:-}" ]; then
  export BENCH_SERVER_JAVA_HOME
  : "${BENCH_SERVER_JVM_OPTS:=-Xms256m -Xmx2g -XX:+UseG1GC -XX:+UseCompactObjectHeaders}"
fi
: "${BENCH_SERVER_JVM_OPTS:=-Xms256m -Xmx2g -XX:+UseG1GC}"
: "${BENCH_HARNESS_JVM_OPTS:=-Xms1g -Xmx4g -XX:+UseParallelGC}"
: "${BENCH_NCHAN:=1}"
: "${BENCH_NCHAN_WORKERS:=2}"
: "${BENCH_NCHAN_PORT:=8090}"
: "${BENCH_INSTALL_NCHAN:=1}"
: "${BENCH_PORT:=8080}"
: "${BENCH_SOURCES:=8}"

NOTES=$RESULTS/notes.md
: > "$NOTES"
note() { echo "- $*" >> "$NOTES"; echo "bench: $*"; }
echo "## Notes from this run" >> "$NOTES"
echo >> "$NOTES"

# Each process (client and server) needs one fd per stream plus ~1000 of its own.
cap=$((NOFILE - 1200))
steps=""
for s in $BENCH_IDLE_STEPS; do
  if [ "$s" -le "$cap" ]; then steps="$steps $s"; else note "idle step $s skipped: the open-files limit is $NOFILE per process (hard limit, cannot be raised here), so a server cannot hold more than about $cap streams"; fi
done
BENCH_IDLE_STEPS=${steps# }
fsteps=""
for s in $BENCH_FANOUT_STEPS; do
  if [ "$s" -le "$cap" ]; then fsteps="$fsteps $s"; else note "fan-out step $s skipped: open-files limit $NOFILE"; fi
done
BENCH_FANOUT_STEPS=${fsteps# }
msteps=""
for s in $BENCH_MANY_STEPS; do
  if [ "$s" -le "$cap" ]; then msteps="$msteps $s"; else note "many-jobs step $s skipped: open-files limit $NOFILE"; fi
done
BENCH_MANY_STEPS=${msteps# }
if [ "$BENCH_QUIET_JOBS" -gt "$cap" ]; then BENCH_QUIET_JOBS=$cap; fi
if [ "$BENCH_QUIET_JOBS" -gt 0 ]; then
  note "quiet jobs: $BENCH_QUIET_JOBS watched jobs, as many as fit: the open-files limit is $NOFILE per process (a hard limit; prlimit is refused here), so one server process cannot hold 50,000 watched jobs, and one harness process holds all the watchers"
fi
export BENCH_MANY_STEPS BENCH_UNWATCHED_JOBS BENCH_WRITERS BENCH_SCENARIO_WARMUP_SECONDS BENCH_MANY_SECONDS \
  BENCH_QUIET_JOBS BENCH_QUIET_SECONDS BENCH_QUIET_PER_MINUTE BENCH_WARM_JOBS BENCH_WARM_SECONDS BENCH_PROFILE
export BENCH_WRK_SCRIPT=$HERE/wrk/writes.lua

# ---- wrk: the writer of the many-jobs, unwatched and warm-start scenarios -----------------------------------
if ! command -v wrk >/dev/null && [ "${BENCH_INSTALL_NCHAN:-1}" = 1 ]; then
  (apt-get update -q && apt-get install -y -q wrk) >> "$RESULTS/apt.log" 2>&1 || note "apt-get install wrk failed; see apt.log"
fi
if ! command -v wrk >/dev/null; then
  note "wrk is not installed (Debian package wrk), so the many-jobs, unwatched and warm-start scenarios are skipped"
  BENCH_MANY_STEPS=0 BENCH_UNWATCHED_JOBS=0 BENCH_WARM_START=0
fi

# ---- profiler: async-profiler for jobwatch, perf for nginx ------------------------------------------------------
: "${BENCH_PROFILER:=/tmp/ap/linux-x64/libasyncProfiler.so}"
export BENCH_PROFILER BENCH_PERF=0
if [ "$BENCH_PROFILE" = 1 ]; then
  if [ ! -f "$BENCH_PROFILER" ]; then
    ap=$(mktemp -d /tmp/jobwatch-bench-ap.XXXXXX)
    (cd "$ROOT" && ./mvnw -q -B -ntp dependency:copy -Dartifact=tools.profiler:async-profiler:4.1:jar:linux-x64 \
      -DoutputDirectory="$ap") && (cd "$ap" && unzip -q -o ./*.jar) || true
    BENCH_PROFILER=$ap/linux-x64/libasyncProfiler.so
    [ -f "$BENCH_PROFILER" ] || note "async-profiler could not be fetched (tools.profiler:async-profiler:4.1:jar:linux-x64); jobwatch is not profiled"
  fi
  # perf: hardware counters tell whether the CPU's PMU is visible; the cpu-clock software event may work without.
  if perf stat -e instructions true 2>&1 | grep -q 'not supported'; then
    note "perf: hardware events are not supported here (\`perf stat -e instructions true\`: <not supported>); nginx is profiled with the cpu-clock software event"
  fi
  if perf record -e cpu-clock -g -o /dev/null -- true >/dev/null 2>&1; then BENCH_PERF=1; else note "perf record does not work here; nchan is not profiled"; fi
fi
export BENCH_IDLE_STEPS BENCH_IDLE_JOBS BENCH_FANOUT_STEPS BENCH_FANOUT_RATE BENCH_FANOUT_SECONDS \
  BENCH_FANOUT_WARMUP_SECONDS BENCH_SERVER_JVM_OPTS BENCH_SOURCES BENCH_NCHAN_WORKERS

# ---- build ------------------------------------------------------------------------------------------------------
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  for try in 1 2 3; do
    if (cd "$ROOT" && ./mvnw -q -B -ntp -DskipTests package); then break; fi
    echo "bench: app build failed (target/ busy?), retry $try" >&2; sleep 10
  done
  (cd "$ROOT" && ./mvnw -q -B -ntp -f load-tests/harness/pom.xml package)
fi
APP_JAR=${BENCH_APP_JAR:-$ROOT/target/jobwatch-0.1.0-SNAPSHOT.jar}
HARNESS_JAR=$HARNESS/target/jobwatch-harness.jar
[ -f "$APP_JAR" ] && [ -f "$HARNESS_JAR" ] || { echo "bench: missing $APP_JAR or $HARNESS_JAR" >&2; exit 1; }

# ---- Redis ------------------------------------------------------------------------------------------------------
: "${BENCH_REDIS_PORT:=6379}"
REDIS_URL_BENCH=redis://127.0.0.1:$BENCH_REDIS_PORT
# The harness reads both: the port for INFO and CONFIG RESETSTAT, the URL for the jobwatch it starts.
export BENCH_REDIS_PORT BENCH_REDIS_URL=$REDIS_URL_BENCH
if ! redis-cli -h 127.0.0.1 -p "$BENCH_REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
  redis-server --daemonize yes --bind 127.0.0.1 --port "$BENCH_REDIS_PORT" --save "" --appendonly no
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p "$BENCH_REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.2; done
fi
redis-cli -h 127.0.0.1 -p "$BENCH_REDIS_PORT" ping | grep -q PONG

# ---- nchan ------------------------------------------------------------------------------------------------------
NGINX_DIR=""
stop_nginx() {
  if [ -n "$NGINX_DIR" ] && [ -f "$NGINX_DIR/nginx.pid" ]; then
    pid=$(cat "$NGINX_DIR/nginx.pid")
    kill -TERM "$pid" 2>/dev/null || true   # fast shutdown; QUIT waits for subscribers nchan holds open
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
}
trap stop_nginx EXIT
if [ "$BENCH_NCHAN" = 1 ]; then
  if [ ! -f /usr/lib/nginx/modules/ngx_nchan_module.so ] && [ "$BENCH_INSTALL_NCHAN" = 1 ]; then
    (apt-get update -q && apt-get install -y -q nginx libnginx-mod-nchan) > "$RESULTS/apt.log" 2>&1 \
      || note "apt-get install nginx libnginx-mod-nchan failed; see apt.log"
  fi
  if [ -f /usr/lib/nginx/modules/ngx_nchan_module.so ] && command -v nginx >/dev/null; then
    NGINX_DIR=$(mktemp -d /tmp/jobwatch-bench-nchan.XXXXXX)
    mkdir -p "$NGINX_DIR/tmp"
    sed -e "s#@DIR@#$NGINX_DIR#g" -e "s#@WORKERS@#$BENCH_NCHAN_WORKERS#" -e "s#@NOFILE@#$NOFILE#" \
        -e "s#@CONNECTIONS@#$((NOFILE - 500))#" -e "s#@REDIS_URL@#$REDIS_URL_BENCH#" \
        -e "s#@PORT@#$BENCH_NCHAN_PORT#" "$HARNESS/nchan/nginx.conf.template" > "$NGINX_DIR/nginx.conf"
    nginx -c "$NGINX_DIR/nginx.conf" -p "$NGINX_DIR"
    for _ in $(seq 1 50); do [ -s "$NGINX_DIR/nginx.pid" ] && break; sleep 0.1; done
    note "nchan: $(nginx -V 2>&1 | head -1 | sed 's/nginx version: //'), libnginx-mod-nchan $(dpkg-query -W -f='${Version}' libnginx-mod-nchan 2>/dev/null || echo '?'), config $HARNESS/nchan/nginx.conf.template"
  else
    note "nchan not available (package libnginx-mod-nchan missing); nchan columns are empty"
    BENCH_NCHAN=0
  fi
fi

# ---- runs -------------------------------------------------------------------------------------------------------
rm -f "$RESULTS"/jobwatch*.properties "$RESULTS/nchan.properties" "$RESULTS"/profile-*
env_desc="JOBWATCH_WATCH_LIFETIME=${JOBWATCH_WATCH_LIFETIME:-30m} (so idle streams do not time out)"
for v in $(env | grep -o '^JOBWATCH_[A-Z_]*' | grep -v '^JOBWATCH_WATCH_LIFETIME$' || true); do env_desc="$env_desc, $v=${!v}"; done
export BENCH_SERVER_ENV_DESC="$env_desc, defaults otherwise"
note "scales: many jobs [$BENCH_MANY_STEPS] with one watcher each and $BENCH_UNWATCHED_JOBS jobs with none, written by wrk with $BENCH_WRITERS threads and connections, $BENCH_MANY_SECONDS s after $BENCH_SCENARIO_WARMUP_SECONDS s of warm-up; $BENCH_QUIET_JOBS quiet jobs written $BENCH_QUIET_PER_MINUTE times a minute for $BENCH_QUIET_SECONDS s; fan-out steps [$BENCH_FANOUT_STEPS] at $BENCH_FANOUT_RATE rows/s for $BENCH_FANOUT_SECONDS s; idle steps [$BENCH_IDLE_STEPS] over $BENCH_IDLE_JOBS jobs"

# shellcheck disable=SC2086
timeout 2400 java $BENCH_HARNESS_JVM_OPTS -jar "$HARNESS_JAR" run --target=jobwatch --jar="$APP_JAR" \
  --port="$BENCH_PORT" --out="$RESULTS/jobwatch.properties" 2>&1 | tee "$RESULTS/jobwatch-harness.log" \
  || note "jobwatch run ended with an error; see jobwatch-harness.log"

if [ "$BENCH_NCHAN" = 1 ]; then
  # shellcheck disable=SC2086
  timeout 2400 java $BENCH_HARNESS_JVM_OPTS -jar "$HARNESS_JAR" run --target=nchan \
    --base="http://127.0.0.1:$BENCH_NCHAN_PORT" --pid="$(cat "$NGINX_DIR/nginx.pid")" \
    --out="$RESULTS/nchan.properties" 2>&1 | tee "$RESULTS/nchan-harness.log" \
    || note "nchan run ended with an error; see nchan-harness.log"
fi

# ---- transports: the same build on other transports, many jobs and the largest fan-out step only -------------
# BENCH_TRANSPORTS="io_uring nio" (empty skips it); each run writes jobwatch-<transport>.properties.
for t in ${BENCH_TRANSPORTS-io_uring nio}; do
  top=${BENCH_FANOUT_STEPS##* }
  # shellcheck disable=SC2086
  JOBWATCH_TRANSPORT=$t BENCH_IDLE_STEPS=0 BENCH_UNWATCHED_JOBS=0 BENCH_MANY_STEPS=1000 BENCH_FANOUT_STEPS=$top \
    BENCH_QUIET_JOBS=0 BENCH_PROFILE=0 \
    timeout 900 java $BENCH_HARNESS_JVM_OPTS -jar "$HARNESS_JAR" run --target=jobwatch --jar="$APP_JAR" \
    --port="$BENCH_PORT" --out="$RESULTS/jobwatch-$t.properties" 2>&1 | tee "$RESULTS/jobwatch-$t-harness.log" \
    || note "jobwatch run on $t ended with an error; see jobwatch-$t-harness.log"
done

# ---- a fresh pod's first 30 s: jobwatch without and with a JDK AOT cache, and nchan under the same load -------
# The app runs from Spring Boot's extracted layout (the AOT cache is valid only for the same JVM and jar paths),
# in both jobwatch runs, so that the cache is the only difference.
rm -f "$RESULTS"/warm-*.properties
if [ "$BENCH_WARM_START" = 1 ]; then
  SERVER_JAVA=${BENCH_SERVER_JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
  WARM_DIR=$(mktemp -d /tmp/jobwatch-bench-warm.XXXXXX)
  "$SERVER_JAVA/bin/java" -Djarmode=tools -jar "$APP_JAR" extract --destination "$WARM_DIR/app" > "$RESULTS/warm-extract.log" 2>&1
  WARM_JAR=$WARM_DIR/app/$(basename "$APP_JAR")
  warm() { # variant, extra JVM options
    # shellcheck disable=SC2086
    timeout 600 java $BENCH_HARNESS_JVM_OPTS -jar "$HARNESS_JAR" warm --target=jobwatch --jar="$WARM_JAR" \
      --port="$BENCH_PORT" --variant="$1" --server-jvm-opts="$BENCH_SERVER_JVM_OPTS $2" \
      --out="$RESULTS/warm-jobwatch-$1.properties" 2>&1 | tee "$RESULTS/warm-jobwatch-$1-harness.log" \
      || note "warm start ($1) ended with an error; see warm-jobwatch-$1-harness.log"
  }
  warm plain ""
  if [ -f "$ROOT/k8s/aot-train.sh" ]; then
    # A cache is refused by a JVM whose flags differ from the training's (compact object headers among them),
    # so the training runs with the server's flags too.
    if JAVA_HOME=$SERVER_JAVA PATH=$SERVER_JAVA/bin:$PATH JAVA_TOOL_OPTIONS="$BENCH_SERVER_JVM_OPTS" timeout 900 \
        bash "$ROOT/k8s/aot-train.sh" "$WARM_JAR" "$WARM_DIR/app.aot" > "$RESULTS/aot-train.log" 2>&1 \
        && [ -s "$WARM_DIR/app.aot" ]; then
      note "AOT cache: k8s/aot-train.sh built $(du -h "$WARM_DIR/app.aot" | cut -f1) for $("$SERVER_JAVA/bin/java" -version 2>&1 | head -1)"
      warm aot "-XX:AOTCache=$WARM_DIR/app.aot"
      if grep -q "Unable to use AOT cache" "$RESULTS/warm-jobwatch-aot-server.log"; then
        note "AOT cache: the server could not use it (see warm-jobwatch-aot-server.log), so the 'aot' row ran without one"
      fi
    else
      note "AOT cache: k8s/aot-train.sh failed (see aot-train.log); the warm start with a cache is skipped"
    fi
  else
    note "AOT cache: k8s/aot-train.sh is not in this checkout; the warm start with a cache is skipped"
  fi
  if [ "$BENCH_NCHAN" = 1 ]; then
    # shellcheck disable=SC2086
    timeout 600 java $BENCH_HARNESS_JVM_OPTS -jar "$HARNESS_JAR" warm --target=nchan --variant=nchan \
      --base="http://127.0.0.1:$BENCH_NCHAN_PORT" --pid="$(cat "$NGINX_DIR/nginx.pid")" \
      --out="$RESULTS/warm-nchan.properties" 2>&1 | tee "$RESULTS/warm-nchan-harness.log" \
      || note "nchan warm start ended with an error; see warm-nchan-harness.log"
  fi
  rm -rf "$WARM_DIR"
fi

# ---- Gatling: the fan-out simulation at moderate scale, through smoke.sh, which starts its own server ----------
# BENCH_GATLING=0 skips it; BENCH_GATLING_WATCHERS, BENCH_GATLING_RATE (rows/s), BENCH_GATLING_DURATION set its scale.
if [ "${BENCH_GATLING:-1}" = 1 ]; then
  REDIS_URL=$REDIS_URL_BENCH SMOKE_WATCHERS="${BENCH_GATLING_WATCHERS:-1000}" SMOKE_RATE="${BENCH_GATLING_RATE:-50}" \
    SMOKE_DURATION="${BENCH_GATLING_DURATION:-20s}" timeout 600 bash "$HERE/smoke.sh" "$APP_JAR" 2>&1 \
    | tee "$RESULTS/gatling.log" || note "Gatling run ended with an error; see gatling.log"
  {
    echo "# Gatling fan-out run (FanOutSimulation through smoke.sh)"
    echo
    echo "Every watcher checks every update, each as its own Gatling entry (update): its response time is how"
    echo "long the watcher waited for it since its previous check, not latency (write-to-watcher latency is in"
    echo "results.md)."
    echo
    echo '```'
    grep -E '^ +(FanOutSimulation|completed heard|writers|---- Requests|---- Global|> |Global:|verify)' "$RESULTS/gatling.log" | sed 's/^  //'
    echo '```'
  } > "$RESULTS/gatling-summary.md"
  echo "bench: wrote $RESULTS/gatling-summary.md"
fi

BENCH_NOTES_FILE=$NOTES java -jar "$HARNESS_JAR" report --jobwatch="$RESULTS/jobwatch.properties" \
  --nchan="$RESULTS/nchan.properties" --dir="$RESULTS"
echo "bench: wrote $RESULTS/results.md, $RESULTS/latency-vs-watchers.svg and $RESULTS/rows-per-cpu-vs-watchers.svg"
if [ "$BENCH_PROFILE" = 1 ]; then echo "bench: wrote $RESULTS/profile-stages.md"; fi
