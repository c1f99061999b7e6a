//! The change bus: after a write commits, its writer publishes what changed ([`Change`]), and
//! whoever shows tasks (the SSE feed) re-reads and re-renders them.
//!
//! With several instances on one database, the bus also hands each change it publishes to a
//! relay (see `cluster`), which announces it to the other instances; what they announce arrives
//! here through [`Bus::deliver`].
//!
//! The bus also counts what it carried ([`Bus::carried`]): a page made from the database while
//! that count stays the same is still what the database holds, so it can be served again
//! without reading (the table's first page, `web::first_page`).

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicU64, Ordering},
};

use tokio::sync::{broadcast, mpsc};

use crate::domain::{Change, Message};

/// Enough room for a burst of progress ticks from every worker; a slower receiver lags and
/// resyncs rather than blocking publishers.
const CAPACITY: usize = 1024;

/// Room for the changes waiting to be announced to other instances; beyond it they are dropped
/// and the others are told to resync instead.
const RELAY_CAPACITY: usize = 1024;

/// A cheap handle to the in-process bus; clone it freely.
#[derive(Debug, Clone)]
pub struct Bus {
    sender: broadcast::Sender<Message>,
    /// Every message sent, counted before it goes out.
    carried: Arc<AtomicU64>,
    /// Where published changes go to be announced to other instances, when there are any.
    relay: Option<Relay>,
}

#[derive(Debug, Clone)]
struct Relay {
    changes: mpsc::Sender<Change>,
    /// Set when a change could not be queued: the others must resync.
    dropped: Arc<AtomicBool>,
}

/// The changes this instance published, for announcing to the others, in order.
#[derive(Debug)]
pub struct Outgoing {
    changes: mpsc::Receiver<Change>,
    dropped: Arc<AtomicBool>,
}

impl Outgoing {
    /// The next thing to announce: a change, or [`Message::Resync`] when some were dropped.
    /// `None` once every bus handle is gone.
    pub async fn next(&mut self) -> Option<Message> {
        if self.dropped.swap(false, Ordering::AcqRel) {
            return Some(Message::Resync);
        }
        self.changes.recv().await.map(Message::Change)
    }
}

impl Default for Bus {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
            carried: Arc::default(),
            relay: None,
        }
    }
}

impl Bus {
    /// A bus whose published changes are also handed to the receiver returned with it, to be
    /// announced to other instances.
    pub fn relayed() -> (Self, Outgoing) {
        let (changes, receiver) = mpsc::channel(RELAY_CAPACITY);
        let dropped = Arc::new(AtomicBool::new(false));
        let bus = Self {
            relay: Some(Relay {
                changes,
                dropped: dropped.clone(),
            }),
            ..Self::default()
        };
        let outgoing = Outgoing {
            changes: receiver,
            dropped,
        };
        (bus, outgoing)
    }

    /// Announces a committed change. Call only after the transaction that made it has committed.
    pub fn publish(&self, change: Change) {
        self.send(Message::Change(change));
        if let Some(relay) = &self.relay
            && relay.changes.try_send(change).is_err()
        {
            // The relay is behind (the database is slow or gone): it has the other instances
            // resync when it can, rather than hold up whoever published.
            relay.dropped.store(true, Ordering::Release);
            metrics::counter!("pilane_relay_dropped_total").increment(1);
        }
    }

    /// Passes on a change another instance made, without announcing it again.
    pub fn deliver(&self, change: Change) {
        self.send(Message::Change(change));
    }

    /// Tells every subscriber that changes may have been missed.
    pub fn resync(&self) {
        self.send(Message::Resync);
    }

    /// How many messages the bus has carried, changes and resyncs alike. It moves before each
    /// one reaches a subscriber, so whoever reads it after a writer's answer sees the write
    /// counted.
    pub fn carried(&self) -> u64 {
        self.carried.load(Ordering::Acquire)
    }

    fn send(&self, message: Message) {
        self.carried.fetch_add(1, Ordering::AcqRel);
        // No subscriber is not an error: nobody is watching.
        let _ = self.sender.send(message);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Message> {
        self.sender.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EventId, TaskId};

    #[tokio::test]
    async fn every_subscriber_sees_each_published_change_in_order() {
        let bus = Bus::default();
        let mut first = bus.subscribe();
        let mut second = bus.subscribe();
        bus.publish(Change::created(TaskId(1), EventId(1)));
        bus.publish(Change::progress(TaskId(1)));
        for receiver in [&mut first, &mut second] {
            assert_eq!(
                receiver.recv().await.ok(),
                Some(Message::Change(Change::created(TaskId(1), EventId(1))))
            );
            assert_eq!(
                receiver.recv().await.ok(),
                Some(Message::Change(Change::progress(TaskId(1))))
            );
        }
    }

    #[tokio::test]
    async fn published_changes_are_relayed_but_delivered_ones_are_not() {
        let (bus, mut relayed) = Bus::relayed();
        let mut local = bus.subscribe();
        bus.publish(Change::progress(TaskId(1)));
        bus.deliver(Change::progress(TaskId(2)));
        assert_eq!(
            relayed.next().await,
            Some(Message::Change(Change::progress(TaskId(1))))
        );
        assert!(
            relayed.changes.try_recv().is_err(),
            "a delivered change went back out"
        );
        assert_eq!(
            local.recv().await.ok(),
            Some(Message::Change(Change::progress(TaskId(1))))
        );
        assert_eq!(
            local.recv().await.ok(),
            Some(Message::Change(Change::progress(TaskId(2))))
        );
    }

    #[tokio::test]
    async fn a_relay_that_fell_behind_announces_a_resync() {
        let (bus, mut relayed) = Bus::relayed();
        for id in 0..=RELAY_CAPACITY as i64 {
            bus.publish(Change::progress(TaskId(id)));
        }
        assert_eq!(relayed.next().await, Some(Message::Resync));
        assert_eq!(
            relayed.next().await,
            Some(Message::Change(Change::progress(TaskId(0))))
        );
    }

    #[test]
    fn the_bus_counts_every_change_and_resync_it_carries() {
        let (bus, _relayed) = Bus::relayed();
        let before = bus.carried();
        bus.publish(Change::progress(TaskId(1)));
        bus.deliver(Change::progress(TaskId(2)));
        bus.resync();
        assert_eq!(bus.carried(), before + 3);
    }

    #[test]
    fn publishing_with_nobody_listening_is_fine() {
        Bus::default().publish(Change::progress(TaskId(7)));
    }
}
