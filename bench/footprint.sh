#!/usr/bin/env bash
# Memory and start-up of kvgate next to HAProxy, both in front of the same memcached, in one run:
# time from start to listening, idle RSS, RSS per idle TLS connection and RSS under 100-900 KB values.
# Server side on one core, clients on the other, systems alternating. See bench/README.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)

# Ports of our own, next to compare.sh's 21301-21308, so both can run on one machine.
PORT_MEMCACHED=${PORT_MEMCACHED:-21401}
PORT_HAPROXY_TLS=${PORT_HAPROXY_TLS:-21402}
PORT_HAPROXY_PLAIN=${PORT_HAPROXY_PLAIN:-21403}
PORT_KVGATE_TLS=${PORT_KVGATE_TLS:-21404}
PORT_KVGATE_PLAIN=${PORT_KVGATE_PLAIN:-21405}
# shellcheck source=lib/systems.sh
source "$BENCH_DIR/lib/systems.sh"

CLIENT_CPU=${CLIENT_CPU:-0}
SERVER_CPU=${SERVER_CPU:-1}
JAVA=${JAVA:-java}
CLIENT_JAVA_OPTS=${CLIENT_JAVA_OPTS:--Xmx512m}
KVGATE_JAR=$ROOT/gateway/target/kvgate.jar
CERTS_JAR=$ROOT/test-certs/target/kvgate-test-certs.jar
SMALL_OPTIONS=$ROOT/gateway/src/main/dist/jvm-small.options
# glibc settings of the small container (README, "Small container"): large direct buffers are mapped
# and unmapped rather than kept in malloc arenas after they are freed.
SMALL_ENV=(MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072)

SYSTEMS_ALL=(kvgate haproxy kvgate-default)
SYSTEMS=("${SYSTEMS_ALL[@]}")
REPEATS=3
IDLE_CONNECTIONS=1000
SMALL_SETS=2000
LARGE_DURATION=20s
LARGE_SIZES=100000-900000
OUT=

usage() {
    cat <<EOF
usage: bench/footprint.sh [--quick] [--repeats N] [--systems a,b,...] [--idle-connections N]
                          [--large-duration D] [--out DIR]
  --repeats N           fresh starts per system for the start, idle and per-connection figures
                        (default $REPEATS); the table shows medians
  --systems             subset and order of: ${SYSTEMS_ALL[*]}
                          kvgate          java @gateway/src/main/dist/jvm-small.options with a class-data
                                          archive made by 'kvgate.jar train' (an AOT cache on JDK 25+)
                                          and ${SMALL_ENV[*]}
                          kvgate-default  java -jar kvgate.jar, no JVM options
                          haproxy         HAProxy, one thread, TLS and plain frontends
  --idle-connections N  idle TLS connections per batch for the per-connection figure: a first batch
                        warms up, a second is measured (default $IDLE_CONNECTIONS)
  --large-duration D    length of the 100-900 KB load (default $LARGE_DURATION)
  --quick               1 repeat, 200 idle connections, 8 s of large values: a smoke run
  --out DIR             where logs and results go (default bench/results/footprint-<timestamp>)
Environment: JAVA (java for kvgate, e.g. a JDK 25), CLIENT_CPU ($CLIENT_CPU), SERVER_CPU ($SERVER_CPU),
CLIENT_JAVA_OPTS, PORT_*.
EOF
}

while (($#)); do
    case $1 in
        --repeats) REPEATS=$2; shift 2 ;;
        --systems) IFS=, read -r -a SYSTEMS <<<"$2"; shift 2 ;;
        --idle-connections) IDLE_CONNECTIONS=$2; shift 2 ;;
        --large-duration) LARGE_DURATION=$2; shift 2 ;;
        --quick) REPEATS=1; IDLE_CONNECTIONS=200; LARGE_DURATION=8s; shift ;;
        --out) OUT=$2; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done
