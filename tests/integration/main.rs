//! Pilane's integration tests: one binary, a real server and a database of its own per test
//! (SQLite by default; Postgres with `PILANE_TEST_DATABASE=postgres`, see `helpers`).

mod api;
mod api_contract;
mod binary;
mod browser;
mod cli;
mod crash;
mod disk_full;
mod estimates;
mod form;
mod fuzz_corpus;
mod helpers;
mod input;
mod leases;
mod ledger;
mod lifecycle;
mod limits;
mod live;
mod memory;
mod metrics;
mod pages;
mod pg_server;
mod pi_delivery;
mod scale_out;
mod search;
mod security;
mod shutdown;
mod verification;
