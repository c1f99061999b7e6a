# Daily work on Pilane. `just` lists the recipes.

_default:
    @just --list

# Serve on http://127.0.0.1:8080 with the SQLite file pilane.db
dev:
    cargo run -- serve

# The tests plain `cargo test` runs (browser tests are skipped)
test:
    cargo test --workspace

# Every test, including those that need Chromium or Postgres, the suite again on Postgres, and schemathesis (what CI runs)
test-all:
    cargo test --workspace -- --include-ignored
    bash .ci/test-postgres
    bash .ci/fuzz-api

# schemathesis against a live server's OpenAPI document with every check, on SQLite and Postgres
# (CI runs 40 examples per operation with a fixed seed; this runs more, with a seed of its own).
# The one check told what this API answers, and why, is in .ci/schemathesis.toml.
fuzz-api examples="500" seed=`date +%s`:
    bash .ci/fuzz-api {{examples}} {{seed}}

# The integration suite with every test on its own Postgres database (needs Debian's postgresql)
test-postgres:
    bash .ci/test-postgres

fmt-check:
    cargo fmt --all --check

lint:
    cargo clippy --workspace --all-targets -- -D warnings

# Format, lint and test, as CI does (less the ignored tests)
check: fmt-check lint test

# Engine benchmarks (criterion, 10^3 to 10^7 digits) beside the same algorithm on GMP, with the ratios.
# GMP's bundled build needs m4 and takes ~15 minutes the first time.
bench:
    cargo bench --bench pi --features bench-gmp

# As `bench`, against a GMP configured for this CPU (the bundled one is a generic "fat" build)
bench-native: gmp-native
    LIBRARY_PATH="$PWD/target/gmp-native/lib" C_INCLUDE_PATH="$PWD/target/gmp-native/include" \
        cargo bench --bench pi --features bench-gmp-system

# Whole processes side by side, alternating round by round, as docs/PERFORMANCE.md measures them:
# GMP, then pilane on 1 and 2 threads: median wall times, and each over GMP's
compare n="10000000" rounds="5": gmp-native
    cargo build --release
    LIBRARY_PATH="$PWD/target/gmp-native/lib" C_INCLUDE_PATH="$PWD/target/gmp-native/include" \
        cargo build --release --features bench-gmp-system --example gmp-digits
    bash benches/compare.sh {{rounds}} \
        './target/release/examples/gmp-digits {{n}}' \
        './target/release/pilane digits {{n}} --threads 1' \
        './target/release/pilane digits {{n}} --threads 2'

# GMP 6.3.0 (gmp-mpfr-sys's bundled source) configured for this CPU, into target/gmp-native
gmp-native:
    #!/usr/bin/env bash
    set -euo pipefail
    prefix="$PWD/target/gmp-native"
    [ -e "$prefix/lib/libgmp.a" ] && exit 0
    cargo fetch
    source_dir=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/gmp-mpfr-sys-1.7.*/gmp-*-c | tail -1)
    build=$(mktemp -d)
    cd "$build" && "$source_dir/configure" --disable-shared --with-pic --prefix="$prefix"
    make -j"$(nproc)" && make install

# A 10^7 task from submit to done through the service, beside the bare `pilane digits`
bench-service rounds="3" n="10000000":
    bash benches/load/service.sh {{rounds}} {{n}}

# The search index in process: memory per decimal, build time, search latency by query length, and
# the statistics' cost against a 10^7 computation (computes 10^8 decimals once into target/bench-data)
bench-search decimals="100000000":
    cargo bench --bench search -- {{decimals}}

# Searches over HTTP at 10^8 stored decimals, and how soon the index is ready (needs wrk)
bench-search-http seconds="10":
    bash benches/load/search.sh {{seconds}}

# N live streams on one release server: the time until a new task reached every one, memory per stream
bench-sse streams="10000":
    cargo bench --bench sse -- {{streams}}

# The task table at 100,000 tasks under wrk, idle and while a 10^8 task computes: req/s and p99 of
# /, an older page and /api/tasks (needs wrk). `--against PATH` also runs another build, side by side.
bench-web *args="10":
    cargo bench --bench web -- {{args}}

# Peak memory of `pilane digits N` on 1 and 2 threads beside the scheduler's estimate (needs GNU time);
# fails if an estimate is low by more than 10%
bench-memory *sizes="1000000 3000000 10000000 30000000 100000000":
    cargo bench --bench memory -- {{sizes}}

# How soon a cancel takes effect: one run per point, each cancelled that many seconds into that
# phase (series, square-root, division, checking, conversion); fails past 100 ms
bench-cancel n="1000000000" threads="2" *points="series:120 division:20 checking:10 conversion:30":
    for point in {{points}}; do cargo bench --bench cancel -- {{n}} {{threads}} "$point"; done

# What one big multiplication holds while it runs, for factors of the given sizes in MB
bench-product-memory *megabytes="8 16 32 64 128":
    cargo bench --bench product_memory -- {{megabytes}}

# Startup to ready with 100,000 tasks (1,000 left running) in the database, on the release binary
bench-startup:
    cargo bench --bench startup

# Submissions and finished tasks per second through 1 and 2 instances on one Postgres (needs postgresql and wrk)
bench-scale-out seconds="10":
    bash benches/load/scale_out.sh {{seconds}}

# Fuzz the parsers of user input (needs nightly and `cargo install cargo-fuzz`); grows fuzz/corpus
fuzz seconds="120":
    cd fuzz && cargo +nightly fuzz run parse_inputs -- -max_total_time={{seconds}} -max_len=256

# Apply the database migrations to DATABASE_URL (default sqlite://pilane.db)
migrate:
    cargo run -- migrate

# The whole CI script, on this machine
ci:
    bash .ci/run