[[ $REPEATS =~ ^[1-9][0-9]*$ ]] || die "--repeats takes a positive number"
[[ $IDLE_CONNECTIONS =~ ^[1-9][0-9]*$ ]] || die "--idle-connections takes a positive number"
for system in "${SYSTEMS[@]}"; do
    case $system in
        kvgate | haproxy | kvgate-default) ;;
        *) die "unknown system: $system" ;;
    esac
done

# --- what this needs ------------------------------------------------------------------------------

install_packages() {
    local missing=()
    command -v memcached >/dev/null || missing+=(memcached)
    command -v haproxy >/dev/null || missing+=(haproxy)
    command -v jq >/dev/null || missing+=(jq)
    command -v taskset >/dev/null || missing+=(util-linux)
    command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
    command -v mvn >/dev/null || missing+=(maven)
    apt_install "${missing[@]}"
}

java_major() {
    "$JAVA" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ { print $2 }'
}

# --- measuring ------------------------------------------------------------------------------------

rss_kib() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

accepts() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

system_ports() {
    case $1 in
        haproxy) echo "$PORT_HAPROXY_PLAIN $PORT_HAPROXY_TLS" ;;
        *) echo "$PORT_KVGATE_PLAIN $PORT_KVGATE_TLS" ;;
    esac
}

# start_system SYSTEM: starts it on the server core and sets LISTEN_MS to the milliseconds until both
# of its ports accept connections. Its pid is PIDS[SYSTEM]. (Not in a subshell: PIDS must keep it.)
start_system() {
    local system=$1 plain tls t0 deadline
    read -r plain tls <<<"$(system_ports "$system")"
    for port in "$plain" "$tls"; do
        ! accepts "$port" || die "port $port on 127.0.0.1 is already in use (another footprint.sh running?)"
    done
    t0=$(now_ms)
    case $system in
        haproxy)
            start_process haproxy "$RUN_DIR/logs/haproxy.log" haproxy -db -f "$RUN_DIR/conf/haproxy.cfg" ;;
        kvgate)
            # shellcheck disable=SC2086
            start_process kvgate "$RUN_DIR/logs/kvgate.log" env "${SMALL_ENV[@]}" \
                "$JAVA" @"$SMALL_OPTIONS" $CLASS_CACHE_USE -jar "$KVGATE_JAR" -c "$RUN_DIR/conf/kvgate.conf" ;;
        kvgate-default)
            start_process kvgate-default "$RUN_DIR/logs/kvgate-default.log" "$JAVA" -jar "$KVGATE_JAR" \
                -c "$RUN_DIR/conf/kvgate.conf" ;;
    esac
    deadline=$((SECONDS + 60))
    until accepts "$plain" && accepts "$tls"; do
        kill -0 "${PIDS[$system]}" 2>/dev/null || { tail -20 "$RUN_DIR/logs/$system.log" >&2; die "$system exited"; }
        ((SECONDS < deadline)) || die "$system does not listen on $plain and $tls after 60 s"
        sleep 0.005
    done
    LISTEN_MS=$(($(now_ms) - t0))
}

# stop_process NAME: stops PIDS[NAME] and waits for it.
stop_process() {
    local pid=${PIDS[$1]}
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "PIDS[$1]"
}

# client ARGS...: kvgate's bench or idle command on the client core, in the foreground.
client() {
    # shellcheck disable=SC2086
    taskset -c "$CLIENT_CPU" "$JAVA" $CLIENT_JAVA_OPTS -jar "$KVGATE_JAR" "$@"
}

# background_client NAME OUT ARGS...: the same in the background, recorded in PIDS (so that the exit
# trap stops it whatever happens); taskset execs java, so the pid is the client's own.
background_client() {
    local name=$1 out=$2
    shift 2
    # shellcheck disable=SC2086
    taskset -c "$CLIENT_CPU" "$JAVA" $CLIENT_JAVA_OPTS -jar "$KVGATE_JAR" "$@" >"$out" 2>&1 &
    PIDS[$name]=$!
}

