//! What lets several instances share one database, and what one instance alone relies on too:
//!
//! - **Leases** ([`leases`]): a claimed task names its owner instance and a lease that the
//!   owner's heartbeat renews. A sweeper on every instance takes back tasks whose lease ran out:
//!   to the queue, or, after `max_attempts` lost runs, to `failed` with the reason. Safety never
//!   rests on clocks: every write of a run names its attempt, and a claim, a take-back or a
//!   cancel moves the task on, so a run whose lease was lost touches zero rows and drops its
//!   result. Clocks only decide how soon a lost task runs again.
//! - **Announcements** ([`relay`]): after a change commits, the bus hands it to the relay, which
//!   sends `NOTIFY` with ids only; every instance `LISTEN`s on a connection of its own and passes
//!   the others' changes to its live views. When the listener had to reconnect, or announcements
//!   were dropped, live views resync, since notifications sent meanwhile are gone.
//!
//! On SQLite one process owns the database (it holds a lock on the file), so whatever it finds
//! running at startup is lost, and there is nobody to announce changes to.

mod instance;
pub mod leases;
pub mod relay;

pub use instance::Instance;
