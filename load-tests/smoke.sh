#!/usr/bin/env bash
# Smoke run of the Gatling load tests, so they cannot rot: one simulation (FanOutSimulation) at tiny scale
# (20 watchers of one job, 10 log rows/s for 5 s) against a jobwatch this script starts, or one it is
# pointed at. Exits 0 only when every watcher heard every row and the job completed; the exit code is
# what counts.
#
#   load-tests/smoke.sh                        # starts target/jobwatch-*.jar (built first if absent)
#   load-tests/smoke.sh path/to/jobwatch.jar   # starts that jar
#   load-tests/smoke.sh http://127.0.0.1:8080  # uses a running server (SMOKE_TOKEN: its producer token)
#
# A started server listens on a free loopback port and uses the Redis in REDIS_URL when it is set (with a
# random producer token and token secret, its own key prefix and short retention, so it leaves nothing
# behind for long), else the embedded Redis. It runs from a private copy of the jar, so a rebuild of
# target/ while the smoke runs cannot break it, and it is stopped on exit.
# Settings: SMOKE_WATCHERS (20), SMOKE_RATE (10 rows/s), SMOKE_DURATION (5s), SMOKE_READY_TIMEOUT (60 s).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
started_at=$(date +%s)

watchers="${SMOKE_WATCHERS:-20}"
rate="${SMOKE_RATE:-10}"
duration="${SMOKE_DURATION:-5s}"
ready_timeout="${SMOKE_READY_TIMEOUT:-60}"
token="${SMOKE_TOKEN:-}"

log() { echo "smoke: $*"; }

work="$(mktemp -d "${TMPDIR:-/tmp}/jobwatch-smoke.XXXXXX")"
server_pid=""

cleanup() {
  local status=$?
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$server_pid" 2>/dev/null; then
      log "the server did not stop within 20 s of SIGTERM; killing it"
      kill -KILL "$server_pid" 2>/dev/null || true
    fi
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ $status -ne 0 && -f "$work/server.log" ]]; then
    log "server log (last 40 lines):"
    tail -n 40 "$work/server.log" | sed 's/^/  | /'
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"

base=""
jar=""
case "${1:-}" in
  http://*|https://*) base="${1%/}" ;;
  "") ;;
  *) jar="$1" ;;
esac

if [[ -z "$base" ]]; then
  if [[ -z "$jar" ]]; then
    jar="$(ls -t "$root"/target/jobwatch-*.jar 2>/dev/null | head -n 1 || true)"
    if [[ -z "$jar" ]]; then
      log "no target/jobwatch-*.jar: building it (./mvnw -q -B -DskipTests package)"
      (cd "$root" && ./mvnw -q -B -ntp -DskipTests package)
      jar="$(ls -t "$root"/target/jobwatch-*.jar 2>/dev/null | head -n 1 || true)"
      [[ -n "$jar" ]] || { log "the build made no target/jobwatch-*.jar"; exit 1; }
    fi
  fi
  [[ -f "$jar" ]] || { log "no such jar: $jar"; exit 1; }
  cp "$jar" "$work/jobwatch.jar"

  # Port 0: the server takes a free port and logs it; nothing to race for.
  env_args=(SERVER_PORT=0 PORT=0 SERVER_ADDRESS=127.0.0.1)
  if [[ -n "${REDIS_URL:-}" ]]; then
    token="smoke-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    env_args+=(
      "JOBWATCH_REDIS_URL=$REDIS_URL"
      "JOBWATCH_AUTH_TOKENS=$token"
      "JOBWATCH_TOKEN_SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
      "JOBWATCH_REDIS_PREFIX=jobwatch-smoke-$$-$started_at"
      JOBWATCH_RETENTION_COMPLETED=5m
      JOBWATCH_RETENTION_IDLE=10m
    )
    log "starting $(basename "$jar") against the Redis at $REDIS_URL"
  else
    token=""
    log "starting $(basename "$jar") with its embedded Redis"
  fi
  (cd "$work" && exec env -u JOBWATCH_REDIS_URL "${env_args[@]}" "$java_bin" -Xmx512m -jar "$work/jobwatch.jar" \
      >"$work/server.log" 2>&1) &
  server_pid=$!

  port=""
  deadline=$(( $(date +%s) + ready_timeout ))
  while [[ -z "$port" ]]; do
    kill -0 "$server_pid" 2>/dev/null || { log "the server exited before it listened"; exit 1; }
    (( $(date +%s) < deadline )) || { log "the server did not listen within ${ready_timeout} s"; exit 1; }
    port="$(sed -n 's/.*started on port \([0-9][0-9]*\).*/\1/p' "$work/server.log" | head -n 1)"
    [[ -n "$port" ]] || sleep 0.2
  done
  base="http://127.0.0.1:$port"
fi

# Readiness: /actuator/health/readiness answers 200 (it includes a Redis PING).
deadline=$(( $(date +%s) + ready_timeout ))
until curl -fsS -o /dev/null --max-time 2 "$base/actuator/health/readiness" 2>/dev/null; do
  if [[ -n "$server_pid" ]] && ! kill -0 "$server_pid" 2>/dev/null; then
    log "the server exited before it was ready"
    exit 1
  fi
  (( $(date +%s) < deadline )) || { log "$base was not ready within ${ready_timeout} s"; exit 1; }
  sleep 0.2
done
log "$base is ready after $(( $(date +%s) - started_at )) s; running FanOutSimulation ($watchers watchers, $rate rows/s, $duration)"

gatling_log="$work/gatling.log"
set +e
(cd "$root" && ./mvnw -q -B -ntp -f load-tests/pom.xml gatling:test \
    -Dgatling.simulationClass=dev.jobwatch.load.FanOutSimulation \
    "-Dbase=$base" "-Dtoken=$token" "-Dwatchers=$watchers" "-Drate=$rate" "-Dduration=$duration") >"$gatling_log" 2>&1
gatling_status=$?
set -e

# The simulation's own lines, Gatling's last count of each request and SSE check (watch, update, close...),
# its final global stats and errors, its assertions, and where its report (with each one's times) is.
awk '
  /^---- Requests/ { counts = $0 "\n"; counting = 1; next }
  counting && /^> / { counts = counts $0 "\n"; next }
  { counting = 0 }
  /^FanOutSimulation:|^  (problem|completed|writers)|^Reports generated/ { print; next }
  /^---- Global Information/ { final = 1; printf "%s", counts }
  final && /^(---- |> )/ { print; next }
  /: (true|false) \(/ { print }
' "$gatling_log" | sed 's/^/  /' || true

if [[ -n "$server_pid" ]]; then
  errors="$(grep -c -E '^[0-9T:.-]+Z +ERROR' "$work/server.log" || true)"
  [[ "$errors" == "0" ]] || log "note: the server logged $errors ERROR line(s)"
fi

elapsed=$(( $(date +%s) - started_at ))
if [[ $gatling_status -ne 0 ]]; then
  log "Gatling failed (exit $gatling_status); its output (last 60 lines):"
  tail -n 60 "$gatling_log" | sed 's/^/  | /'
  log "0 passed, 1 failed (${elapsed} s)"
  exit 1
fi
log "1 passed, 0 failed (${elapsed} s)"
