//! The trusted digits that the tests compare against, read once per test binary.

use std::sync::OnceLock;

const PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/pi/pi-1000000.txt"
);

/// The first 10^6 decimals of pi after the point, as ASCII.
pub(crate) fn trusted_decimals() -> &'static [u8] {
    static DECIMALS: OnceLock<Vec<u8>> = OnceLock::new();
    DECIMALS.get_or_init(|| {
        let text = std::fs::read(PATH).expect("the trusted digits fixture is readable");
        let decimals = text
            .strip_prefix(b"3.")
            .expect("the fixture starts with \"3.\"")
            .trim_ascii_end()
            .to_vec();
        assert_eq!(decimals.len(), 1_000_000, "the fixture has 10^6 decimals");
        assert!(decimals.iter().all(u8::is_ascii_digit));
        decimals
    })
}

/// $\lfloor \pi \cdot 10^{10^6} \rfloor$: the trusted decimals as one integer, to read pi's bits
/// from.
pub(crate) fn trusted_scaled() -> malachite::Natural {
    let mut text = b"3".to_vec();
    text.extend_from_slice(trusted_decimals());
    std::str::from_utf8(&text)
        .ok()
        .and_then(|text| text.parse().ok())
        .expect("the trusted decimals are digits")
}
