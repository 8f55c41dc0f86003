#!/usr/bin/env bash
# A local Redis Cluster for jobwatch's tests: 3 masters and 3 replicas, redis-server processes on
# 127.0.0.1, ports base..base+5 (cluster bus ports base+10000..base+10005).
#
#   redis-cluster.sh [options] start [base-port] [dir]   start a fresh cluster (stopping leftovers in dir
#                                                        first), wait until it is healthy and print the
#                                                        seed list redis://127.0.0.1:base,...,redis://...:base+5
#   redis-cluster.sh stop [base-port] [dir]              stop every node and remove dir
#   redis-cluster.sh kill-master <port> [dir]            kill one node with SIGKILL (a crash, for failover tests)
#   redis-cluster.sh status [base-port] [dir]            print each node's CLUSTER INFO state and role
#
# base-port defaults to 7100, dir to /tmp/jobwatch-redis-cluster. dir holds every node's config,
# nodes.conf, pid file and log; the script marks it as its own and never deletes a directory it did
# not make.
#
# Options (also as environment variables):
#   --embedded   (REDIS_CLUSTER_EMBEDDED=1) use the redis-server that the embedded-redis artifact ships
#                and build the cluster without redis-cli, even when both are on PATH
#   --no-cli     (REDIS_CLUSTER_NO_CLI=1) build the cluster without redis-cli, even when it is on PATH
#   REDIS_SERVER         the redis-server binary to use
#   EMBEDDED_REDIS_JAR   the embedded-redis jar (default: the one in the local Maven repository)
#   REDIS_CLUSTER_WAIT   seconds to wait for the cluster to become healthy (default 30)
#
# The redis-server is the one on PATH, else the binary inside the embedded-redis jar (extracted into
# dir). The cluster is made with `redis-cli --cluster create` when redis-cli is on PATH, else with
# CLUSTER MEET / ADDSLOTSRANGE (Redis 7) or ADDSLOTS (older) / REPLICATE sent as RESP over bash's
# /dev/tcp, so neither redis-cli nor any tool besides bash, coreutils and unzip (or jar) is needed.
set -euo pipefail
export LC_ALL=C

readonly NODES=6 MASTERS=3 SLOTS=16384
readonly MARKER=.jobwatch-redis-cluster
readonly READ_TIMEOUT=5

log() { printf 'redis-cluster: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
    exit 2
}

# ---------------------------------------------------------------------------------------------- RESP

# resp PORT ARG...: sends one command to 127.0.0.1:PORT as a RESP array and prints the reply: a simple
# or bulk string as it is, an integer as digits, an array one element after another, nil as an empty
# line. An error reply is printed too and makes the status 1; no connection or no reply makes it 2.
# The body is a subshell so that a refused connection ends only the subshell.
resp() (
    local port=$1 req arg
    shift
    exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 2
    req="*$#"$'\r\n'
    for arg in "$@"; do
        req+="\$${#arg}"$'\r\n'"$arg"$'\r\n'
    done
    printf '%s' "$req" >&3 || exit 2
    resp_read 3
) 2>/dev/null

# resp_read FD: reads one RESP reply from FD (see resp).
resp_read() {
    local fd=$1 line type n i data status=0
    IFS= read -r -t "$READ_TIMEOUT" -u "$fd" line || return 2
    line=${line%$'\r'}
    type=${line:0:1}
    line=${line:1}
    case $type in
        '+' | ':') printf '%s\n' "$line" ;;
        '-') printf '%s\n' "$line"; return 1 ;;
        '$')
            n=$line
            if ((n < 0)); then printf '\n'; return 0; fi
            data=
            if ((n > 0)); then IFS= read -r -t "$READ_TIMEOUT" -u "$fd" -N "$n" data || return 2; fi
            IFS= read -r -t "$READ_TIMEOUT" -u "$fd" line || return 2 # the CRLF after the data
            printf '%s\n' "$data"
            ;;
        '*')
            n=$line
            for ((i = 0; i < n; i++)); do
                resp_read "$fd" || status=$?
                ((status < 2)) || return "$status"
            done
            return "$status"
            ;;
        *) return 2 ;;
    esac
}

# field NAME: the value of NAME:value in an INFO-style reply on stdin.
field() { tr -d '\r' | sed -n "s/^$1://p" | head -n 1; }

answers() { [[ $(resp "$1" PING) == PONG ]]; }

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ------------------------------------------------------------------------------------------- helpers

port_of() { echo $(($1 + $2)); }

ports() {
    local i
    for ((i = 0; i < NODES; i++)); do echo $((BASE + i)); done
}

seeds() {
    local p out=
    for p in $(ports); do out+="${out:+,}redis://127.0.0.1:$p"; done
    echo "$out"
}

