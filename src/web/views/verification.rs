//! How a done task's digits were checked, in sentences: what a person needs to trust them.

use maud::{Markup, html};

use crate::domain::{Status, Task, Verification, group_thousands};

/// The checks a done task's digits passed; nothing for a task that is not done.
pub fn checks(task: &Task) -> Markup {
    if task.status != Status::Done {
        return html! {};
    }
    html! {
        div.checks {
            h2 { "How these digits were checked" }
            @match &task.verification {
                Some(verification) => (computed_checks(verification)),
                None => p {
                    "Read from the verified store: every stored digit passed these checks when it was computed."
                },
            }
        }
    }
}

fn computed_checks(verification: &Verification) -> Markup {
    html! {
        ul {
            li { "The guard digits computed past the last one show that truncating there is exact." }
            @if verification.checksum_digits > 0 {
                li {
                    "The first " (group_thousands(verification.checksum_digits))
                    " match the published SHA-256 checksum of that many."
                }
            }
            @for hex in &verification.hex {
                li {
                    "In hexadecimal, the binary result has "
                    code { (hex.digits) }
                    " from position " (group_thousands(hex.position))
                    ", as Bellard's formula gives them on its own."
                }
            }
            @if verification.agreed_with_store > 0 {
                li {
                    "The first " (group_thousands(verification.agreed_with_store))
                    " agree with the digits already stored."
                }
            }
        }
    }
}
