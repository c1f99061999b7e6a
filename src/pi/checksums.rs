//! Published SHA-256 checksums of the digits of pi, to check a result against independent
//! computations.

use std::fmt;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// The table: digits, SHA-256 of `"3."` and that many decimals, and the last 20 of them (for
/// people), tab-separated after one header line.
const TABLE: &str = include_str!("known_checksums.tsv");

/// The SHA-256 checksum of the text `"3."` followed by the first `digits` decimals of pi (no
/// newline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownChecksum {
    pub digits: u64,
    pub sha256: [u8; 32],
}

/// The known checksums, sorted by `digits`.
pub fn known_checksums() -> &'static [KnownChecksum] {
    static TABLE_PARSED: OnceLock<Vec<KnownChecksum>> = OnceLock::new();
    TABLE_PARSED.get_or_init(|| parse(TABLE))
}

/// Some decimals that disagree with a known checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecksumMismatch {
    /// The length of the first checked prefix that disagrees.
    pub digits: u64,
}

impl fmt::Display for ChecksumMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the first {} digits do not match the known checksum",
            self.digits
        )
    }
}

impl std::error::Error for ChecksumMismatch {}

/// Checks every known checksum that `decimals` (the first `decimals.len()` decimals after the
/// point, as ASCII) reaches, and returns the length of the longest prefix checked (0 when the
/// table reaches none), or reports the shortest prefix that disagrees.
///
/// One pass: the hash of each checked prefix is finished on a copy of the running hasher.
///
/// # Worst-case complexity
/// $T(n) = O(n)$
///
/// $M(n) = O(1)$
///
/// where $T$ is time, $M$ is additional memory and $n$ is `decimals.len()`.
///
/// # Errors
/// [`ChecksumMismatch`] naming the first prefix whose checksum differs.
pub fn verify_known_checksums(decimals: &[u8]) -> Result<u64, ChecksumMismatch> {
    let mut hasher = Sha256::new();
    hasher.update(b"3.");
    let mut hashed = 0;
    for known in known_checksums() {
        let Some(end) = usize::try_from(known.digits)
            .ok()
            .filter(|&end| end <= decimals.len())
        else {
            break;
        };
        hasher.update(&decimals[hashed..end]);
        hashed = end;
        if hasher.clone().finalize()[..] != known.sha256[..] {
            return Err(ChecksumMismatch {
                digits: known.digits,
            });
        }
    }
    Ok(hashed as u64)
}

/// Parses the embedded table; it is part of the source, so a malformed line is a bug here.
fn parse(table: &str) -> Vec<KnownChecksum> {
    let mut parsed: Vec<_> = table
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let mut fields = line.split('\t');
            let digits = fields
                .next()
                .and_then(|field| field.parse().ok())
                .expect("the checksum table's first column is a digit count");
            let sha256 = fields
                .next()
                .and_then(parse_hex)
                .expect("the checksum table's second column is a SHA-256 in hex");
            KnownChecksum { digits, sha256 }
        })
        .collect();
    parsed.sort_by_key(|known| known.digits);
    parsed
}

fn parse_hex(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.as_bytes();
    if hex.len() != 64 {
        return None;
    }
    let mut bytes = [0; 32];
    for (byte, pair) in bytes.iter_mut().zip(hex.chunks_exact(2)) {
        let high = char::from(pair[0]).to_digit(16)?;
        let low = char::from(pair[1]).to_digit(16)?;
        *byte = u8::try_from(high * 16 + low).ok()?;
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pi::fixture;

    #[test]
    fn the_embedded_table_parses_in_order() {
        let table = known_checksums();
        assert_eq!(table.len(), TABLE.lines().count() - 1);
        assert!(table.windows(2).all(|pair| pair[0].digits < pair[1].digits));
        assert_eq!(table[0].digits, 1);
        assert_eq!(table[0].sha256[..2], [0x35, 0xef]);
    }

    #[test]
    fn the_embedded_table_matches_the_fixture_table() {
        let fixture = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/pi/checksums.tsv"
        ))
        .expect("the checksum fixture is readable");
        assert_eq!(parse(&fixture), known_checksums());
    }

    #[test]
    fn the_trusted_million_digits_pass_every_checksum_they_reach() {
        assert_eq!(
            verify_known_checksums(fixture::trusted_decimals()),
            Ok(1_000_000)
        );
    }

    #[test]
    fn one_changed_digit_is_caught_at_the_first_checksum_past_it() {
        let mut decimals = fixture::trusted_decimals().to_vec();
        decimals[54_321] = if decimals[54_321] == b'0' { b'1' } else { b'0' };
        assert_eq!(
            verify_known_checksums(&decimals),
            Err(ChecksumMismatch { digits: 100_000 })
        );
        assert_eq!(
            ChecksumMismatch { digits: 100_000 }.to_string(),
            "the first 100000 digits do not match the known checksum"
        );
    }

    #[test]
    fn a_changed_last_digit_is_caught() {
        let mut decimals = fixture::trusted_decimals().to_vec();
        let last = decimals.len() - 1;
        decimals[last] = if decimals[last] == b'0' { b'1' } else { b'0' };
        assert_eq!(
            verify_known_checksums(&decimals),
            Err(ChecksumMismatch { digits: 1_000_000 })
        );
    }

    #[test]
    fn prefixes_shorter_than_every_checksum_pass() {
        assert_eq!(verify_known_checksums(b""), Ok(0));
    }

    #[test]
    fn malformed_hex_is_refused() {
        assert_eq!(parse_hex("xy"), None);
        assert_eq!(parse_hex(&"g".repeat(64)), None);
    }
}