# small_sets SYSTEM: SMALL_SETS SETs of 100 B over its plain port, then over its TLS port.
small_sets() {
    local plain tls
    read -r plain tls <<<"$(system_ports "$1")"
    client bench --port "$plain" --connections 4 --keys "$SMALL_SETS" --get-ratio 0 --warmup 0 --duration 1ms \
        --quiet >>"$RUN_DIR/logs/client.log" 2>&1 || die "small SETs over $1's plain port failed"
    client bench --port "$tls" --tls --ca "$CA" --connections 4 --keys "$SMALL_SETS" --get-ratio 0 --warmup 0 \
        --duration 1ms --quiet >>"$RUN_DIR/logs/client.log" 2>&1 || die "small SETs over $1's TLS port failed"
}

# settle PID: waits (at most 20 s) until the process's RSS moved less than 128 KiB in each of the last
# two seconds (compilation finishing, the JVM trimming freed memory), then prints it.
settle() {
    local pid=$1 last now calm=0 i
    last=$(rss_kib "$pid")
    for ((i = 0; i < 20 && calm < 2; i++)); do
        sleep 1
        now=$(rss_kib "$pid")
        if ((now - last < 128 && last - now < 128)); then calm=$((calm + 1)); else calm=0; fi
        last=$now
    done
    echo "$last"
}

# hold_idle SYSTEM PORT BATCH: starts an idle client holding IDLE_CONNECTIONS TLS connections
# (handshake and one NOOP each), as PIDS[idle-BATCH], and waits until they are open.
hold_idle() {
    local system=$1 port=$2 batch=$3 out deadline
    out=$RUN_DIR/logs/idle-$system-$batch.out
    background_client "idle-$batch" "$out" idle --hold --tls --port "$port" --connections "$IDLE_CONNECTIONS"
    deadline=$((SECONDS + 300))
    until grep -q "connections open" "$out"; do
        kill -0 "${PIDS[idle-$batch]}" 2>/dev/null || { cat "$out" >&2; die "the idle client stopped against $system"; }
        ((SECONDS < deadline)) || die "$IDLE_CONNECTIONS idle connections to $system not open after 300 s"
        sleep 0.2
    done
}

# idle_connections SYSTEM: sets PER_CONNECTION to the RSS growth in bytes per idle TLS connection and
# OPEN_SECONDS to the time the measured batch took to open. Two batches of IDLE_CONNECTIONS: the first
# brings the handshake path, its compiled code and the buffer pools up to speed; the second, measured,
# costs only what a connection holds.
idle_connections() {
    local system=$1 pid plain tls before after
    pid=${PIDS[$system]}
    read -r plain tls <<<"$(system_ports "$system")"
    hold_idle "$system" "$tls" 1
    before=$(settle "$pid")
    hold_idle "$system" "$tls" 2
    after=$(settle "$pid")
    stop_process idle-1
    stop_process idle-2
    PER_CONNECTION=$(((after - before) * 1024 / IDLE_CONNECTIONS))
    OPEN_SECONDS=$(grep -o 'open in [0-9.]* s' "$RUN_DIR/logs/idle-$system-2.out" | awk '{print $3}')
}

