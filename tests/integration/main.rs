//! Pilane's integration tests: one binary, a real server and a real SQLite file per test.

mod api;
mod binary;
mod browser;
mod cli;
mod estimates;
mod form;
mod helpers;
mod lifecycle;
mod live;
mod pages;
mod shutdown;
