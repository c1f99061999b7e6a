//! `gmp-digits N`: prints `3.` and the first N decimals of pi, as `pilane digits N` does, computed
//! by the same algorithm on GMP instead of malachite. A benchmark reference only: built with the
//! `bench-gmp` feature (see Cargo.toml).

use std::io::Write;
use std::process::ExitCode;

#[path = "gmp_reference.rs"]
mod gmp_reference;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let n = match (args.next().map(|arg| arg.parse::<u64>()), args.next()) {
        (Some(Ok(n)), None) => n,
        _ => {
            eprintln!("usage: gmp-digits N");
            return ExitCode::from(2);
        }
    };
    let decimals = gmp_reference::decimals(n);
    let mut out = std::io::stdout().lock();
    let written = out
        .write_all(b"3.")
        .and_then(|()| out.write_all(&decimals))
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gmp-digits: {error}");
            ExitCode::FAILURE
        }
    }
}