# large_values SYSTEM: 40 TLS and 10 plain connections SET and GET 100-900 KB values for
# LARGE_DURATION while the server's RSS is sampled; sets LARGE_PEAK and LARGE_AFTER (KiB, at the peak
# and 5 s after the load) and LARGE_ERRORS (errors and timeouts the clients saw).
large_values() {
    local system=$1 pid plain tls rss status=0
    pid=${PIDS[$system]}
    read -r plain tls <<<"$(system_ports "$system")"
    background_client large-tls "$RUN_DIR/logs/large-$system-tls.out" bench --port "$tls" --tls --ca "$CA" \
        --connections 40 --value-size "$LARGE_SIZES" --keys 100 --get-ratio 0.5 --warmup 0 \
        --duration "$LARGE_DURATION" --quiet --json "$RUN_DIR/raw/large-$system-tls.json"
    background_client large-plain "$RUN_DIR/logs/large-$system-plain.out" bench --port "$plain" \
        --connections 10 --value-size "$LARGE_SIZES" --keys 100 --get-ratio 0.5 --warmup 0 \
        --duration "$LARGE_DURATION" --quiet --json "$RUN_DIR/raw/large-$system-plain.json"
    LARGE_PEAK=0
    while kill -0 "${PIDS[large-tls]}" 2>/dev/null || kill -0 "${PIDS[large-plain]}" 2>/dev/null; do
        rss=$(rss_kib "$pid")
        ((rss > LARGE_PEAK)) && LARGE_PEAK=$rss
        sleep 0.25
    done
    wait "${PIDS[large-tls]}" || status=$?
    wait "${PIDS[large-plain]}" || status=$?
    unset "PIDS[large-tls]" "PIDS[large-plain]"
    ((status == 0)) || log "a large-value client against $system failed (logs/large-$system-*.out)"
    sleep 5
    LARGE_AFTER=$(rss_kib "$pid")
    LARGE_ERRORS=$(cat "$RUN_DIR/raw/large-$system-"{tls,plain}.json 2>/dev/null |
        jq -s 'if length < 2 then -1 else [.[] | .errors + .timeouts] | add end')
}

# --- main -----------------------------------------------------------------------------------------

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop_systems
    remove_policy_rc
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

install_packages
build_jars

RUN_DIR=${OUT:-$BENCH_DIR/results/footprint-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$RUN_DIR"/{logs,conf,raw}
RUN_DIR=$(cd "$RUN_DIR" && pwd)
RESULTS=$RUN_DIR/results.txt
: >"$RESULTS"
# Every run of this invocation uses the same build; the class-data archive is tied to this jar.
cp "$KVGATE_JAR" "$RUN_DIR/kvgate.jar"
KVGATE_JAR=$RUN_DIR/kvgate.jar

java -jar "$CERTS_JAR" "$RUN_DIR/certs" >/dev/null
CA=$RUN_DIR/certs/ca.pem
cat "$RUN_DIR/certs/server-chain.pem" "$RUN_DIR/certs/server-key.pem" >"$RUN_DIR/certs/server-combined.pem"
render "$BENCH_DIR/conf/haproxy-footprint.cfg.tmpl" "$RUN_DIR/conf/haproxy.cfg" TLS_PORT="$PORT_HAPROXY_TLS" \
    PLAIN_PORT="$PORT_HAPROXY_PLAIN" BACKEND_PORT="$PORT_MEMCACHED" CERT_AND_KEY="$RUN_DIR/certs/server-combined.pem"
render "$BENCH_DIR/conf/kvgate-footprint.conf.tmpl" "$RUN_DIR/conf/kvgate.conf" PLAIN_PORT="$PORT_KVGATE_PLAIN" \
    TLS_PORT="$PORT_KVGATE_TLS" BACKEND_PORT="$PORT_MEMCACHED" CERT_CHAIN="$RUN_DIR/certs/server-chain.pem" \
    PRIVATE_KEY="$RUN_DIR/certs/server-key.pem"

JAVA_MAJOR=$(java_major)
# The class-data archive, made the way an image build makes it: 'kvgate.jar train' under the same options.
if ((${JAVA_MAJOR%%.*} >= 25)); then
    CLASS_CACHE=$RUN_DIR/kvgate.aot
    CLASS_CACHE_USE="-XX:AOTCache=$CLASS_CACHE"
    CLASS_CACHE_MAKE="-XX:AOTCacheOutput=$CLASS_CACHE"
else
    CLASS_CACHE=$RUN_DIR/kvgate.jsa
    CLASS_CACHE_USE="-XX:SharedArchiveFile=$CLASS_CACHE"
    CLASS_CACHE_MAKE="-XX:ArchiveClassesAtExit=$CLASS_CACHE"
fi
if [[ " ${SYSTEMS[*]} " == *" kvgate "* ]]; then
    log "making the class-data archive: java @jvm-small.options $CLASS_CACHE_MAKE -jar kvgate.jar train"
    # shellcheck disable=SC2086
    taskset -c "$SERVER_CPU" "$JAVA" @"$SMALL_OPTIONS" $CLASS_CACHE_MAKE -jar "$KVGATE_JAR" train \
        >"$RUN_DIR/logs/train.log" 2>&1 || { tail -20 "$RUN_DIR/logs/train.log" >&2; die "kvgate train failed"; }
    [[ -f $CLASS_CACHE ]] || die "no $CLASS_CACHE after kvgate train"
fi

{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores;" \
        "clients on cpu $CLIENT_CPU, servers on cpu $SERVER_CPU"
    echo "kernel: $(uname -sr); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "kvgate: $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo "not a git checkout")"
    echo "java: $("$JAVA" -version 2>&1 | head -1); kvgate: ${SMALL_ENV[*]} java" \
        "$(grep -v '^#' "$SMALL_OPTIONS" | xargs) $CLASS_CACHE_USE"
    echo "haproxy: $(haproxy -v 2>&1 | head -1)"
    echo "memcached: $(memcached -V 2>&1), -t $MEMCACHED_THREADS"
    echo "load: $REPEATS start(s) per system; $SMALL_SETS SETs of 100 B per port; 2 x $IDLE_CONNECTIONS idle TLS" \
        "connections (the second batch measured); $LARGE_DURATION of $LARGE_SIZES B values (40 TLS + 10 plain connections, 50% GETs)"
} | tee "$RUN_DIR/machine.txt" >&2

