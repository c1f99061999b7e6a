# Daily work on Pilane. `just` lists the recipes.

_default:
    @just --list

# Serve on http://127.0.0.1:8080 with the SQLite file pilane.db
dev:
    cargo run -- serve

# The tests plain `cargo test` runs (browser tests are skipped)
test:
    cargo test --workspace

# Every test, including those that need Chromium (what CI runs)
test-all:
    cargo test --workspace -- --include-ignored

fmt-check:
    cargo fmt --all --check

lint:
    cargo clippy --workspace --all-targets -- -D warnings

# Format, lint and test, as CI does (less the ignored tests)
check: fmt-check lint test

# Engine benchmarks (criterion)
bench:
    cargo bench --bench pi

# Apply the database migrations to DATABASE_URL (default sqlite://pilane.db)
migrate:
    cargo run -- migrate

# The whole CI script, on this machine
ci:
    bash .ci/run
