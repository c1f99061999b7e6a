#!/usr/bin/env bash
# Several instances on one Postgres, measured: submissions per second and tasks finished per
# second through 1 and then 2 instances, and what each task costs Postgres (commits, NOTIFYs).
#
#   just bench-scale-out [seconds]      (needs Debian's postgresql and wrk; run as root or a user
#                                        who may run initdb)
#
# Every task asks for n <= 10^6 after one task has stored 10^6 digits, so each completes from the
# digit store: what is measured is the path through the database, not the engine.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d)
trap 'pkill -f "pilane-bench-instance" || true; as_pg "$bin/pg_ctl" -D "$work/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$work"
chmod 700 "$work"
port=55432
as_pg "$bin/initdb" -D "$work/data" -A trust -U postgres --no-locale -E UTF8 >/dev/null
as_pg "$bin/pg_ctl" -D "$work/data" -l "$work/postgres.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $work -c max_connections=200" start >/dev/null
psql() { command psql -h 127.0.0.1 -p $port -U postgres -Atq "$@"; }

cargo build --release --quiet
pilane=target/release/pilane

start() { # start <database> <port>
    DATABASE_URL="postgres://postgres@127.0.0.1:$port/$1" RUST_LOG=warn \
        bash -c "exec -a pilane-bench-instance $pilane serve --bind 127.0.0.1:$2 --workers 2 \
            --submit-burst 1000000000 --submit-per-minute 1000000000 --max-queue 1000000" &
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && return; sleep 0.1; done
    echo "instance on port $2 did not start" >&2; exit 1
}

measure() { # measure <database> <ports...>
    local db=$1; shift
    psql -c "CREATE DATABASE $db"
    for p in "$@"; do start "$db" "$p"; done
    # One task stores 10^6 digits; every later task reads its digit from the store.
    curl -sf -X POST -H 'content-type: application/json' -d '{"n": 1000000}' "http://127.0.0.1:$1/api/tasks" >/dev/null
    until [ "$(psql -d "$db" -c "select count(*) from tasks where status='done'")" = 1 ]; do sleep 0.2; done
    local commits0 done0
    commits0=$(psql -d "$db" -c "select xact_commit from pg_stat_database where datname='$db'")
    done0=$(psql -d "$db" -c "select count(*) from tasks where status='done'")
    local pids=()
    for p in "$@"; do
        wrk -t1 -c8 -d"${seconds}s" -s benches/load/submit.lua "http://127.0.0.1:$p" > "$work/wrk-$p.txt" &
        pids+=($!)
    done
    wait "${pids[@]}"
    local submitted=0
    for p in "$@"; do
        submitted=$(echo "$submitted + $(awk '/Requests\/sec/ {print $2}' "$work/wrk-$p.txt")" | bc)
    done
    # Let the queue drain, then count.
    local started=$SECONDS
    until [ "$(psql -d "$db" -c "select count(*) from tasks where status in ('queued','running')")" = 0 ]; do
        sleep 0.2
    done
    local drained=$((SECONDS - started))
    local done1 commits1 tasks
    done1=$(psql -d "$db" -c "select count(*) from tasks where status='done'")
    commits1=$(psql -d "$db" -c "select xact_commit from pg_stat_database where datname='$db'")
    tasks=$((done1 - done0))
    printf '%d instance(s): %s submissions/s (wrk, %s s, 8 connections each); %d new tasks, all done %d s after the load stopped; %.1f tasks finished/s overall; %.1f Postgres commits per new task\n' \
        "$#" "$submitted" "$seconds" "$tasks" "$drained" \
        "$(echo "$tasks / ($seconds + $drained)" | bc -l)" \
        "$(echo "($commits1 - $commits0) / $tasks" | bc -l)"
    grep -h "Latency" "$work"/wrk-*.txt | sed 's/^/    submit latency (avg, stdev, max): /'
    pkill -f "pilane-bench-instance" || true
    sleep 1
}

measure one 18081
measure two 18081 18082
