# Server side of bench/compare.sh (and of bench/footprint.sh, which reuses its process handling): start,
# probe and stop each system under test. Sourced, not run.
#
# Every server-side process runs on SERVER_CPU (taskset), binds 127.0.0.1 on a fixed port and is
# recorded in PIDS so that the EXIT trap of the script stops it, whatever happens.

# Fixed ports, far from memcached's 11211 and kvgate's 11207/11210 defaults.
PORT_MEMCACHED=${PORT_MEMCACHED:-21301}
PORT_MEMCACHED_TLS=${PORT_MEMCACHED_TLS:-21302}
PORT_STUNNEL=${PORT_STUNNEL:-21303}
PORT_HAPROXY=${PORT_HAPROXY:-21304}
PORT_HITCH=${PORT_HITCH:-21305}
PORT_KVGATE_PLAIN=${PORT_KVGATE_PLAIN:-21306}
PORT_KVGATE_TLS=${PORT_KVGATE_TLS:-21307}
PORT_KVGATE_EMBEDDED=${PORT_KVGATE_EMBEDDED:-21308}

# Everything memcached needs to hold the 16 KiB setting's 10,000 keys without evicting.
MEMCACHED_MEMORY_MB=${MEMCACHED_MEMORY_MB:-1024}
# One worker thread: the server side has one core, more threads would only contend for it.
MEMCACHED_THREADS=${MEMCACHED_THREADS:-1}
KVGATE_JAVA_OPTS=${KVGATE_JAVA_OPTS:--Xms1g -Xmx2g}

# name -> pid of every process started here.
declare -gA PIDS=()

# The systems in the order they are measured, their port and whether the client speaks TLS to them.
SYSTEMS_ALL=(memcached memcached-tls stunnel haproxy hitch kvgate-plain kvgate-tls kvgate-embedded-tls)

system_port() {
    case $1 in
        memcached) echo "$PORT_MEMCACHED" ;;
        memcached-tls) echo "$PORT_MEMCACHED_TLS" ;;
        stunnel) echo "$PORT_STUNNEL" ;;
        haproxy) echo "$PORT_HAPROXY" ;;
        hitch) echo "$PORT_HITCH" ;;
        kvgate-plain) echo "$PORT_KVGATE_PLAIN" ;;
        kvgate-tls) echo "$PORT_KVGATE_TLS" ;;
        kvgate-embedded-tls) echo "$PORT_KVGATE_EMBEDDED" ;;
        *) die "unknown system: $1" ;;
    esac
}

system_tls() {
    case $1 in
        memcached | kvgate-plain) return 1 ;;
        *) return 0 ;;
    esac
}

# The process that serves a system (several systems share one: the terminators front memcached).
system_process() {
    case $1 in
        kvgate-plain | kvgate-tls) echo kvgate-front ;;
        kvgate-embedded-tls) echo kvgate-embedded ;;
        *) echo "$1" ;;
    esac
}

die() {
    echo "$(basename "$0"): $*" >&2
    exit 1
}

log() {
    echo "[$(date +%H:%M:%S)] $*" >&2
}

