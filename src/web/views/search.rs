//! Searching the digits: the box (on the home page, and on a done task's page for its n
//! decimals) and what a search found. The box is a plain GET form; htmx asks for the results as
//! the person types and swaps them in below it.

use maud::{Markup, html};

use super::{components::percent, digits::marked_url};
use crate::{
    domain::{Task, group_thousands},
    search::{chance_of_occurring, decimals_for_chance},
    tasks::{Hit, SearchResult},
};

/// The search box, with `results` below it. `task` restricts it to that task's decimals.
pub fn search_form(task: Option<&Task>, typed: &str, results: &SearchView<'_>) -> Markup {
    html! {
        form.search method="get" action="/search" role="search" {
            label for="q" {
                @if let Some(task) = task { "Search these " (group_thousands(task.n.get())) " decimals" }
                @else { "Search the digits of π" }
            }
            div.field {
                input #q name="q" type="search" inputmode="numeric" autocomplete="off"
                    placeholder="a date, like 14/03/1592" value=(typed)
                    hx-get="/search" hx-trigger="input changed delay:300ms, search"
                    hx-target="#search-results" hx-swap="outerHTML" hx-include="closest form"
                    hx-sync="this:replace";
                @if let Some(task) = task { input type="hidden" name="task" value=(task.id); }
                button type="submit" { "Search" }
            }
            (search_results(results))
        }
    }
}

/// What the results box says.
pub enum SearchView<'a> {
    /// Nothing typed yet.
    Hint,
    /// The query was refused: why.
    Invalid(&'a str),
    /// The index is not ready for this search yet.
    Unavailable(&'a str),
    Found {
        result: &'a SearchResult,
        /// The task whose viewer shows the hits (the searched task, or the largest done one).
        viewer: Option<&'a Task>,
    },
}

pub fn search_results(view: &SearchView<'_>) -> Markup {
    html! {
        section #search-results aria-live="polite" {
            @match view {
                SearchView::Hint => p.help { "Type digits: a birthday, a phone number. Spaces, dashes, dots and slashes are ignored." }
                SearchView::Invalid(message) => p.error role="alert" { (message) }
                SearchView::Unavailable(message) => p.pending { (message) }
                SearchView::Found { result, viewer } => (found(result, *viewer))
            }
        }
    }
}

fn found(result: &SearchResult, viewer: Option<&Task>) -> Markup {
    let query = result.query.as_str();
    let length = result.query.len();
    let chance = chance_of_occurring(length, result.searched);
    html! {
        @if result.searched == 0 {
            p.found { "No digits are computed yet: ask for some above, and search them here." }
        } @else if result.count == 0 {
            p.found {
                strong { (query) } " does not occur in the first " (group_thousands(result.searched)) " decimals."
            }
            p.odds {
                "In that many random digits, a given string of " (length) " digits occurs with a chance of "
                (percent(chance)) ". Searching " (group_thousands(decimals_for_chance(length, 0.5)))
                " digits would give even odds, and " (group_thousands(decimals_for_chance(length, 0.95)))
                " a chance of 95%."
            }
        } @else {
            p.found {
                strong { (query) } " occurs " (group_thousands(result.count))
                @if result.count == 1 { " time" } @else { " times" }
                " in the first " (group_thousands(result.searched)) " decimals"
                @if let Some(first) = result.hits.first() { ", first at decimal " (group_thousands(first.position)) }
                "."
            }
            p.odds {
                "A given string of " (length) " digits occurs in " (group_thousands(result.searched))
                " random digits with a chance of " (percent(chance)) "."
            }
            ol.hits {
                @for hit in &result.hits { li { (hit_line(hit, length as u64, viewer)) } }
            }
            @if result.count > result.hits.len() as u64 {
                p.help { "The first " (result.hits.len()) " of " (group_thousands(result.count)) " are shown." }
            }
        }
        @if let Some((decimals, percent)) = result.building {
            p.pending { "An index of " (group_thousands(decimals)) " decimals is being built (" (percent) "%); these results cover the decimals indexed so far." }
        }
    }
}

/// One hit: its position, linked to the viewer page that holds it, and its context.
fn hit_line(hit: &Hit, length: u64, viewer: Option<&Task>) -> Markup {
    html! {
        @let position = html! { "decimal " (group_thousands(hit.position)) };
        @if let Some(task) = viewer.filter(|task| hit.position + length - 1 <= task.n.get()) {
            a.position href=(marked_url(task, hit.position, length)) { (position) }
        } @else {
            span.position { (position) }
        }
        " "
        code.context { "…" (hit.before) mark.match { (hit.matched) } (hit.after) "…" }
    }
}
