//! Announcing this instance's changes to the others, and passing theirs to this one's live views.
//!
//! A payload is `<origin> <kind> <task id> [<event id>]`, or `<origin> resync`: ids only,
//! never digits, well under `NOTIFY`'s 8000-byte limit. `<origin> probe <number>` is an
//! instance checking that its own listener still hears; the others ignore it.
//!
//! The origin is the instance id and a tag of the process's own
//! ([`Instance::origin`](super::Instance::origin)). An instance skips only what it sent itself,
//! so two instances given the same id by mistake still hear each other, and the mistake is
//! logged.
//!
//! A listening connection whose network is silently gone (a half-open TCP connection: a
//! firewall's dropped state, a frozen server process) never reports an error: it just stops
//! delivering. So the listener sends itself a probe through the pool every [`PROBE_EVERY`];
//! one not heard back by the next is taken for a lost connection, which is listened again with a
//! resync, as after an error.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::instance::id_of_origin;
use crate::{
    domain::{Change, ChangeKind, EventId, Message, TaskId},
    events::{Bus, Outgoing},
    storage::{ChangeListener, Storage},
};

/// How long to wait before listening again after the connection was lost.
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);

/// How often the listener checks that it still hears its own announcements: a silently lost
/// connection is noticed within two of these.
const PROBE_EVERY: Duration = Duration::from_secs(5);

/// Sends `NOTIFY` for every change this instance publishes, in order, until `stop` (and then
/// whatever was already waiting). A failed announcement is followed, once one gets through, by a
/// resync announcement, so the others never silently miss a change.
pub async fn announce(
    storage: Storage,
    origin: String,
    mut outgoing: Outgoing,
    stop: CancellationToken,
) {
    let mut missed = false;
    loop {
        let message = tokio::select! {
            biased;
            message = outgoing.next() => message,
            () = stop.cancelled() => None,
            // Nothing new to say, but the others still need their resync.
            () = tokio::time::sleep(RECONNECT_PAUSE), if missed => {
                if storage.notify(&encode(&origin, Message::Resync)).await.is_ok() {
                    missed = false;
                }
                continue;
            }
        };
        let Some(message) = message else { break };
        if missed
            && storage
                .notify(&encode(&origin, Message::Resync))
                .await
                .is_ok()
        {
            missed = false;
        }
        if let Err(err) = storage.notify(&encode(&origin, message)).await {
            if !missed {
                warn!(error = %err, "could not announce a change to the other instances; they resync once announcing works again");
            }
            missed = true;
        }
    }
}

/// Listens for the other instances' announcements on a connection of its own and passes them to
/// `bus`, until `stop`. After the connection was lost it listens again and has every live view
/// resync. Returns at once where the database is not shared.
pub async fn listen(storage: Storage, bus: Bus, origin: String, stop: CancellationToken) {
    let mut reconnecting = false;
    let mut id_clash = IdClash::default();
    loop {
        let listener = tokio::select! {
            () = stop.cancelled() => return,
            listener = storage.listen() => listener,
        };
        match listener {
            Ok(None) => return,
            Ok(Some(mut listener)) => {
                if reconnecting {
                    metrics::counter!("pilane_listener_reconnects_total").increment(1);
                    info!("listening for other instances' changes again; live views resync");
                    bus.resync();
                }
                hear(&storage, &bus, &origin, &mut listener, &stop, &mut id_clash).await;
                if stop.is_cancelled() {
                    return;
                }
            }
            Err(err) => debug!(error = %err, "could not listen for other instances' changes yet"),
        }
        reconnecting = true;
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(RECONNECT_PAUSE) => {}
        }
    }
}

/// Passes on what `listener` hears until its connection is lost (or goes silent, see the module
/// documentation) or `stop` fires.
async fn hear(
    storage: &Storage,
    bus: &Bus,
    origin: &str,
    listener: &mut ChangeListener,
    stop: &CancellationToken,
    id_clash: &mut IdClash,
) {
    let mut probes =
        tokio::time::interval_at(tokio::time::Instant::now() + PROBE_EVERY, PROBE_EVERY);
    probes.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The probe sent and not heard back yet: its number, and when it went out.
    let mut unanswered: Option<(u64, Instant)> = None;
    let mut sent = 0u64;
    loop {
        let next = tokio::select! {
            () = stop.cancelled() => return,
            _ = probes.tick() => {
                if let Some((_, since)) = unanswered {
                    metrics::counter!("pilane_listener_silent_total").increment(1);
                    warn!(
                        silent_ms = since.elapsed().as_millis() as u64,
                        "the connection listening for other instances' changes stopped hearing; reconnecting"
                    );
                    return;
                }
                sent += 1;
                // When the pool cannot reach the database either, the probe proves nothing
                // about the listener: it is sent again at the next tick.
                if storage.notify(&probe(origin, sent)).await.is_ok() {
                    unanswered = Some((sent, Instant::now()));
                }
                continue;
            }
            next = listener.next() => next,
        };
        match next {
            Ok(Some(payload)) => {
                if let Some(from) = payload.split(' ').next() {
                    id_clash.check(origin, from);
                }
                if let Some((from, number)) = decode_probe(&payload) {
                    if from == origin && unanswered.is_some_and(|(sent, _)| sent == number) {
                        unanswered = None;
                    }
                    continue;
                }
                match decode(&payload) {
                    Some((from, _)) if from == origin => {}
                    Some((_, Message::Change(change))) => bus.deliver(change),
                    Some((_, Message::Resync)) => bus.resync(),
                    None => {
                        debug!(payload, "ignoring an announcement this version cannot read")
                    }
                }
            }
            Ok(None) => {
                warn!("lost the connection listening for other instances' changes; reconnecting");
                return;
            }
            Err(err) => {
                warn!(error = %err, "listening for other instances' changes failed; reconnecting");
                return;
            }
        }
    }
}

