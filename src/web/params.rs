//! Turning path and query strings into typed values, with a message that says what was wrong.

use super::WebError;
use crate::domain::TaskId;

/// A whole number written with the digits 0-9 only: no sign, spaces or separators (Rust's own
/// `parse` takes a leading `+`), and at most `i64::MAX`, the largest integer the API's document
/// promises to read (its integers are `int64`) and the database stores.
pub fn whole_number(raw: &str) -> Option<u64> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse::<u64>()
        .ok()
        .filter(|n| i64::try_from(*n).is_ok())
}

fn positive_whole(raw: &str) -> Option<u64> {
    whole_number(raw).filter(|n| *n > 0)
}

fn task_id(raw: &str) -> Option<TaskId> {
    positive_whole(raw)
        .and_then(|id| i64::try_from(id).ok())
        .map(TaskId)
}

/// A task id from a URL path. Anything that is not a positive whole number names no task.
pub fn parse_task_id(raw: &str) -> Result<TaskId, WebError> {
    task_id(raw).ok_or_else(|| WebError::NotFound(format!("There is no task {}.", quoted(raw))))
}

/// Whether none of these query parameters was given (an empty one counts as not given, as the
/// parsers here read it).
pub fn none_given(params: &[&Option<String>]) -> bool {
    params
        .iter()
        .all(|param| param.as_deref().is_none_or(str::is_empty))
}

/// An optional task id from a query parameter such as `before`.
pub fn parse_cursor(name: &str, raw: Option<&str>) -> Result<Option<TaskId>, WebError> {
    raw.filter(|value| !value.is_empty())
        .map(|value| {
            task_id(value).ok_or_else(|| {
                WebError::BadRequest(format!(
                    "{name} must be a task id (a positive whole number), not {}.",
                    quoted(value)
                ))
            })
        })
        .transpose()
}

/// A positive whole number from a query parameter, or `default` when it is absent.
pub fn parse_number(name: &str, raw: Option<&str>, default: u64) -> Result<u64, WebError> {
    match raw.filter(|value| !value.is_empty()) {
        None => Ok(default),
        Some(value) => positive_whole(value).ok_or_else(|| {
            WebError::Unprocessable(format!(
                "{name} must be a positive whole number, not {}.",
                quoted(value)
            ))
        }),
    }
}

/// Echoed input, quoted with its control characters escaped, and cut short: a message should
/// not repeat a 64 KB field back (nor 40 control characters as 240 escapes; the fuzzer found that).
pub fn quoted(value: &str) -> String {
    const LIMIT: usize = 40;
    let mut out = String::with_capacity(LIMIT + 8);
    out.push('"');
    for escaped in value.chars().flat_map(char::escape_debug) {
        if out.len() >= LIMIT {
            out.push('…');
            break;
        }
        out.push(escaped);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_positive_whole_numbers_name_tasks() {
        assert_eq!(parse_task_id("42").ok(), Some(TaskId(42)));
        for bad in [
            "0",
            "-1",
            "+5",
            " 5",
            "abc",
            "1.5",
            "",
            "99999999999999999999",
        ] {
            assert!(parse_task_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn long_input_is_not_echoed_in_full() {
        for long in ["x".repeat(10_000), "\u{14}".repeat(90)] {
            let message = parse_cursor("before", Some(&long))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(message.len() < 200, "{message}");
        }
    }
}
