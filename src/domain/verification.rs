//! What a task's digits were checked against when they were computed, for people to read on its
//! page and scripts to read in its JSON.

/// The checks a computed task's digits passed, beyond the guard digits that prove every
/// computed digit's truncation.
#[derive(
    Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct Verification {
    /// The longest prefix whose published SHA-256 checksum the digits matched; 0 when the
    /// table reaches none of them.
    pub checksum_digits: u64,
    /// Hexadecimal digits of pi where the binary result agreed with Bellard's formula,
    /// computed on its own: farthest first.
    pub hex: Vec<HexDigits>,
    /// How many leading digits were compared with the verified store, and agreed.
    pub agreed_with_store: u64,
}

/// Hexadecimal digits of pi at a position, counted from 1 after the point.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct HexDigits {
    pub position: u64,
    pub digits: String,
}

impl Verification {
    /// As stored: JSON.
    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads [`Verification::to_stored`] back; `None` for anything else.
    pub fn from_stored(stored: &str) -> Option<Self> {
        serde_json::from_str(stored).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verification_reads_back_as_it_was_stored() {
        let verification = Verification {
            checksum_digits: 100_000_000,
            hex: vec![HexDigits {
                position: 83_000_001,
                digits: "0123ABCD".to_owned(),
            }],
            agreed_with_store: 5_000,
        };
        assert_eq!(
            Verification::from_stored(&verification.to_stored()),
            Some(verification)
        );
        assert_eq!(Verification::from_stored("4,5,6"), None);
    }
}