# render TEMPLATE OUT KEY=VALUE...: replaces @KEY@ with VALUE.
render() {
    local template=$1 out=$2
    shift 2
    local args=()
    local kv
    for kv in "$@"; do
        args+=(-e "s|@${kv%%=*}@|${kv#*=}|g")
    done
    sed "${args[@]}" "$template" >"$out"
    if grep -q '@[A-Z_]*@' "$out"; then
        die "unrendered placeholder in $out"
    fi
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# start NAME LOGFILE COMMAND...: runs COMMAND on the server core in the background.
start_process() {
    local name=$1 logfile=$2
    shift 2
    taskset -c "$SERVER_CPU" "$@" >"$logfile" 2>&1 &
    PIDS[$name]=$!
    log "started $name (pid ${PIDS[$name]}): $*"
}

# The 24-byte NOOP request, opaque 0xdeadbeef, as a printf format.
NOOP_REQUEST='\x80\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xde\xad\xbe\xef\x00\x00\x00\x00\x00\x00\x00\x00'

# Hex of the first 24 bytes a system answers to a NOOP; empty when it does not answer.
noop_answer() {
    local port=$1 tls=$2
    if [[ $tls == tls ]]; then
        { printf "$NOOP_REQUEST"; sleep 1; } |
            timeout 5 openssl s_client -connect "127.0.0.1:$port" -servername localhost -CAfile "$CA" \
                -verify_return_error -quiet -no_ign_eof 2>/dev/null |
            head -c 24 | od -An -tx1 | tr -d ' \n' || true
    else
        timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "$2" >&3 && head -c 24 <&3' _ \
            "$port" "$NOOP_REQUEST" 2>/dev/null | od -An -tx1 | tr -d ' \n' || true
    fi
}

# A NOOP response (magic 0x81, opcode 0x0a, status 0) carrying our opaque.
noop_ok() {
    local hex
    hex=$(noop_answer "$@")
    [[ ${#hex} -eq 48 && ${hex:0:4} == 810a && ${hex:12:4} == 0000 && ${hex:24:8} == deadbeef ]]
}

# wait_ready SYSTEM: until it answers a NOOP (30 s), else the log tells why.
wait_ready() {
    local system=$1 port tls=plain proc deadline
    port=$(system_port "$system")
    system_tls "$system" && tls=tls
    proc=$(system_process "$system")
    deadline=$((SECONDS + 30))
    until noop_ok "$port" "$tls"; do
        if ! kill -0 "${PIDS[$proc]}" 2>/dev/null; then
            tail -20 "$RUN_DIR/logs/$proc.log" >&2 || true
            die "$proc exited before $system answered on port $port"
        fi
        if ((SECONDS > deadline)); then
            tail -20 "$RUN_DIR/logs/$proc.log" >&2 || true
            die "$system does not answer a NOOP on port $port ($tls)"
        fi
        sleep 0.3
    done
    log "$system answers NOOP on 127.0.0.1:$port ($tls)"
}

memcached_user_args() {
    if [[ $(id -u) -eq 0 ]]; then
        echo "-u nobody"
    fi
}

start_memcached() {
    # shellcheck disable=SC2046
    start_process memcached "$RUN_DIR/logs/memcached.log" \
        memcached -l 127.0.0.1 -p "$PORT_MEMCACHED" -U 0 -m "$MEMCACHED_MEMORY_MB" -t "$MEMCACHED_THREADS" \
        -c 4096 $(memcached_user_args)
}

start_memcached_tls() {
    # shellcheck disable=SC2046
    start_process memcached-tls "$RUN_DIR/logs/memcached-tls.log" \
        memcached -l 127.0.0.1 -p "$PORT_MEMCACHED_TLS" -U 0 -m "$MEMCACHED_MEMORY_MB" -t "$MEMCACHED_THREADS" \
        -c 4096 $(memcached_user_args) -Z -o "ssl_chain_cert=$CERT_CHAIN,ssl_key=$PRIVATE_KEY"
}

start_stunnel() {
    local conf=$RUN_DIR/conf/stunnel.conf
    render "$BENCH_DIR/conf/stunnel.conf.tmpl" "$conf" PORT="$PORT_STUNNEL" BACKEND_PORT="$PORT_MEMCACHED" \
        CERT_CHAIN="$CERT_CHAIN" PRIVATE_KEY="$PRIVATE_KEY" LOG="$RUN_DIR/logs/stunnel.out"
    start_process stunnel "$RUN_DIR/logs/stunnel.log" "$STUNNEL_BIN" "$conf"
}

start_haproxy() {
    local conf=$RUN_DIR/conf/haproxy.cfg
    render "$BENCH_DIR/conf/haproxy.cfg.tmpl" "$conf" PORT="$PORT_HAPROXY" BACKEND_PORT="$PORT_MEMCACHED" \
        CERT_AND_KEY="$CERT_AND_KEY"
    start_process haproxy "$RUN_DIR/logs/haproxy.log" haproxy -db -f "$conf"
}

start_hitch() {
    local conf=$RUN_DIR/conf/hitch.conf
    mkdir -p "$RUN_DIR/hitch-state"
    render "$BENCH_DIR/conf/hitch.conf.tmpl" "$conf" PORT="$PORT_HITCH" BACKEND_PORT="$PORT_MEMCACHED" \
        CERT_AND_KEY="$CERT_AND_KEY" STATE_DIR="$RUN_DIR/hitch-state"
    local user_args=()
    if [[ $(id -u) -eq 0 ]]; then
        user_args=(--user nobody --group nogroup)
    fi
    start_process hitch "$RUN_DIR/logs/hitch.log" hitch --config="$conf" "${user_args[@]}"
}

start_kvgate_front() {
    local conf=$RUN_DIR/conf/kvgate-front.conf
    render "$BENCH_DIR/conf/kvgate-front.conf.tmpl" "$conf" PLAIN_PORT="$PORT_KVGATE_PLAIN" \
        TLS_PORT="$PORT_KVGATE_TLS" BACKEND_PORT="$PORT_MEMCACHED" CERT_CHAIN="$CERT_CHAIN" \
        PRIVATE_KEY="$PRIVATE_KEY"
    # shellcheck disable=SC2086
    start_process kvgate-front "$RUN_DIR/logs/kvgate-front.log" java $KVGATE_JAVA_OPTS -jar "$KVGATE_JAR" -c "$conf"
}

start_kvgate_embedded() {
    local conf=$RUN_DIR/conf/kvgate-embedded.conf
    render "$BENCH_DIR/conf/kvgate-embedded.conf.tmpl" "$conf" TLS_PORT="$PORT_KVGATE_EMBEDDED" \
        CERT_CHAIN="$CERT_CHAIN" PRIVATE_KEY="$PRIVATE_KEY"
    # shellcheck disable=SC2086
    start_process kvgate-embedded "$RUN_DIR/logs/kvgate-embedded.log" \
        java $KVGATE_JAVA_OPTS -jar "$KVGATE_JAR" -c "$conf"
}

# start_systems SYSTEM...: starts what the listed systems need (memcached first), waits for each.
start_systems() {
    local system port
    local -A wanted=()
    for system in "$@"; do
        wanted[$(system_process "$system")]=1
        case $system in
            stunnel | haproxy | hitch | kvgate-plain | kvgate-tls) wanted[memcached]=1 ;;
        esac
    done
    for port in "$PORT_MEMCACHED" "$PORT_MEMCACHED_TLS" "$PORT_STUNNEL" "$PORT_HAPROXY" "$PORT_HITCH" \
        "$PORT_KVGATE_PLAIN" "$PORT_KVGATE_TLS" "$PORT_KVGATE_EMBEDDED"; do
        if port_in_use "$port"; then
            die "port $port on 127.0.0.1 is already in use (another compare.sh still running?)"
        fi
    done
    [[ -n ${wanted[memcached]:-} ]] && start_memcached
    [[ -n ${wanted[memcached-tls]:-} ]] && start_memcached_tls
    [[ -n ${wanted[stunnel]:-} ]] && start_stunnel
    [[ -n ${wanted[haproxy]:-} ]] && start_haproxy
    [[ -n ${wanted[hitch]:-} ]] && start_hitch
    [[ -n ${wanted[kvgate-front]:-} ]] && start_kvgate_front
    [[ -n ${wanted[kvgate-embedded]:-} ]] && start_kvgate_embedded
    for system in "$@"; do
        wait_ready "$system"
    done
}

# Stops every process started here: TERM, then KILL after 10 s. Safe to call twice.
stop_systems() {
    local name pid deadline
    for name in "${!PIDS[@]}"; do
        kill -TERM "${PIDS[$name]}" 2>/dev/null || true
    done
    deadline=$((SECONDS + 10))
    for name in "${!PIDS[@]}"; do
        pid=${PIDS[$name]}
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "$name (pid $pid) ignored SIGTERM: killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
        unset "PIDS[$name]"
    done
}

# ---- shared by compare.sh and footprint.sh ----

POLICY_RC=/usr/sbin/policy-rc.d
POLICY_RC_OURS=false

# Installs the Debian packages named (as root); their own services (memcached on 11211, haproxy,
# hitch) must not start: nothing may run on the machine that the script did not start and stop.
apt_install() {
    (($#)) || return 0
    [[ $(id -u) -eq 0 ]] || die "missing $*: run as root or apt-get install them"
    log "installing $*"
    if [[ ! -e $POLICY_RC ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$POLICY_RC"
        chmod +x "$POLICY_RC"
        POLICY_RC_OURS=true
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    remove_policy_rc
}

remove_policy_rc() {
    if $POLICY_RC_OURS; then
        rm -f "$POLICY_RC"
        POLICY_RC_OURS=false
    fi
}

# Builds the jars the scripts run when they are absent.
build_jars() {
    if [[ ! -f $KVGATE_JAR || ! -f $CERTS_JAR ]]; then
        log "building the project (mvn -q -B -DskipTests package)"
        (cd "$ROOT" && mvn -q -B -DskipTests package)
    fi
    [[ -f $KVGATE_JAR ]] || die "no $KVGATE_JAR after the build"
}
