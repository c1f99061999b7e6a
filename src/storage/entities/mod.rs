//! SeaORM's view of the tables. These types never leave `storage`: the repositories map them to
//! the domain's types.

pub mod digit_chunk;
pub mod engine_run;
pub mod task;
pub mod task_event;
