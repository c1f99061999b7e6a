#!/usr/bin/env bash
# Searches over HTTP with 10^8 decimals stored: computes them through the service (one task),
# times how soon after the task is done the index covers them, reports the server's resident
# memory before the task and once the index is ready, then runs wrk against /api/search with
# varied queries, idle (nothing computing). Figures go to docs/PERFORMANCE.md.
#
#   just bench-search-http [seconds]     (needs curl, bc and wrk; builds the release binary)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
n=${N:-100000000}
cargo build --release --quiet
bin="$PWD/target/release/pilane"
work=$(mktemp -d)
port=18081
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
now() { date +%s.%N; }
rss_mb() { echo $(( $(awk '/VmRSS/ {print $2}' "/proc/$server/status") / 1024 )); }
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
DATABASE_URL="sqlite://$work/s.db" PILANE_BIND="127.0.0.1:$port" PILANE_LOG_FORMAT=json \
  PILANE_SEARCH_BURST=1000000 PILANE_SEARCH_PER_MINUTE=1000000 \
  "$bin" >"$work/server.log" 2>&1 &
server=$!
until curl -sf "localhost:$port/readyz" >/dev/null; do sleep 0.05; done
sleep 1
echo "resident before the task: $(rss_mb) MB"
curl -sf -X POST -H 'content-type: application/json' -d "{\"n\":$n}" "localhost:$port/api/tasks" >/dev/null
until curl -sf "localhost:$port/api/tasks/1" | grep -q '"status":"done"'; do sleep 0.2; done
done_at=$(now)
echo "task done; resident $(rss_mb) MB"
until curl -sf "localhost:$port/api/search?q=1" | grep -q "\"searched\":$n"; do sleep 0.05; done
echo "index ready $(echo "$(now) - $done_at" | bc) s after the task was done; resident $(rss_mb) MB"
grep '"search index ready"' "$work/server.log" | tail -1
wrk -t2 -c16 -d"${seconds}s" --latency -s benches/load/search.lua "http://127.0.0.1:$port" \
  | grep -E 'Requests/sec|Latency|50%|90%|99%|requests in|Non-2xx'