/// Whether another process announces under this instance's id, logged once: ids are meant to be
/// unique, and the task table's `owner` column cannot tell such two instances apart.
#[derive(Default)]
struct IdClash {
    reported: bool,
}

impl IdClash {
    /// Logs the clash the first time `from`, not this process, has this process's id; `true`
    /// when it did.
    fn check(&mut self, origin: &str, from: &str) -> bool {
        if self.reported || from == origin || id_of_origin(from) != id_of_origin(origin) {
            return false;
        }
        self.reported = true;
        warn!(
            instance_id = id_of_origin(origin),
            "another running instance has this instance's id; give each instance its own (--instance-id, PILANE_INSTANCE_ID)"
        );
        true
    }
}

fn probe(origin: &str, number: u64) -> String {
    format!("{origin} probe {number}")
}

/// The sender and number of a probe, or `None` when the payload is not one.
fn decode_probe(payload: &str) -> Option<(&str, u64)> {
    let mut words = payload.split(' ');
    let origin = words.next().filter(|origin| !origin.is_empty())?;
    if words.next()? != "probe" {
        return None;
    }
    let number = words.next()?.parse().ok()?;
    words.next().is_none().then_some((origin, number))
}

fn encode(origin: &str, message: Message) -> String {
    match message {
        Message::Resync => format!("{origin} resync"),
        Message::Change(change) => {
            let kind = match change.kind {
                ChangeKind::Created => "created",
                ChangeKind::Stage => "stage",
                ChangeKind::Progress => "progress",
            };
            match change.event_id {
                Some(event) => format!("{origin} {kind} {} {}", change.task_id.0, event.0),
                None => format!("{origin} {kind} {}", change.task_id.0),
            }
        }
    }
}

/// The sender and the message of a payload, or `None` when it is not one this version wrote.
fn decode(payload: &str) -> Option<(&str, Message)> {
    let mut words = payload.split(' ');
    let origin = words.next().filter(|origin| !origin.is_empty())?;
    let kind = words.next()?;
    if kind == "resync" {
        return words.next().is_none().then_some((origin, Message::Resync));
    }
    let task_id = TaskId(words.next()?.parse().ok()?);
    let event_id = words.next().map(str::parse).transpose().ok()?.map(EventId);
    if words.next().is_some() {
        return None;
    }
    let change = match (kind, event_id) {
        ("created", Some(event)) => Change::created(task_id, event),
        ("stage", Some(event)) => Change::stage(task_id, event),
        ("progress", None) => Change::progress(task_id),
        _ => return None,
    };
    Some((origin, Message::Change(change)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_announcement_reads_back_as_what_was_sent() {
        let messages = [
            Message::Change(Change::created(TaskId(7), EventId(70))),
            Message::Change(Change::stage(TaskId(7), EventId(71))),
            Message::Change(Change::progress(TaskId(7))),
            Message::Resync,
        ];
        for message in messages {
            let payload = encode("web-1", message);
            assert_eq!(decode(&payload), Some(("web-1", message)), "{payload}");
        }
    }

    #[test]
    fn a_probe_reads_back_as_its_sender_and_number_and_is_no_change() {
        let payload = probe("web-1", 42);
        assert_eq!(decode_probe(&payload), Some(("web-1", 42)));
        assert_eq!(decode(&payload), None);
        assert_eq!(decode_probe("web-1 probe"), None);
        assert_eq!(decode_probe("web-1 probe 4 2"), None);
        assert_eq!(decode_probe(&encode("web-1", Message::Resync)), None);
    }

    #[test]
    fn another_process_with_this_instances_id_is_reported_once() {
        let mut clash = IdClash::default();
        assert!(!clash.check("web/1a", "web/1a"), "its own announcement");
        assert!(!clash.check("web/1a", "api/2b"), "another instance");
        assert!(clash.check("web/1a", "web/3c"));
        assert!(!clash.check("web/1a", "web/3c"), "reported once");
    }

    #[test]
    fn a_payload_this_version_did_not_write_is_ignored() {
        for payload in [
            "",
            "web-1",
            "web-1 stage 7",
            "web-1 progress 7 70",
            "web-1 created x 1",
            "web-1 resync now",
            "web-1 stage 7 70 9",
        ] {
            assert_eq!(decode(payload), None, "{payload:?}");
        }
    }
}
