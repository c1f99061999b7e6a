use super::UnknownValue;

/// What a running task is doing right now, shown next to its progress bar.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, strum::IntoStaticStr, strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Phase {
    /// Reading digits already in the store instead of computing them.
    Reading,
    Series,
    SquareRoot,
    Division,
    /// Checking the binary result against Bellard's formula before it becomes decimal.
    Checking,
    Conversion,
    Verifying,
    Storing,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The phase as a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Reading => "reading stored digits",
            Phase::Series => "series",
            Phase::SquareRoot => "square root",
            Phase::Division => "division",
            Phase::Checking => "checking hexadecimal digits",
            Phase::Conversion => "decimal conversion",
            Phase::Verifying => "verifying",
            Phase::Storing => "storing",
        }
    }

    pub fn parse(value: &str) -> Result<Self, UnknownValue> {
        UnknownValue::parse("phase", value)
    }
}
