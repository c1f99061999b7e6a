//! `GET /v1/pi?start=S&numberOfDigits=K`: pi.delivery's API in its shape, so a client written
//! for that service can point at Pilane. Its digits count from the leading `3` at 0, with no
//! decimal point (`start=0&numberOfDigits=10` is `3141592653`), at most 1,000 per request as
//! there, and it answers `{"content": "..."}` from the verified store. What it refuses is a 400
//! with `{"error": ...}`; digits the store does not hold yet are a 416, as on `/api/pi`.

use axum::{
    Json,
    extract::{Query, State, rejection::QueryRejection},
};

use super::{ErrorJson, bad_query};
use crate::web::{
    AppState, WebError,
    error::ApiError,
    params::{quoted, whole_number},
};

/// pi.delivery's own limit per request.
const MAX_DIGITS: u64 = 1_000;

#[derive(Debug, serde::Deserialize)]
pub(super) struct Params {
    start: Option<String>,
    #[serde(rename = "numberOfDigits")]
    number_of_digits: Option<String>,
    radix: Option<String>,
}

/// pi.delivery's answer.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({ "content": "3141592653" }))]
pub(super) struct Content {
    /// The digits, from the leading `3` at 0 on, without the decimal point.
    #[schema(pattern = "^[0-9]+$")]
    content: String,
}

#[utoipa::path(
    get,
    path = "/v1/pi",
    tag = "pi.delivery",
    summary = "Digits of pi, as pi.delivery serves them",
    description = "Digit 0 is the leading `3`, digit k the k-th decimal; no decimal point. Open \
        to pages of any site (`Access-Control-Allow-Origin: *`).",
    params(
        ("start" = Option<u64>, Query, minimum = 0, example = 0,
            description = "The first digit: 0 is the leading `3`. 0 when absent."),
        ("numberOfDigits" = u64, Query, minimum = 1, maximum = 1000, example = 10,
            description = "How many digits, at most 1,000."),
        ("radix" = Option<u32>, Query, minimum = 10, maximum = 10,
            description = "10: only decimal digits are served."),
    ),
    responses(
        (status = 200, description = "The digits.", body = Content,
            headers(("Access-Control-Allow-Origin" = String, description = "`*`."))),
        (status = 400, description = "`start`, `numberOfDigits` or `radix` is not one this \
            route takes.", body = ErrorJson),
        (status = 416, description = "The store does not hold all of these digits yet.",
            body = ErrorJson),
    )
)]
pub(super) async fn pi(
    State(state): State<AppState>,
    params: Result<Query<Params>, QueryRejection>,
) -> Result<Json<Content>, ApiError> {
    let Query(params) = params.map_err(bad_query)?;
    if let Some(radix) = params
        .radix
        .as_deref()
        .filter(|radix| !radix.is_empty() && *radix != "10")
    {
        return Err(refused(format!(
            "radix must be 10: only decimal digits are served here, not radix {}.",
            quoted(radix)
        )));
    }
    let start = match params.start.as_deref() {
        None | Some("") => 0,
        Some(raw) => whole_number(raw).ok_or_else(|| {
            refused(format!(
                "start must be a whole number from 0 (the leading 3) on, not {}.",
                quoted(raw)
            ))
        })?,
    };
    let count = params
        .number_of_digits
        .as_deref()
        .and_then(whole_number)
        .filter(|count| (1..=MAX_DIGITS).contains(count))
        .ok_or_else(|| {
            refused(format!(
                "numberOfDigits must be a whole number from 1 to {MAX_DIGITS}, like numberOfDigits=100."
            ))
        })?;
    // Digit k ≥ 1 is decimal k; the last one asked for must be stored.
    let last = start.saturating_add(count - 1);
    let stored = state.queries.stored_len().await?;
    if last > stored {
        return Err(WebError::RangeNotSatisfiable(format!(
            "The store holds digits 0 to {stored}; digit {last} is not there yet. Submit a task for n = {last} first."
        ))
        .into());
    }
    let mut content = String::with_capacity(count as usize);
    let first_decimal = if start == 0 {
        content.push('3');
        1
    } else {
        start
    };
    let decimals = last + 1 - first_decimal;
    if decimals > 0 {
        let digits = state.queries.read_digits(first_decimal, decimals).await?;
        let digits = String::from_utf8(digits).map_err(|_| {
            WebError::Internal("the digit store holds bytes that are not digits".into())
        })?;
        content.push_str(&digits);
    }
    Ok(Json(Content { content }))
}

fn refused(message: String) -> ApiError {
    WebError::BadRequest(message).into()
}
