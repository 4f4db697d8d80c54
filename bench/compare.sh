#!/usr/bin/env bash
# Runs the same mcbp load against memcached (plain and -Z), stunnel, HAProxy and hitch in front of it,
# kvgate plain and TLS in front of it and kvgate TLS on embedded shards, in one run, and prints a table
# per setting. Client on one core, every server-side process on the other. See bench/README.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=lib/systems.sh
source "$BENCH_DIR/lib/systems.sh"

CLIENT_CPU=${CLIENT_CPU:-0}
SERVER_CPU=${SERVER_CPU:-1}
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:--Xms512m -Xmx1g}
KVGATE_JAR=$ROOT/gateway/target/kvgate.jar
CERTS_JAR=$ROOT/test-certs/target/kvgate-test-certs.jar

# name connections pipeline value-size get-ratio
SETTINGS_ALL=(p1-100B p16-100B p1-16KiB)
declare -A SETTING_ARGS=(
    [p1-100B]="50 1 100 0.9"
    [p16-100B]="50 16 100 0.9"
    [p1-16KiB]="50 1 16384 0.9"
)
KEYS=10000
WARMUP=2s

REPEATS=3
DURATION=10s
SYSTEMS=("${SYSTEMS_ALL[@]}")
SETTINGS=("${SETTINGS_ALL[@]}")
CHECK_ONLY=false
OUT=

usage() {
    cat <<EOF
usage: bench/compare.sh [--quick] [--repeats N] [--duration D] [--systems a,b,...] [--settings a,b,...]
                        [--out DIR] [--check]
  --repeats N     rounds over all systems per setting (default $REPEATS); the table shows medians
  --duration D    measured time per run, e.g. 10s (default $DURATION), after $WARMUP of warm-up
  --quick         1 repeat of 3s: a smoke run, not a measurement
  --systems       subset and order of: ${SYSTEMS_ALL[*]}
  --settings      subset of: ${SETTINGS_ALL[*]}
  --out DIR       where logs, configs and results go (default bench/results/<timestamp>)
  --check         start every system, check that each answers a NOOP, stop them; no load
Environment: CLIENT_CPU (0), SERVER_CPU (1), MEMCACHED_THREADS ($MEMCACHED_THREADS), KVGATE_JAVA_OPTS,
BENCH_JAVA_OPTS, PORT_* (see bench/lib/systems.sh).
EOF
}

while (($#)); do
    case $1 in
        --repeats) REPEATS=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --quick) REPEATS=1; DURATION=3s; shift ;;
        --systems) IFS=, read -r -a SYSTEMS <<<"$2"; shift 2 ;;
        --settings) IFS=, read -r -a SETTINGS <<<"$2"; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --check) CHECK_ONLY=true; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done
[[ $REPEATS =~ ^[1-9][0-9]*$ ]] || die "--repeats takes a positive number"
for system in "${SYSTEMS[@]}"; do system_port "$system" >/dev/null; done
for setting in "${SETTINGS[@]}"; do
    [[ -n ${SETTING_ARGS[$setting]:-} ]] || die "unknown setting: $setting"
done

# --- what this needs: Debian packages and the project's jars ----------------------------------------

install_packages() {
    local missing=()
    command -v memcached >/dev/null || missing+=(memcached)
    command -v stunnel4 >/dev/null || command -v stunnel >/dev/null || missing+=(stunnel4)
    command -v haproxy >/dev/null || missing+=(haproxy)
    command -v hitch >/dev/null || missing+=(hitch)
    command -v openssl >/dev/null || missing+=(openssl)
    command -v jq >/dev/null || missing+=(jq)
    command -v taskset >/dev/null || missing+=(util-linux)
    command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
    command -v mvn >/dev/null || missing+=(maven)
    apt_install "${missing[@]}"
}

bench_available() {
    java -jar "$KVGATE_JAR" bench --help >/dev/null 2>&1
}