# now: seconds since the epoch (bash 5 has EPOCHSECONDS; date otherwise).
now() { if [[ -n ${EPOCHSECONDS:-} ]]; then echo "$EPOCHSECONDS"; else date +%s; fi; }

# redis_pid PIDFILE: the pid in PIDFILE if that process is alive and is a redis-server.
redis_pid() {
    local pid cmd
    [[ -f $1 ]] || return 1
    pid=$(tr -dc '0-9' <"$1")
    [[ -n $pid ]] && alive "$pid" || return 1
    if [[ -r /proc/$pid/cmdline ]]; then
        cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline")
    else
        cmd=$(ps -o args= -p "$pid" 2>/dev/null || true)
    fi
    [[ $cmd == *redis-server* ]] || return 1
    echo "$pid"
}

# alive PID: the process runs (a zombie does not count: PID 1 of some containers reaps them late).
alive() {
    local stat
    kill -0 "$1" 2>/dev/null || return 1
    if [[ -r /proc/$1/stat ]]; then
        stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
        stat=${stat##*) }
        [[ ${stat:0:1} != Z ]]
    fi
}

# wait_gone SECONDS PID...: waits until none of the processes is alive; status 1 if some still are.
wait_gone() {
    local deadline=$(($(now) + $1)) pid alive
    shift
    while :; do
        alive=0
        for pid in "$@"; do alive "$pid" && alive=1; done
        ((alive)) || return 0
        (($(now) < deadline)) || return 1
        sleep 0.05
    done
}

# ------------------------------------------------------------------------------------------- binary

embedded_jar() {
    local repo=${M2_REPO:-$HOME/.m2/repository} jar
    if [[ -n ${EMBEDDED_REDIS_JAR:-} ]]; then
        echo "$EMBEDDED_REDIS_JAR"
        return
    fi
    jar=$repo/com/github/codemonstur/embedded-redis/1.4.3/embedded-redis-1.4.3.jar
    if [[ ! -f $jar ]]; then
        # any other version in the local repository
        jar=$(ls -1 "$repo"/com/github/codemonstur/embedded-redis/*/embedded-redis-*.jar 2>/dev/null | tail -n 1 || true)
    fi
    [[ -n $jar && -f $jar ]] || die "no redis-server on PATH and no embedded-redis jar in $repo (set REDIS_SERVER or EMBEDDED_REDIS_JAR)"
    echo "$jar"
}

# extract_embedded: extracts the redis-server that the embedded-redis jar ships for this machine into
# DIR and prints its path.
extract_embedded() {
    local jar os arch pattern entry entries line
    jar=$(embedded_jar)
    case $(uname -s) in
        Linux) os=linux ;;
        Darwin) os=darwin ;;
        *) die "the embedded-redis jar has no redis-server for $(uname -s)" ;;
    esac
    case $(uname -m) in
        x86_64 | amd64) arch=amd64 ;;
        aarch64 | arm64) arch=arm64 ;;
        i?86) arch=386 ;;
        *) die "the embedded-redis jar has no redis-server for $(uname -m)" ;;
    esac
    pattern="redis-server-*-$os-$arch"
    if command -v unzip >/dev/null 2>&1; then
        entries=$(unzip -Z1 "$jar")
    elif command -v jar >/dev/null 2>&1; then
        entries=$(jar tf "$jar")
    else
        die "need unzip or jar to extract redis-server from $jar"
    fi
    entry=
    while IFS= read -r line; do
        # shellcheck disable=SC2053
        [[ $line == $pattern ]] && entry=$line
    done <<<"$entries"
    [[ -n $entry ]] || die "$jar has no $pattern"
    if command -v unzip >/dev/null 2>&1; then
        unzip -o -q "$jar" "$entry" -d "$DIR"
    else
        (cd "$DIR" && jar xf "$jar" "$entry")
    fi
    chmod +x "$DIR/$entry"
    echo "$DIR/$entry"
}

choose_server() {
    if [[ -n ${REDIS_SERVER:-} ]]; then
        echo "$REDIS_SERVER"
    elif ((!EMBEDDED)) && command -v redis-server >/dev/null 2>&1; then
        command -v redis-server
    else
        extract_embedded
    fi
}

# ------------------------------------------------------------------------------------------ commands

check_dir_is_ours() {
    if [[ -e $DIR && ! -f $DIR/$MARKER ]]; then
        if [[ -d $DIR && -z $(ls -A "$DIR") ]]; then
            return 0
        fi
        die "$DIR exists and was not made by this script; refusing to use or delete it"
    fi
}

# stop_nodes: stops every node of DIR: those with a pid file, and any node on base..base+5 that runs
# with a config file from DIR (e.g. one that had not written its pid file yet).
stop_nodes() {
    local pids=() pid pidfile p info
    for pidfile in "$DIR"/redis-*.pid; do
        [[ -e $pidfile ]] || continue
        if pid=$(redis_pid "$pidfile"); then pids+=("$pid"); fi
    done
    for p in $(ports); do
        info=$(resp "$p" INFO server) || continue
        if [[ $(field config_file <<<"$info") == "$DIR/redis-$p.conf" ]]; then
            pid=$(field process_id <<<"$info")
            [[ -n $pid ]] && pids+=("$pid")
        fi
    done
    ((${#pids[@]})) || return 0
    # The data is thrown away, so SIGKILL: there is nothing for a graceful shutdown to save.
    kill -KILL "${pids[@]}" 2>/dev/null || true
    wait_gone 5 "${pids[@]}" || die "could not stop processes ${pids[*]}"
}

cmd_stop() {
    [[ -e $DIR ]] || return 0
    check_dir_is_ours
    stop_nodes
    rm -rf "$DIR"
}

cmd_kill_master() {
    local port=$1 pid
    [[ $port =~ ^[0-9]+$ ]] || die "kill-master needs a port"
    pid=$(redis_pid "$DIR/redis-$port.pid") || die "no running node of $DIR on port $port"
    kill -KILL "$pid"
    wait_gone 5 "$pid" || die "node on port $port (pid $pid) did not die"
    rm -f "$DIR/redis-$port.pid"
    log "killed the node on port $port (pid $pid)"
}

cmd_status() {
    local p info role
    for p in $(ports); do
        if info=$(resp "$p" CLUSTER INFO); then
            role=$(resp "$p" INFO replication | field role)
            echo "$p $(field cluster_state <<<"$info") $role known_nodes=$(field cluster_known_nodes <<<"$info")"
        else
            echo "$p down"
        fi
    done
}

write_config() {
    local p=$1
    cat >"$DIR/redis-$p.conf" <<EOF
port $p
bind 127.0.0.1
daemonize yes
dir "$DIR"
pidfile "$DIR/redis-$p.pid"
logfile "$DIR/redis-$p.log"
cluster-enabled yes
cluster-config-file "nodes-$p.conf"
cluster-node-timeout 2000
appendonly no
save ""
repl-diskless-sync-delay 0
EOF
}

# wait_until SECONDS WHAT COMMAND...: runs COMMAND until it succeeds; dies after SECONDS.
wait_until() {
    local seconds=$1 what=$2 deadline
    deadline=$(($(now) + seconds))
    shift 2
    until "$@"; do
        (($(now) < deadline)) || die "timed out after ${seconds}s waiting for $what"
        sleep 0.1
    done
}

all_answer() {
    local p
    for p in $(ports); do answers "$p" || return 1; done
}

# healthy: every node says cluster_state:ok and knows all 6 nodes, 3 of them are replicas with their
# link to the master up.
healthy() {
    local p info repl replicas=0
    for p in $(ports); do
        info=$(resp "$p" CLUSTER INFO) || return 1
        [[ $(field cluster_state <<<"$info") == ok ]] || return 1
        [[ $(field cluster_known_nodes <<<"$info") == "$NODES" ]] || return 1
        repl=$(resp "$p" INFO replication) || return 1
        if [[ $(field role <<<"$repl") == slave ]]; then
            [[ $(field master_link_status <<<"$repl") == up ]] || return 1
            replicas=$((replicas + 1))
        fi
    done
    ((replicas == NODES - MASTERS))
}

create_with_cli() {
    local p addrs=()
    for p in $(ports); do addrs+=("127.0.0.1:$p"); done
    redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$DIR/create.log" 2>&1 ||
        die "redis-cli --cluster create failed: $(cat "$DIR/create.log")"
}

knows_all() {
    local p
    for p in $(ports); do
        [[ $(resp "$p" CLUSTER INFO | field cluster_known_nodes) == "$NODES" ]] || return 1
    done
}

replicate() { resp "$1" CLUSTER REPLICATE "$2" >/dev/null; }

create_with_resp() {
    local ids=() i j p first last s version major args reply
    for ((i = 0; i < NODES; i++)); do
        p=$(port_of "$BASE" "$i")
        ids[i]=$(resp "$p" CLUSTER MYID) || die "CLUSTER MYID on $p failed: ${ids[i]}"
        # distinct config epochs up front, as redis-cli does, so that no collision has to be resolved
        resp "$p" CLUSTER SET-CONFIG-EPOCH $((i + 1)) >/dev/null || true
    done
    version=$(resp "$BASE" INFO server | field redis_version)
    major=${version%%.*}
    for ((i = 0; i < MASTERS; i++)); do
        p=$(port_of "$BASE" "$i")
        # the same split as redis-cli: 0-5460, 5461-10922, 10923-16383
        first=$(((i * SLOTS + MASTERS / 2) / MASTERS))
        last=$((((i + 1) * SLOTS + MASTERS / 2) / MASTERS - 1))
        if ((major >= 7)); then
            reply=$(resp "$p" CLUSTER ADDSLOTSRANGE "$first" "$last") || die "ADDSLOTSRANGE on $p: $reply"
        else
            for ((s = first; s <= last; s += 1000)); do
                args=()
                for ((j = s; j <= last && j < s + 1000; j++)); do args+=("$j"); done
                reply=$(resp "$p" CLUSTER ADDSLOTS "${args[@]}") || die "ADDSLOTS on $p: $reply"
            done
        fi
    done
    for ((i = 1; i < NODES; i++)); do
        reply=$(resp "$BASE" CLUSTER MEET 127.0.0.1 "$(port_of "$BASE" "$i")") || die "CLUSTER MEET: $reply"
    done
    wait_until 20 "all nodes to know each other" knows_all
    # replica base+3+i follows master base+i; a replica may need a moment more to learn that its
    # master is a master, so REPLICATE is retried
    for ((i = 0; i < MASTERS; i++)); do
        wait_until 10 "CLUSTER REPLICATE on $(port_of "$BASE" $((MASTERS + i)))" \
            replicate "$(port_of "$BASE" $((MASTERS + i)))" "${ids[i]}"
    done
}

STARTING=0
on_exit() {
    local status=$?
    if ((status != 0 && STARTING)); then
        local f
        for f in "$DIR"/redis-*.log; do
            [[ -e $f ]] || continue
            log "---- last lines of $f"
            tail -n 15 "$f" >&2 || true
        done
        STARTING=0
        stop_nodes || true
    fi
    exit "$status"
}

cmd_start() {
    local p server t0 wait=${REDIS_CLUSTER_WAIT:-30}
    t0=$(now)
    check_dir_is_ours
    stop_nodes
    rm -rf "$DIR"
    for p in $(ports); do
        ! port_taken "$p" || die "port $p is taken by another process"
        ! port_taken $((p + 10000)) || die "cluster bus port $((p + 10000)) is taken by another process"
    done
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd -P)
    : >"$DIR/$MARKER"
    STARTING=1
    trap on_exit EXIT
    server=$(choose_server)
    log "starting $NODES nodes on 127.0.0.1:$BASE-$((BASE + NODES - 1)) with $server ($("$server" --version | head -n 1))"
    for p in $(ports); do
        write_config "$p"
        "$server" "$DIR/redis-$p.conf" >>"$DIR/redis-$p.log" 2>&1 || die "redis-server on port $p did not start"
    done
    wait_until 10 "every node to answer PING" all_answer
    if ((!EMBEDDED && !NO_CLI)) && command -v redis-cli >/dev/null 2>&1; then
        log "creating the cluster with redis-cli"
        create_with_cli
    else
        log "creating the cluster with CLUSTER commands over /dev/tcp"
        create_with_resp
    fi
    wait_until "$wait" "cluster_state:ok and replicas in sync on every node" healthy
    STARTING=0
    log "cluster healthy after $(($(now) - t0))s"
    seeds
}

# ---------------------------------------------------------------------------------------------- main

EMBEDDED=${REDIS_CLUSTER_EMBEDDED:-0}
NO_CLI=${REDIS_CLUSTER_NO_CLI:-0}
args=()
for a in "$@"; do
    case $a in
        --embedded) EMBEDDED=1 ;;
        --no-cli) NO_CLI=1 ;;
        -h | --help) usage ;;
        -*) die "unknown option $a" ;;
        *) args+=("$a") ;;
    esac
done
set -- "${args[@]+"${args[@]}"}"
(($#)) || usage
command=$1
shift

case $command in
    start | stop | status)
        BASE=${1:-7100}
        DIR=${2:-/tmp/jobwatch-redis-cluster}
        [[ $BASE =~ ^[0-9]+$ ]] && ((BASE > 0 && BASE + NODES - 1 + 10000 <= 65535)) ||
            die "base port must be a number from 1 to $((65535 - 10000 - NODES + 1))"
        ;;
    kill-master)
        (($#)) || die "usage: redis-cluster.sh kill-master <port> [dir]"
        BASE=0
        DIR=${2:-/tmp/jobwatch-redis-cluster}
        ;;
    *) usage ;;
esac
[[ -n $DIR && $DIR != / ]] || die "refusing dir '$DIR'"
if [[ -d $DIR ]]; then DIR=$(cd "$DIR" && pwd -P); fi

case $command in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    kill-master) cmd_kill_master "$1" ;;
esac
