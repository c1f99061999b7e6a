//! What every parser of user input promises, for any input: no panic; whatever it accepts is
//! exactly what was written (digits 0-9 only, the value they spell); whatever it refuses gets a
//! short message (a 64 KB field is never echoed back). Shared by the fuzz target and the test
//! that replays the committed corpus.

use pilane::{
    domain::{DigitCount, Status},
    web::params::{parse_cursor, parse_number, parse_task_id},
};

/// The server's default limit on n.
const MAX_DIGITS: u64 = 100_000_000;
/// Longer than any message we write, shorter than any echoed input that was not cut.
const MESSAGE_LIMIT: usize = 300;

pub fn check(data: &[u8]) {
    // Bytes that are not UTF-8 never reach these parsers: the form, JSON and query decoders
    // refuse them first (the property tests cover that path).
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let spelled = |value: u64| value.to_string() == text.trim_start_matches('0');

    match DigitCount::parse(text, MAX_DIGITS) {
        Ok(n) => {
            assert!(text.bytes().all(|b| b.is_ascii_digit()), "{text:?}");
            assert!(
                (1..=MAX_DIGITS).contains(&n.get()) && spelled(n.get()),
                "{text:?}"
            );
        }
        Err(error) => assert!(error.to_string().len() < MESSAGE_LIMIT),
    }
    match parse_task_id(text) {
        Ok(id) => assert!(id.0 > 0 && spelled(id.0.unsigned_abs()), "{text:?}"),
        Err(error) => assert!(error.to_string().len() < MESSAGE_LIMIT),
    }
    match parse_cursor("before", Some(text)) {
        Ok(Some(id)) => assert!(id.0 > 0 && spelled(id.0.unsigned_abs()), "{text:?}"),
        Ok(None) => assert!(text.is_empty(), "{text:?}"),
        Err(error) => assert!(error.to_string().len() < MESSAGE_LIMIT),
    }
    match parse_number("count", Some(text), 7) {
        Ok(7) if text.is_empty() => {}
        Ok(n) => assert!(n > 0 && spelled(n), "{text:?}"),
        Err(error) => assert!(error.to_string().len() < MESSAGE_LIMIT),
    }
    if let Ok(status) = Status::parse(text) {
        assert_eq!(status.as_str(), text);
    }
}