make_certs() {
    java -jar "$CERTS_JAR" "$RUN_DIR/certs" >/dev/null
    CA=$RUN_DIR/certs/ca.pem
    CERT_CHAIN=$RUN_DIR/certs/server-chain.pem
    PRIVATE_KEY=$RUN_DIR/certs/server-key.pem
    # HAProxy and hitch take chain and key in one file.
    CERT_AND_KEY=$RUN_DIR/certs/server-combined.pem
    cat "$CERT_CHAIN" "$PRIVATE_KEY" >"$CERT_AND_KEY"
    # Test keys only: memcached and hitch read them after dropping to nobody.
    chmod 755 "$RUN_DIR/certs"
    chmod 644 "$RUN_DIR/certs"/*.pem
}

machine_note() {
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores;" \
        "client on cpu $CLIENT_CPU, server side on cpu $SERVER_CPU"
    echo "kernel: $(uname -sr); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "kvgate: $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo "not a git checkout")"
    echo "java: $(java -version 2>&1 | head -1)"
    echo "memcached: $(memcached -V 2>&1), -t $MEMCACHED_THREADS"
    echo "openssl: $(openssl version)"
    echo "stunnel: $("$STUNNEL_BIN" -version 2>&1 | grep -m1 -i '^stunnel' || true)"
    echo "haproxy: $(haproxy -v 2>&1 | head -1)"
    echo "hitch: $(hitch --version 2>&1 | head -1)"
    echo "load: ${SETTINGS[*]}; $REPEATS repeat(s) of $DURATION after $WARMUP warm-up; keys $KEYS"
    local load1
    load1=$(cut -d' ' -f1 /proc/loadavg)
    if awk -v l="$load1" 'BEGIN { exit !(l > 1.5) }'; then
        echo "WARNING: load average $load1 before the run: other processes compete for the cores," \
            "so throughput and ratios are unreliable"
    fi
}

# What a plain openssl client negotiates with each TLS system (the load generator may differ).
tls_note() {
    local system
    for system in "${SYSTEMS[@]}"; do
        system_tls "$system" || continue
        printf '%s: %s\n' "$system" "$(openssl s_client -connect "127.0.0.1:$(system_port "$system")" \
            -servername localhost -CAfile "$CA" -brief </dev/null 2>&1 |
            grep -E '^(Protocol version|Ciphersuite)' | tr '\n' ' ' || true)"
    done
}

# --- load -----------------------------------------------------------------------------------------

# load SYSTEM SETTING JSON [DURATION WARMUP]: one run of the client. It SETs every key before the
# measured time, so gets hit from the first second and every store holds the same data.
load() {
    local system=$1 setting=$2 json=$3 duration=${4:-$DURATION} warmup=${5:-$WARMUP}
    local connections pipeline value_size get_ratio port
    read -r connections pipeline value_size get_ratio <<<"${SETTING_ARGS[$setting]}"
    port=$(system_port "$system")
    local tls_args=()
    if system_tls "$system"; then
        tls_args=(--tls --ca "$CA")
    fi
    # shellcheck disable=SC2086
    taskset -c "$CLIENT_CPU" java $BENCH_JAVA_OPTS -jar "$KVGATE_JAR" bench \
        --host 127.0.0.1 --port "$port" "${tls_args[@]}" --connections "$connections" --pipeline "$pipeline" \
        --get-ratio "$get_ratio" --value-size "$value_size" --keys "$KEYS" --duration "$duration" \
        --warmup "$warmup" --threads 1 --json "$json" --quiet \
        >>"$RUN_DIR/logs/client.log" 2>&1 || {
        tail -20 "$RUN_DIR/logs/client.log" >&2
        die "load generator failed against $system ($setting)"
    }
}

# JVM systems compile their hot path in the first seconds: give them one unrecorded run.
warm_jvms() {
    local setting=$1 system
    for system in "${SYSTEMS[@]}"; do
        case $system in
            kvgate-*)
                log "warm-up run against $system"
                load "$system" "$setting" "$RUN_DIR/raw/warm-$system.json" 3s 1s
                ;;
        esac
    done
}

record() {
    local system=$1 setting=$2 repeat=$3 json=$4
    jq -c --arg system "$system" --arg setting "$setting" --argjson repeat "$repeat" \
        '{system: $system, setting: $setting, repeat: $repeat} + .' "$json" >>"$RESULTS"
}

# --- main -----------------------------------------------------------------------------------------

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop_systems
    remove_policy_rc
    if [[ -n ${RUN_DIR:-} ]]; then
        rm -f "$RUN_DIR/kvgate.jar"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

install_packages
STUNNEL_BIN=$(command -v stunnel4 || command -v stunnel)
build_jars

RUN_DIR=${OUT:-$BENCH_DIR/results/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$RUN_DIR"/{logs,conf,raw}
RUN_DIR=$(cd "$RUN_DIR" && pwd)
RESULTS=$RUN_DIR/results.jsonl
: >"$RESULTS"
# Every run of this invocation uses the same build, even if the tree is rebuilt meanwhile.
cp "$KVGATE_JAR" "$RUN_DIR/kvgate.jar"
KVGATE_JAR=$RUN_DIR/kvgate.jar
make_certs
machine_note | tee "$RUN_DIR/machine.txt" >&2

if ! $CHECK_ONLY && ! bench_available; then
    die "the load generator is not there yet ('java -jar $KVGATE_JAR bench --help' fails); --check runs the server side alone"
fi

start_systems "${SYSTEMS[@]}"
tls_note | tee "$RUN_DIR/tls.txt" >&2
if $CHECK_ONLY; then
    log "every system answers; stopping them"
    exit 0
fi

first=true
for setting in "${SETTINGS[@]}"; do
    if $first; then
        warm_jvms "$setting"
        first=false
    fi
    for ((repeat = 1; repeat <= REPEATS; repeat++)); do
        for system in "${SYSTEMS[@]}"; do
            json=$RUN_DIR/raw/$setting-$system-$repeat.json
            load "$system" "$setting" "$json"
            record "$system" "$setting" "$repeat" "$json"
            log "$setting #$repeat $system: $(jq -r '"\(.throughput | floor) ops/s, p99 \(.p99Us) us, errors \(.errors)"' "$json")"
        done
    done
done

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RUN_DIR/machine.txt"
{
    echo
    cat "$RUN_DIR/machine.txt"
    "$BENCH_DIR/lib/report.sh" "$RESULTS" "${SYSTEMS[*]}" "${SETTINGS[*]}"
} | tee "$RUN_DIR/table.txt"
log "results: $RESULTS; table: $RUN_DIR/table.txt"
