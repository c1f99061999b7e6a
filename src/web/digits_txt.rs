//! `GET /tasks/{id}/digits.txt`: `3.` and the n decimals as plain text, streamed one stored chunk
//! at a time, and resumable: a single `Range` is answered 206 with that part, so a download of a
//! billion digits that broke off goes on where it stopped.
//!
//! The file of a done task never changes (it is pi), so its `ETag` names just its length, and an
//! `If-Range` with that tag lets the range through. A `Range` this server does not serve (several
//! ranges, or one it cannot read) is ignored and the whole file sent, as RFC 9110 allows; one that
//! starts past the end is a 416 that says how long the file is.

use std::ops::RangeInclusive;

use axum::{
    body::Body,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures_util::StreamExt;

use super::{AppState, WebError, params::parse_task_id};
use crate::{
    domain::{Status, Task, group_thousands},
    tasks::{Queries, READ_CHUNK, TaskError},
};

/// The two bytes before the decimals.
const PREFIX: &[u8] = b"3.";

#[utoipa::path(
    get,
    path = "/tasks/{id}/digits.txt",
    tag = "digits",
    summary = "Download a done task's digits",
    description = "`3.` and the n decimals as plain text, streamed. One `Range` of bytes is \
        answered 206 with that part, so a download that broke off goes on where it stopped; \
        byte 0 is the `3` and byte k + 1 is decimal k.",
    params(
        ("id" = i64, Path, minimum = 1, description = "The task's id.", example = 1),
        ("Range" = Option<String>, Header, example = "bytes=2-11",
            description = "One range of bytes, as RFC 9110 writes it; several, or one this file \
            cannot serve, get the whole file."),
        ("If-Range" = Option<String>, Header,
            description = "The `ETag` of an earlier answer: the range is served only if the file \
            is still that one."),
    ),
    responses(
        (status = 200, description = "The whole file.", content_type = "text/plain; charset=utf-8",
            body = String, headers(
                ("Accept-Ranges" = String, description = "`bytes`: ranges are served."),
                ("ETag" = String, description = "Names the file; send it back as `If-Range`."),
            )),
        (status = 206, description = "The range asked for.",
            content_type = "text/plain; charset=utf-8", body = String, headers(
                ("Content-Range" = String, description = "`bytes first-last/length`."),
                ("Accept-Ranges" = String, description = "`bytes`."),
            ), example = json!("1415926535")),
        (status = 404, description = "There is no task with this id.",
            content_type = "text/html; charset=utf-8", body = String),
        (status = 409, description = "The task is not done.",
            content_type = "text/html; charset=utf-8", body = String),
        (status = 416, description = "The range starts past the end of the file; \
            `Content-Range` gives its length.", content_type = "text/html; charset=utf-8",
            body = String, headers(("Content-Range" = String, description = "`bytes */length`."))),
    )
)]
pub async fn digits_txt(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let task = state.queries.task(parse_task_id(&id)?).await?;
    if task.status != Status::Done {
        return Err(TaskError::NotDone {
            id: task.id,
            status: task.status,
        }
        .into());
    }
    let n = task.n.get();
    let length = n + PREFIX.len() as u64;
    let tag = format!("\"pi-{n}\"");
    let part = match requested_range(&headers, &tag, length) {
        Requested::Whole => None,
        Requested::Part(range) => Some(range),
        Requested::PastTheEnd => {
            let mut refusal = WebError::RangeNotSatisfiable(format!(
                "digits.txt of this task is {} bytes long: `3.` and {} decimals.",
                group_thousands(length),
                group_thousands(n)
            ))
            .into_response();
            refusal.headers_mut().insert(
                header::CONTENT_RANGE,
                header_value(&format!("bytes */{length}")),
            );
            return Ok(refusal);
        }
    };
    let bytes = part.clone().unwrap_or(0..=length - 1);
    let mut response =
        Body::from_stream(file_bytes(state.queries.clone(), task, bytes.clone())).into_response();
    let answer = response.headers_mut();
    answer.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    answer.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    answer.insert(header::ETAG, header_value(&tag));
    answer.insert(
        header::CONTENT_LENGTH,
        header_value(&(bytes.end() - bytes.start() + 1).to_string()),
    );
    answer.insert(
        header::CONTENT_DISPOSITION,
        header_value(&format!("inline; filename=\"pi-{n}.txt\"")),
    );
    if part.is_some() {
        answer.insert(
            header::CONTENT_RANGE,
            header_value(&format!("bytes {}-{}/{length}", bytes.start(), bytes.end())),
        );
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    Ok(response)
}

/// What the request asks of a file of `length` bytes tagged `tag`.
#[derive(Debug, PartialEq, Eq)]
enum Requested {
    Whole,
    Part(RangeInclusive<u64>),
    PastTheEnd,
}

fn requested_range(headers: &HeaderMap, tag: &str, length: u64) -> Requested {
    let Some(range) = headers
        .get(header::RANGE)
        .and_then(|value| value.to_str().ok())
    else {
        return Requested::Whole;
    };
    // A range of some other version of the file is no range of this one.
    if let Some(validator) = headers.get(header::IF_RANGE)
        && validator.as_bytes() != tag.as_bytes()
    {
        return Requested::Whole;
    }
    let Ok(parsed) = http_range_header::parse_range_header(range) else {
        return Requested::Whole;
    };
    if parsed.ranges.len() != 1 {
        return Requested::Whole;
    }
    match parsed.validate(length) {
        Ok(ranges) => ranges
            .into_iter()
            .next()
            .map_or(Requested::Whole, Requested::Part),
        // A suffix longer than the file asks for all of it.
        Err(http_range_header::RangeUnsatisfiableError::FileSuffixOutOfBounds) => {
            Requested::Part(0..=length - 1)
        }
        Err(_) => Requested::PastTheEnd,
    }
}

/// Bytes `bytes` of `3.` and the task's decimals: byte 0 is the `3`, byte k ≥ 2 is decimal k - 1.
fn file_bytes(
    queries: Queries,
    task: Task,
    bytes: RangeInclusive<u64>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, TaskError>> {
    let (first, last) = (*bytes.start(), *bytes.end());
    let prefix_end = (PREFIX.len() as u64).min(last + 1);
    let prefix = (first < prefix_end).then(|| PREFIX[first as usize..prefix_end as usize].to_vec());
    // 1-based decimals, inclusive; none when the range ends within the prefix.
    let from = first.max(PREFIX.len() as u64) - 1;
    let to = (last >= PREFIX.len() as u64).then(|| last - 1);
    let prefix = futures_util::stream::iter(prefix.map(Ok));
    let decimals = futures_util::stream::unfold(from, move |start| {
        let queries = queries.clone();
        let task = task.clone();
        async move {
            let to = to.filter(|&to| start <= to)?;
            let count = READ_CHUNK.min(to - start + 1);
            let chunk = match queries.task_digits(&task, start, count).await {
                Ok(chunk) if chunk.len() as u64 != count => Err(TaskError::NotDone {
                    id: task.id,
                    status: task.status,
                }),
                other => other,
            };
            Some((chunk, start + count))
        }
    });
    prefix.chain(decimals)
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asking(range: &str, if_range: Option<&str>) -> Requested {
        let mut headers = HeaderMap::new();
        headers.insert(header::RANGE, header_value(range));
        if let Some(tag) = if_range {
            headers.insert(header::IF_RANGE, header_value(tag));
        }
        requested_range(&headers, "\"pi-10\"", 12)
    }

    #[test]
    fn a_single_range_is_served_as_asked_and_cut_at_the_end() {
        assert_eq!(asking("bytes=2-5", None), Requested::Part(2..=5));
        assert_eq!(asking("bytes=10-", None), Requested::Part(10..=11));
        assert_eq!(asking("bytes=-3", None), Requested::Part(9..=11));
        assert_eq!(asking("bytes=5-100", None), Requested::Part(5..=11));
        assert_eq!(asking("bytes=-50", None), Requested::Part(0..=11));
    }

    #[test]
    fn a_range_past_the_end_is_refused_and_one_not_understood_gets_the_whole_file() {
        assert_eq!(asking("bytes=12-", None), Requested::PastTheEnd);
        assert_eq!(asking("bytes=0-1,4-5", None), Requested::Whole);
        assert_eq!(asking("lines=1-2", None), Requested::Whole);
        assert_eq!(asking("bytes=x-", None), Requested::Whole);
    }

    #[test]
    fn if_range_lets_the_range_through_only_for_this_file() {
        assert_eq!(
            asking("bytes=2-5", Some("\"pi-10\"")),
            Requested::Part(2..=5)
        );
        assert_eq!(asking("bytes=2-5", Some("\"pi-11\"")), Requested::Whole);
    }
}
