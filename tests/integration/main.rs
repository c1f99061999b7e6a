//! Pilane's integration tests: one binary, a real server and a real SQLite file per test.

mod api;
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
mod lifecycle;
mod limits;
mod live;
mod metrics;
mod pages;
mod security;
mod shutdown;
