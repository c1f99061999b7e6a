//! HTML, as maud functions from typed values to markup. Components are small functions; a view
//! that needs many inputs takes a struct. maud escapes `& < > "`, so user data goes only into text
//! and quoted attributes, never into `<script>`, `style` or `on*`.

pub mod announcements;
pub mod api_reference;
pub mod charts;
pub mod components;
pub mod digits;
pub mod layout;
pub mod search;
pub mod task_form;
pub mod task_page;
pub mod task_table;
pub mod verification;

#[cfg(test)]
mod tests;
