#!/usr/bin/env bash
# Whole processes side by side: runs each command once per round, in turn, and prints the median
# wall time of each. Alternating round by round, rather than hyperfine's runs of one command in a
# row, spreads this shared machine's slow minutes over every command alike, so ratios between
# the medians hold even when the machine's speed drifts.
#
# Usage: benches/compare.sh ROUNDS COMMAND... (each command one quoted string; output discarded)
# Each line ends with the command's median over the first command's: list the reference first.
set -euo pipefail

rounds=$1
shift
declare -a times
for ((round = 1; round <= rounds; round++)); do
    index=0
    for command in "$@"; do
        start=$(date +%s.%N)
        # shellcheck disable=SC2086 # each command is split into its words on purpose
        $command >/dev/null
        end=$(date +%s.%N)
        times[index]="${times[index]:-} $(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }')"
        index=$((index + 1))
    done
done
# The times of command number $1, one a line, fastest first.
sorted_times() { echo "${times[$1]}" | tr ' ' '\n' | grep . | sort -n; }
median() { sorted_times "$1" | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'; }
reference=$(median 0)
index=0
for command in "$@"; do
    runs=$(sorted_times "$index" | awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 }')
    awk -v name="$command" -v m="$(median "$index")" -v runs="$runs" -v reference="$reference" \
        'BEGIN { printf "%-60s median %7.2f s  (%s)  %.2f of the first\n", name, m, runs, m / reference }'
    index=$((index + 1))
done