start_memcached
until accepts "$PORT_MEMCACHED"; do sleep 0.05; done

for ((repeat = 1; repeat <= REPEATS; repeat++)); do
    for system in "${SYSTEMS[@]}"; do
        start_system "$system"
        listen_ms=$LISTEN_MS
        small_sets "$system"
        idle_kib=$(settle "${PIDS[$system]}")
        idle_connections "$system"
        stop_process "$system"
        echo "$system start $repeat $listen_ms $idle_kib $PER_CONNECTION" >>"$RESULTS"
        log "$system #$repeat: listening after $listen_ms ms, idle RSS $((idle_kib / 1024)) MiB," \
            "$PER_CONNECTION B per idle TLS connection ($IDLE_CONNECTIONS opened in $OPEN_SECONDS s)"
    done
done

for system in "${SYSTEMS[@]}"; do
    start_system "$system"
    small_sets "$system"
    large_values "$system"
    budget=$(grep -o 'memory budget for large frames: [0-9]* MiB' "$RUN_DIR/logs/$system.log" 2>/dev/null |
        awk '{print $6}' | tail -1 || true)
    stop_process "$system"
    echo "$system large 1 $LARGE_PEAK $LARGE_AFTER $LARGE_ERRORS ${budget:--}" >>"$RESULTS"
    log "$system, $LARGE_SIZES B values: peak RSS $((LARGE_PEAK / 1024)) MiB, $((LARGE_AFTER / 1024)) MiB" \
        "5 s after; errors and timeouts $LARGE_ERRORS"
done
stop_systems
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RUN_DIR/machine.txt"

{
    echo
    cat "$RUN_DIR/machine.txt"
    echo
    "$BENCH_DIR/lib/footprint-report.sh" "$RESULTS" "${SYSTEMS[*]}"
} | tee "$RUN_DIR/table.txt"
log "table: $RUN_DIR/table.txt"
