#!/usr/bin/env bash
# Prints bench/compare.sh's table from its JSON lines: per setting and system the median throughput,
# its spread over the repeats, the median p99 and the ratios to direct memcached and to HAProxy TLS.
# usage: report.sh RESULTS.jsonl "system ..." "setting ..."
set -euo pipefail

results=$1
read -r -a systems <<<"${2:-memcached memcached-tls stunnel haproxy hitch kvgate-plain kvgate-tls kvgate-embedded-tls}"
read -r -a settings <<<"${3:-p1-100B p16-100B p1-16KiB}"

for setting in "${settings[@]}"; do
    jq -r -s --arg setting "$setting" --arg systems "${systems[*]}" '
        def median: sort | if length == 0 then null
            elif length % 2 == 1 then .[length / 2 | floor]
            else (.[length / 2 - 1] + .[length / 2]) / 2 end;
        def fixed2: (. * 100 | round) as $x
            | "\($x / 100 | floor).\($x % 100 | tostring | if length < 2 then "0" + . else . end)";
        def ratio($a; $b): if $a == null or $b == null or $b == 0 then "-" else ($a / $b | fixed2) end;
        [.[] | select(.setting == $setting)] as $runs
        | if ($runs | length) == 0 then empty else
          ($runs[0]) as $first
          | ($systems | split(" ")) as $order
          | [ $order[] as $s | [$runs[] | select(.system == $s)] | select(length > 0)
              | { system: $s, runs: length,
                  tput: (map(.throughput) | median), min: (map(.throughput) | min), max: (map(.throughput) | max),
                  p99: (map(.p99Us) | median), errors: (map(.errors) | add), misses: (map(.misses) | add) } ] as $rows
          | ($rows | map(select(.system == "memcached")) | .[0].tput) as $direct
          | ($rows | map(select(.system == "haproxy")) | .[0].tput) as $haproxy
          | "## \($setting): \($first.connections) connections x pipeline \($first.pipeline), \($first.valueSize) B values, \($first.getRatio * 100 | round)% gets, \($rows[0].runs) run(s) of \($first.durationSeconds)s",
            ([ "system", "ops/s (median)", "spread (min-max)", "p99 us", "vs memcached", "vs haproxy", "errors" ] | @tsv),
            ($rows[] | [ .system, (.tput | floor | tostring), "\(.min | floor)-\(.max | floor)", (.p99 | round | tostring),
                          ratio(.tput; $direct), ratio(.tput; $haproxy), (.errors | tostring) ] | @tsv)
          end' "$results" |
        awk -F'\t' '/^## / { print ""; print; next }
                    { printf "%-20s %14s %22s %9s %13s %11s %7s\n", $1, $2, $3, $4, $5, $6, $7 }'
done
