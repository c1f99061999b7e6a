//! What every response says about itself, and which requests are refused on principle.
//!
//! - A strict Content-Security-Policy on every response: scripts, styles and connections only
//!   from this origin, no inline anything (htmx is configured for it in the layout), no framing.
//!   The browser test fails on any violation Chromium logs.
//! - `nosniff`, `Referrer-Policy: no-referrer`, and no `Server` banner (none is ever set).
//! - Cross-site form posts are refused ([`refuse_cross_site`]), the check Go's
//!   `CrossOriginProtection` and Rails make: browsers say where a request comes from in
//!   `Sec-Fetch-Site` (or, older ones, `Origin`); clients that send neither (curl, scripts) are
//!   not browsers a page could trick, and pass.

use axum::{
    extract::Request,
    http::{HeaderName, HeaderValue, Method, header},
    middleware::Next,
    response::Response,
};
use tower_http::set_header::SetResponseHeaderLayer;

use super::WebError;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The headers set on every response (unless a handler set its own).
pub fn headers() -> [SetResponseHeaderLayer<HeaderValue>; 3] {
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    [
        set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        set(header::REFERRER_POLICY, "no-referrer"),
    ]
}

/// Refuses a state-changing request that a browser says came from another site.
pub async fn refuse_cross_site(request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) || is_same_site(&request)
    {
        return next.run(request).await;
    }
    tracing::info!(
        path = %request.uri().path(),
        sec_fetch_site = ?request.headers().get("sec-fetch-site"),
        origin = ?request.headers().get(header::ORIGIN),
        "cross-site request refused"
    );
    let message = if super::api::answers_in_json(request.uri().path()) {
        "This request came from a page of another site. Pilane's API accepts it from scripts and from its own pages."
    } else {
        "This form was sent from another site. Pilane only accepts forms from its own pages."
    };
    super::refusal(request.uri(), WebError::Forbidden(message.to_owned()))
}

fn is_same_site(request: &Request) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        // `none`: the person typed the URL or used a bookmark. `same-site`: a sibling subdomain,
        // which the issue asks to keep working.
        return matches!(site.as_bytes(), b"same-origin" | b"same-site" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    // No Sec-Fetch-Site (an older browser): the Origin's host must be the one asked for.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|origin| origin.split_once("://"))
        .map(|(_, host)| host);
    matches!((origin_host, host), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
}

#[cfg(test)]
mod tests {
    use axum::body::Body;

    use super::*;

    fn post(headers: &[(&str, &str)]) -> Request {
        let mut request = Request::builder().method(Method::POST).uri("/tasks");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(Body::empty()).unwrap_or_default()
    }

    #[test]
    fn browsers_on_our_pages_and_plain_clients_may_post() {
        assert!(is_same_site(&post(&[("sec-fetch-site", "same-origin")])));
        assert!(is_same_site(&post(&[("sec-fetch-site", "none")])));
        assert!(is_same_site(&post(&[])));
        assert!(is_same_site(&post(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080")
        ])));
    }

    #[test]
    fn another_site_may_not_post() {
        assert!(!is_same_site(&post(&[("sec-fetch-site", "cross-site")])));
        assert!(!is_same_site(&post(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(!is_same_site(&post(&[
            ("origin", "null"),
            ("host", "127.0.0.1:8080")
        ])));
    }
}
