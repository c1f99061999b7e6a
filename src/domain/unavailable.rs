/// Why the database cannot take a request right now, when that is passing rather than a fault in
/// the request or the data: the caller should say "try again shortly", not "something broke".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// Another writer held the lock longer than `busy_timeout` (SQLite `BUSY`/`LOCKED`).
    Busy,
    /// The disk or the database's size limit is full (SQLite `FULL`, Postgres class 53).
    Full,
    /// No connection: the pool timed out, or the server is down or restarting.
    Unreachable,
}
