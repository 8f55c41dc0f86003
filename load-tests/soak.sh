#!/usr/bin/env bash
# Soak run: writers and watchers churn against one jobwatch pod for SOAK_MINUTES (default 30) while
# the harness samples, once a minute, the pod's heap after a full GC, direct buffers, RSS, open file descriptors
# and Redis used_memory; writes load-tests/results/soak.md (a table and the trend) and soak.properties.
#
# Scale (env): SOAK_RESULTS (output folder) SOAK_REDIS_PORT=6390 (its own Redis, started and stopped here) SOAK_MINUTES=30 SOAK_JOBS=40 (concurrent jobs) SOAK_WATCHERS=25 (per job) SOAK_RATE=5 (rows/s/job)
# The pod runs with a 20 s stream lifetime (so watchers reconnect all the time) and a 2 min retention of
# completed jobs (so Redis holds a steady number of jobs); override with JOBWATCH_WATCH_LIFETIME and
# JOBWATCH_RETENTION_COMPLETED. Not part of CI: it takes half an hour.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
RESULTS=${SOAK_RESULTS:-$HERE/results}
mkdir -p "$RESULTS"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [ "${SOAK_SKIP_BUILD:-0}" != 1 ]; then
  (cd "$ROOT" && ./mvnw -q -B -ntp -DskipTests package)
  (cd "$ROOT" && ./mvnw -q -B -ntp -f load-tests/harness/pom.xml package)
fi
# A Redis of the soak's own (SOAK_REDIS_PORT, default 6390), so that its used_memory is the soak's alone and
# not that of tests or other runs sharing the machine's Redis.
redis_port=${SOAK_REDIS_PORT:-6390}
redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
  --pidfile "/tmp/jobwatch-soak-redis-$redis_port.pid"
trap 'redis-cli -h 127.0.0.1 -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null | grep -q PONG && break; sleep 0.2; done
export BENCH_REDIS_PORT=$redis_port BENCH_REDIS_URL=redis://127.0.0.1:$redis_port

export JOBWATCH_WATCH_LIFETIME=${JOBWATCH_WATCH_LIFETIME:-20s}
export JOBWATCH_WATCH_SPREAD=${JOBWATCH_WATCH_SPREAD:-5s}
export JOBWATCH_RETENTION_COMPLETED=${JOBWATCH_RETENTION_COMPLETED:-2m}
minutes=${SOAK_MINUTES:-30}
timeout $(( (minutes + 5) * 60 )) java -Xms512m -Xmx2g -jar "$HERE/harness/target/jobwatch-harness.jar" soak \
  --target=jobwatch --jar="$ROOT/target/jobwatch-0.1.0-SNAPSHOT.jar" --port="${SOAK_PORT:-8081}" \
  --server-jvm-opts="${SOAK_SERVER_JVM_OPTS:--Xms256m -Xmx1g -XX:+UseG1GC}" \
  --soak-minutes="$minutes" --soak-jobs="${SOAK_JOBS:-40}" --soak-watchers="${SOAK_WATCHERS:-25}" \
  --soak-rate="${SOAK_RATE:-5}" --out="$RESULTS/soak.properties" 2>&1 | tee "$RESULTS/soak.log"
echo "soak: wrote $RESULTS/soak.md"
