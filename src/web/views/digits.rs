use std::ops::Range;

use maud::{Markup, html};

use super::{
    charts::digit_statistics,
    search::{SearchView, search_form},
};
use crate::domain::{Task, group_thousands};

/// Decimals per page, per line, per block: a page is 100 lines of 10 blocks of 10.
pub const PAGE_DIGITS: u64 = 10_000;
const LINE_DIGITS: usize = 100;
const BLOCK_DIGITS: usize = 10;

/// One page of a done task's digits.
pub struct DigitsPage<'a> {
    pub task: &'a Task,
    /// 1-based page number.
    pub page: u64,
    /// The decimals on this page, starting at decimal `(page - 1) * PAGE_DIGITS + 1`.
    pub decimals: &'a [u8],
    /// Decimals to mark as a search hit or a jump target (1-based, end exclusive); the first
    /// marked one is the page's `#match`, which the browser scrolls to.
    pub marked: Option<Range<u64>>,
}

/// The page of `PAGE_DIGITS` that holds decimal `position`.
pub fn page_of(position: u64) -> u64 {
    position.saturating_sub(1) / PAGE_DIGITS + 1
}

/// The viewer's address that shows decimals `position .. position + length` marked.
pub fn marked_url(task: &Task, position: u64, length: u64) -> String {
    format!("/tasks/{}?at={position}&len={length}#match", task.id)
}

pub fn page_count(n: u64) -> u64 {
    n.div_ceil(PAGE_DIGITS).max(1)
}

pub fn digits_section(view: &DigitsPage<'_>) -> Markup {
    let task = view.task;
    let n = task.n.get();
    let pages = page_count(n);
    let first = (view.page - 1) * PAGE_DIGITS + 1;
    html! {
        section #digits {
            header.digits-head {
                h2 { "π to " (group_thousands(n)) " decimal places" }
                a.download href={ "/tasks/" (task.id) "/digits.txt" } download { "Download digits.txt" }
            }
            (search_form(Some(task), "", &SearchView::Hint))
            @if let Some(counts) = &task.digit_counts {
                (digit_statistics(counts))
            }
            (jump_form(task, view.marked.as_ref().map(|marked| marked.start)))
            (pager(task, view.page, pages))
            div.digits {
                @if view.page == 1 { div.line { span.pos {} code { "3." } } }
                @for (line_index, line) in view.decimals.chunks(LINE_DIGITS).enumerate() {
                    @let line_first = first + (line_index * LINE_DIGITS) as u64;
                    @let marks = Marks { nth: n, marked: view.marked.clone().unwrap_or(0..0) };
                    div.line {
                        span.pos { (group_thousands(line_first)) }
                        code { (digit_line(line, line_first, &marks)) }
                    }
                }
            }
            (pager(task, view.page, pages))
        }
    }
}

/// What a line of digits marks: the n-th decimal, and a range found or jumped to.
struct Marks {
    nth: u64,
    marked: Range<u64>,
}

/// A line of up to 100 decimals in blocks of 10, with the n-th decimal and the marked range
/// marked. The first marked decimal of the page carries `id="match"`.
fn digit_line(line: &[u8], line_first: u64, marks: &Marks) -> Markup {
    html! {
        @for (block_index, block) in line.chunks(BLOCK_DIGITS).enumerate() {
            @let block_first = line_first + (block_index * BLOCK_DIGITS) as u64;
            @if block_index > 0 { " " }
            @for (segment, from) in segments(block, block_first, marks) {
                @let nth = from == marks.nth;
                @let matched = marks.marked.contains(&from);
                @let id = (from == marks.marked.start).then_some("match");
                @if nth || matched {
                    @let class = match (nth, matched) {
                        (true, true) => "digit match",
                        (true, false) => "digit",
                        _ => "match",
                    };
                    mark id=[id] class=(class)
                        title=[nth.then(|| format!("digit {}", group_thousands(marks.nth)))] { (ascii(segment)) }
                } @else {
                    (ascii(segment))
                }
            }
        }
    }
}

