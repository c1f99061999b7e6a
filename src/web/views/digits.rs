use maud::{Markup, html};

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
            (pager(task, view.page, pages))
            div.digits {
                @if view.page == 1 { div.line { span.pos {} code { "3." } } }
                @for (line_index, line) in view.decimals.chunks(LINE_DIGITS).enumerate() {
                    @let line_first = first + (line_index * LINE_DIGITS) as u64;
                    div.line {
                        span.pos { (group_thousands(line_first)) }
                        code { (digit_line(line, line_first, n)) }
                    }
                }
            }
            (pager(task, view.page, pages))
        }
    }
}

/// A line of up to 100 decimals in blocks of 10, with decimal `n` marked.
fn digit_line(line: &[u8], line_first: u64, n: u64) -> Markup {
    html! {
        @for (block_index, block) in line.chunks(BLOCK_DIGITS).enumerate() {
            @let block_first = line_first + (block_index * BLOCK_DIGITS) as u64;
            @if block_index > 0 { " " }
            @if (block_first..block_first + block.len() as u64).contains(&n) {
                @let at = (n - block_first) as usize;
                (ascii(&block[..at]))
                mark.digit title={ "digit " (group_thousands(n)) } { (ascii(&block[at..=at])) }
                (ascii(&block[at + 1..]))
            } @else {
                (ascii(block))
            }
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
        let html = digit_line(&line, 1, 15).into_string();
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
    fn pages_hold_ten_thousand_digits() {
        assert_eq!(page_count(1), 1);
        assert_eq!(page_count(10_000), 1);
        assert_eq!(page_count(10_001), 2);
    }
}
