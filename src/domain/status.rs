use super::{Stage, UnknownValue};

/// Where a task is in its life.
///
/// ```text
/// queued ──claim──► running ──complete──► done
///   ▲  │               │ ├───fail───────► failed ────┐
///   │  └──cancel──┐    │ └───cancel─────► cancelled ─┤
///   │             └────┼────────────────► cancelled  │
///   ├──hand back───────┘                             │
///   └──retry─────────────────────────────────────────┘
/// ```
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Status {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl Status {
    pub const ALL: &[Status] = <Status as strum::VariantArray>::VARIANTS;

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(value: &str) -> Result<Self, UnknownValue> {
        UnknownValue::parse("status", value)
    }

    /// Whether the task will not change again unless a person retries it.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Done | Status::Failed | Status::Cancelled)
    }

    pub fn can_cancel(self) -> bool {
        Transition::Cancel.from().contains(&self)
    }

    pub fn can_retry(self) -> bool {
        Transition::Retry.from().contains(&self)
    }
}

/// Every change of status a task may go through. This is the one place that says which moves are
/// allowed: storage applies a transition only where the row is still in one of [`Transition::from`],
/// in the same statement, so two racing writers cannot both win.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// A runner took the task and will compute it.
    Claim,
    /// The digits are verified and stored.
    Complete,
    /// The computation or the storing failed; the error is kept.
    Fail,
    /// A person cancelled it.
    Cancel,
    /// The runner gave it back unfinished (shutdown, restart after a crash); it will run again.
    HandBack,
    /// A person asked for a failed or cancelled task again.
    Retry,
}

impl Transition {
    pub fn from(self) -> &'static [Status] {
        match self {
            Transition::Claim => &[Status::Queued],
            Transition::Complete | Transition::Fail | Transition::HandBack => &[Status::Running],
            Transition::Cancel => &[Status::Queued, Status::Running],
            Transition::Retry => &[Status::Failed, Status::Cancelled],
        }
    }

    pub fn to(self) -> Status {
        match self {
            Transition::Claim => Status::Running,
            Transition::Complete => Status::Done,
            Transition::Fail => Status::Failed,
            Transition::Cancel => Status::Cancelled,
            Transition::HandBack | Transition::Retry => Status::Queued,
        }
    }

    /// The entry this transition writes to the stage log.
    pub fn stage(self) -> Stage {
        match self {
            Transition::Claim => Stage::Scheduled,
            Transition::Complete => Stage::Stored,
            Transition::Fail => Stage::Failed,
            Transition::Cancel => Stage::Cancelled,
            Transition::HandBack => Stage::Requeued,
            Transition::Retry => Stage::Retried,
        }
    }

    /// The status after this transition, or `None` when it does not apply to `current`.
    pub fn apply(self, current: Status) -> Option<Status> {
        self.from().contains(&current).then(|| self.to())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queued_task_can_be_claimed_or_cancelled_but_not_completed() {
        assert_eq!(
            Transition::Claim.apply(Status::Queued),
            Some(Status::Running)
        );
        assert_eq!(
            Transition::Cancel.apply(Status::Queued),
            Some(Status::Cancelled)
        );
        assert_eq!(Transition::Complete.apply(Status::Queued), None);
    }

    #[test]
    fn a_done_task_never_changes_again() {
        for transition in [
            Transition::Claim,
            Transition::Complete,
            Transition::Fail,
            Transition::Cancel,
            Transition::HandBack,
            Transition::Retry,
        ] {
            assert_eq!(transition.apply(Status::Done), None, "{transition:?}");
        }
    }

    #[test]
    fn failed_and_cancelled_tasks_can_be_retried_back_to_the_queue() {
        assert_eq!(
            Transition::Retry.apply(Status::Failed),
            Some(Status::Queued)
        );
        assert_eq!(
            Transition::Retry.apply(Status::Cancelled),
            Some(Status::Queued)
        );
        assert_eq!(Transition::Retry.apply(Status::Running), None);
    }

    #[test]
    fn a_running_task_handed_back_is_queued_again() {
        assert_eq!(
            Transition::HandBack.apply(Status::Running),
            Some(Status::Queued)
        );
        assert_eq!(Transition::HandBack.apply(Status::Queued), None);
    }

    #[test]
    fn statuses_survive_a_round_trip_through_their_stored_names() {
        for &status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Ok(status));
        }
        assert!(Status::parse("exploded").is_err());
    }
}
