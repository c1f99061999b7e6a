use maud::{DOCTYPE, Markup, html};

use super::{announcements, components::live_indicator};

/// The vendored scripts, with their versions in their names so a cached copy is never stale.
pub const HTMX: &str = "/public/htmx-2.0.11.min.js";
pub const HTMX_SSE: &str = "/public/htmx-ext-sse-2.2.4.min.js";
pub const STYLESHEET: &str = "/public/pilane.css";
pub const ICON: &str = "/public/favicon.svg";

/// htmx settings:
/// - no eval and no inline styles, so the strict Content-Security-Policy holds;
/// - 422 responses swapped like successes, because they carry the form with its error message;
/// - every other error shows its message in the page: error responses are whole error pages, and
///   htmx takes just what is in their `#alerts` box into this page's (the request's own target
///   is left as it was, so a failed submission keeps what was typed; a response without the box,
///   a proxy's error page say, just clears it);
/// - no settle delay, because htmx wires a swapped-in row to its SSE event only when it settles:
///   with the default 20 ms, a row added by `created` would miss the changes that follow.
const HTMX_CONFIG: &str = r##"{"defaultSettleDelay":0,"allowEval":false,"allowScriptTags":false,"includeIndicatorStyles":false,"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"422","swap":true},{"code":"[45]..","swap":true,"error":true,"target":"#alerts","select":"#alerts > *","swapOverride":"innerHTML"}]}"##;

/// What a page says about itself.
pub struct PageMeta<'a> {
    pub title: &'a str,
    /// The SSE URL this page listens to (one connection per page), or `None` for a static page.
    pub live_url: Option<String>,
    /// A message for the person, shown at the top (an error page's explanation).
    pub alert: Option<&'a str>,
}

/// A whole page: head, header with the live indicator, and `body`, all inside the one element
/// that holds the page's SSE connection, so every `sse-swap` below it shares it.
pub fn page(meta: &PageMeta<'_>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (meta.title) " · Pilane" }
                meta name="htmx-config" content=(HTMX_CONFIG);
                link rel="stylesheet" href=(STYLESHEET);
                link rel="icon" href=(ICON) type="image/svg+xml";
                script src=(HTMX) {}
                script src=(HTMX_SSE) {}
            }
            body hx-ext="sse" sse-connect=[meta.live_url.as_deref()] {
                header.site {
                    a.brand href="/" { "π Pilane" }
                    span.tagline { "the digits of pi, on demand" }
                    // Only a page with a live connection says whether it is up.
                    @if meta.live_url.is_some() { (live_indicator(false)) }
                }
                main {
                    // Where htmx puts the message of a failed request (see HTMX_CONFIG).
                    div #alerts aria-live="assertive" {
                        @if let Some(alert) = meta.alert {
                            p.error role="alert" { (alert) }
                        }
                    }
                    (body)
                    @if meta.live_url.is_some() { (announcements::region()) }
                }
            }
        }
    }
}