/// The block cut where a mark starts or ends, each piece with its first decimal's position.
fn segments<'b>(block: &'b [u8], block_first: u64, marks: &Marks) -> Vec<(&'b [u8], u64)> {
    let block_end = block_first + block.len() as u64;
    let mut cuts: Vec<u64> = [
        marks.nth,
        marks.nth + 1,
        marks.marked.start,
        marks.marked.end,
    ]
    .into_iter()
    .filter(|cut| (block_first + 1..block_end).contains(cut))
    .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut pieces = Vec::with_capacity(cuts.len() + 1);
    let mut from = block_first;
    for cut in cuts.into_iter().chain([block_end]) {
        pieces.push((
            &block[(from - block_first) as usize..(cut - block_first) as usize],
            from,
        ));
        from = cut;
    }
    pieces
}

/// "Go to decimal K": a plain GET of the task's page with `at`, which opens the page that holds
/// K with it marked.
fn jump_form(task: &Task, at: Option<u64>) -> Markup {
    html! {
        form.jump.to-decimal method="get" action={ "/tasks/" (task.id) } {
            label { "Go to decimal "
                input name="at" type="number" min="1" max=(task.n.get()) value=[at] aria-label="decimal position";
            }
            button type="submit" { "Go" }
        }
    }
}

fn pager(task: &Task, page: u64, pages: u64) -> Markup {
    let link = |p: u64| format!("/tasks/{}?page={p}", task.id);
    let fragment = |p: u64| format!("/tasks/{}/digits?page={p}", task.id);
    html! {
        @if pages > 1 {
            nav.pager {
                @if page > 1 {
                    a rel="prev" href=(link(page - 1)) hx-get=(fragment(page - 1)) hx-target="#digits"
                        hx-swap="outerHTML" hx-push-url=(link(page - 1)) { "← previous" }
                }
                form.jump method="get" action={ "/tasks/" (task.id) } {
                    label { "page " input name="page" type="number" min="1" max=(pages) value=(page) aria-label="page number"; }
                    " of " (group_thousands(pages)) " "
                    button type="submit" { "Go" }
                }
                @if page < pages {
                    a rel="next" href=(link(page + 1)) hx-get=(fragment(page + 1)) hx-target="#digits"
                        hx-swap="outerHTML" hx-push-url=(link(page + 1)) { "next →" }
                }
            }
        }
    }
}

/// The store holds ASCII digits only.
fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_ten_blocks_of_ten_with_the_nth_digit_marked() {
        let line: Vec<u8> = (0..100).map(|i| b'0' + (i % 10) as u8).collect();
        let marks = Marks {
            nth: 15,
            marked: 0..0,
        };
        let html = digit_line(&line, 1, &marks).into_string();
        // Decimal 15 is the fifth of the second block: line[14].
        assert!(
            html.contains(" 0123<mark class=\"digit\" title=\"digit 15\">4</mark>56789 "),
            "{html}"
        );
        let text = html
            .replace("<mark class=\"digit\" title=\"digit 15\">", "")
            .replace("</mark>", "");
        let blocks: Vec<&str> = text.split(' ').collect();
        assert_eq!(blocks, vec!["0123456789"; 10]);
    }

    #[test]
    fn a_marked_range_across_two_blocks_is_marked_in_both_and_scrolled_to_at_its_start() {
        let line: Vec<u8> = (0..100).map(|i| b'0' + (i % 10) as u8).collect();
        let marks = Marks {
            nth: 1_000,
            marked: 9..13,
        };
        let html = digit_line(&line, 1, &marks).into_string();
        assert!(
            html.starts_with(r#"01234567<mark id="match" class="match">89</mark> <mark class="match">01</mark>23456789 "#),
            "{html}"
        );
    }

    #[test]
    fn pages_hold_ten_thousand_digits() {
        assert_eq!(page_count(1), 1);
        assert_eq!(page_count(10_000), 1);
        assert_eq!(page_count(10_001), 2);
        assert_eq!((page_of(1), page_of(10_000), page_of(10_001)), (1, 1, 2));
    }
}
