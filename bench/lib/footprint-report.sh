#!/usr/bin/env bash
# Prints bench/footprint.sh's table from its results: per system the median over the starts and the
# large-value figures, ratios to HAProxy, and kvgate's goals from issue 17.
# usage: footprint-report.sh RESULTS "system ..."
#   RESULTS lines: SYSTEM start REPEAT LISTEN_MS IDLE_RSS_KIB BYTES_PER_IDLE_TLS_CONNECTION
#                  SYSTEM large 1 PEAK_RSS_KIB RSS_AFTER_KIB ERRORS BUDGET_MIB
set -euo pipefail

awk -v systems="${2:-kvgate haproxy kvgate-default}" '
function median(list,    n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    if (n == 0) return ""
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "-" : sprintf("%.2f", a / b) }
$2 == "start" { listen[$1] = listen[$1] " " $4; idle[$1] = idle[$1] " " $5; conn[$1] = conn[$1] " " $6; runs[$1]++ }
$2 == "large" { peak[$1] = $4; after[$1] = $5; errors[$1] = $6; budget[$1] = $7 }
END {
    n = split(systems, s, " ")
    for (i = 1; i <= n; i++) {
        v["listen", s[i]] = median(listen[s[i]])
        v["idle", s[i]] = idle[s[i]] == "" ? "" : median(idle[s[i]]) / 1024
        v["conn", s[i]] = conn[s[i]] == "" ? "" : median(conn[s[i]]) / 1024
        v["peak", s[i]] = peak[s[i]] == "" ? "" : peak[s[i]] / 1024
        v["after", s[i]] = after[s[i]] == "" ? "" : after[s[i]] / 1024
        v["errors", s[i]] = errors[s[i]]
    }
    split("listen idle conn peak after errors", m, " ")
    label["listen"] = "start to listening (ms)"
    label["idle"] = "idle RSS after small SETs (MiB)"
    label["conn"] = "RSS per idle TLS connection (KiB)"
    label["peak"] = "peak RSS, 100-900 KB values (MiB)"
    label["after"] = "RSS 5 s after that load (MiB)"
    label["errors"] = "errors + timeouts in that load"
    format["listen"] = "%.0f"; format["idle"] = "%.1f"; format["conn"] = "%.1f"
    format["peak"] = "%.1f"; format["after"] = "%.1f"; format["errors"] = "%d"

    header = sprintf("%-36s", "median of " runs[s[1]] " start(s)")
    for (i = 1; i <= n; i++) header = header sprintf(" %15s", s[i])
    for (i = 1; i <= n; i++) if (s[i] != "haproxy" && ("haproxy" in runs)) header = header sprintf(" %23s", s[i] "/haproxy")
    print header
    for (k = 1; k <= 6; k++) {
        line = sprintf("%-36s", label[m[k]])
        for (i = 1; i <= n; i++) {
            x = v[m[k], s[i]]
            line = line sprintf(" %15s", x == "" ? "-" : sprintf(format[m[k]], x))
        }
        for (i = 1; i <= n; i++) if (s[i] != "haproxy" && ("haproxy" in runs))
            line = line sprintf(" %23s", m[k] == "errors" ? "" : ratio(v[m[k], s[i]], v[m[k], "haproxy"]))
        print line
    }
    if ("kvgate" in runs) {
        print ""
        print "kvgate against the goals of issue 17:"
        printf "  idle RSS <= 64 MiB: %.1f MiB; start to listening <= 500 ms: %.0f ms; per idle TLS connection <= 8 KiB: %.1f KiB\n", v["idle", "kvgate"], v["listen", "kvgate"], v["conn", "kvgate"]
        if (budget["kvgate"] != "" && budget["kvgate"] != "-" && v["peak", "kvgate"] != "")
            printf "  RSS under large values <= budget + idle = %d + %.1f = %.1f MiB: peak %.1f MiB\n", budget["kvgate"], v["idle", "kvgate"], budget["kvgate"] + v["idle", "kvgate"], v["peak", "kvgate"]
    }
}' "$1"
