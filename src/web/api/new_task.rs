//! The body of `POST /api/tasks`, `{"n": ...}`, read and checked beside its type, so the handler
//! is parse → submit → answer.

use axum::{
    Json,
    extract::{FromRequest, Request, rejection::JsonRejection},
    http::StatusCode,
};
use serde_json::Value;

use crate::{
    domain::{DigitCount, DigitCountError},
    tasks::TaskError,
    web::{WebError, error::ApiError},
};

/// The body of a new task.
#[derive(utoipa::ToSchema)]
#[schema(example = json!({ "n": 1000 }))]
#[allow(dead_code)] // Read only by the document: requests are read as `NewTask`.
pub(super) struct NewTaskBody {
    /// How many decimals of pi: from 1 to the largest n this server takes, the maximum here.
    #[schema(minimum = 1)]
    n: u64,
}

/// `{"n": ...}`. `n` is taken as any JSON value so that each wrong kind gets its own message.
/// Only an object is one (not an array, as a derived struct would allow), and `n` given twice is
/// refused rather than silently taking the last.
#[derive(Debug)]
pub(super) struct NewTask {
    n: Option<Value>,
}

impl<'de> serde::Deserialize<'de> for NewTask {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = NewTask;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(r#"an object like {"n": 1000}"#)
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<NewTask, A::Error> {
                let mut n = None;
                while let Some(key) = map.next_key::<String>()? {
                    let value: Value = map.next_value()?;
                    if key == "n" && n.replace(value).is_some() {
                        return Err(serde::de::Error::duplicate_field("n"));
                    }
                }
                Ok(NewTask { n })
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// A body that is not JSON, or too large, is refused as the API refuses everything: with
/// `{"error": ...}` and a message that shows the expected shape.
impl<S: Send + Sync> FromRequest<S> for NewTask {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(body) = Json::<NewTask>::from_request(request, state)
            .await
            .map_err(unreadable)?;
        Ok(body)
    }
}

fn unreadable(rejection: JsonRejection) -> ApiError {
    if let JsonRejection::MissingJsonContentType(_) = rejection {
        return WebError::UnsupportedMediaType(
            "The body must be sent as JSON (Content-Type: application/json), like {\"n\": 1000}."
                .to_owned(),
        )
        .into();
    }
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return WebError::PayloadTooLarge(
            "The body is too large: send JSON like {\"n\": 1000}.".to_owned(),
        )
        .into();
    }
    WebError::Unprocessable(format!(
        "The body must be JSON like {{\"n\": 1000}}: {}",
        rejection.body_text()
    ))
    .into()
}

impl NewTask {
    /// The n asked for, checked against `max_digits`; each wrong kind of value says what it is.
    pub(super) fn count(self, max_digits: u64) -> Result<DigitCount, WebError> {
        let invalid = |error: DigitCountError| WebError::from(TaskError::InvalidCount(error));
        match self.n {
            None => Err(WebError::Unprocessable(
                "The body must have a field n, like {\"n\": 1000}.".into(),
            )),
            Some(Value::Number(number)) => match (number.as_u64(), number.as_i64()) {
                (Some(n), _) => DigitCount::new(n, max_digits).map_err(invalid),
                (None, Some(_)) => Err(invalid(DigitCountError::Negative)),
                (None, None) => match number.as_f64() {
                    Some(n) if n >= u64::MAX as f64 => {
                        Err(invalid(DigitCountError::TooLarge { max: max_digits }))
                    }
                    Some(n) if n < 0.0 => Err(invalid(DigitCountError::Negative)),
                    // JSON has one kind of number: 1000.0 is the whole number 1000, as JSON
                    // Schema's `integer` (and so the API's document) counts it.
                    Some(n) if n.fract() == 0.0 => {
                        DigitCount::new(n as u64, max_digits).map_err(invalid)
                    }
                    _ => Err(invalid(DigitCountError::NotAWholeNumber)),
                },
            },
            Some(_) => Err(WebError::Unprocessable(
                "n must be a JSON number, like {\"n\": 1000}.".into(),
            )),
        }
    }
}
