//! Live updates: one renderer turns each committed change into HTML once ([`LiveFeed`]), and
//! every open SSE stream forwards those same bytes to its browser ([`sse`]).

mod feed;
mod sse;

pub use feed::{LiveFeed, LiveMessage, Occasion, Rendered, render};
pub use sse::routes;
