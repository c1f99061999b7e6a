//! How often each digit 0-9 occurs in a task's decimals, and how far that is from what random
//! digits would give.

use statrs::distribution::{ChiSquared, ContinuousCDF};

/// How many of each digit 0-9 a run of decimals holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(min_items = 10, max_items = 10)]
pub struct DigitCounts(pub [u64; 10]);

impl DigitCounts {
    /// Counts the ASCII digits in `decimals`; anything else is not counted.
    pub fn of(decimals: &[u8]) -> Self {
        let mut counts = [0u64; 10];
        for &byte in decimals {
            if let Some(count) = counts.get_mut(usize::from(byte.wrapping_sub(b'0'))) {
                *count += 1;
            }
        }
        Self(counts)
    }

    /// Adds what another run of decimals holds.
    pub fn add(&mut self, other: &DigitCounts) {
        for (count, more) in self.0.iter_mut().zip(other.0) {
            *count += more;
        }
    }

    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// Pearson's chi-square statistic against ten equally likely digits:
    /// $\sum_d (c_d - n/10)^2 / (n/10)$, with 9 degrees of freedom.
    pub fn chi_square(&self) -> f64 {
        let expected = self.total() as f64 / 10.0;
        if expected == 0.0 {
            return 0.0;
        }
        self.0
            .iter()
            .map(|&count| (count as f64 - expected).powi(2) / expected)
            .sum()
    }

    /// The chance that ten equally likely digits would give a chi-square at least this large.
    pub fn p_value(&self) -> f64 {
        match ChiSquared::new(9.0) {
            Ok(distribution) => distribution.sf(self.chi_square()),
            Err(_) => f64::NAN,
        }
    }

    /// As stored: the ten counts, comma-separated.
    pub fn to_stored(&self) -> String {
        self.0.map(|count| count.to_string()).join(",")
    }

    /// Reads [`DigitCounts::to_stored`] back; `None` for anything else.
    pub fn from_stored(stored: &str) -> Option<Self> {
        let mut counts = [0u64; 10];
        let mut parts = stored.split(',');
        for count in &mut counts {
            *count = parts.next()?.parse().ok()?;
        }
        parts.next().is_none().then_some(Self(counts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_fifty_decimals_of_pi_hold_each_digit_as_often_as_counted_by_hand() {
        let counts = DigitCounts::of(b"14159265358979323846264338327950288419716939937510");
        assert_eq!(counts.0, [2, 5, 5, 8, 4, 5, 4, 4, 5, 8]);
        assert_eq!(counts.total(), 50);
    }

    #[test]
    fn evenly_spread_digits_have_no_chi_square_and_a_p_value_of_one() {
        let counts = DigitCounts([100; 10]);
        assert_eq!(counts.chi_square(), 0.0);
        assert!((counts.p_value() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_lopsided_count_is_improbable() {
        let mut counts = [100; 10];
        counts[7] = 200;
        let counts = DigitCounts(counts);
        // (200 - 110)^2 / 110 + 9 * (100 - 110)^2 / 110
        assert!((counts.chi_square() - 9000.0 / 110.0).abs() < 1e-9);
        assert!(counts.p_value() < 1e-12, "{}", counts.p_value());
    }

    #[test]
    fn the_p_value_matches_a_table_of_the_chi_square_distribution() {
        // 16.919 is the 95th percentile of chi-square with 9 degrees of freedom.
        let expected = 1000.0;
        let spread = (16.919f64 * expected / 2.0).sqrt();
        let mut counts = [1000u64; 10];
        counts[0] = (expected + spread).round() as u64;
        counts[1] = (expected - spread).round() as u64;
        let p = DigitCounts(counts).p_value();
        assert!((p - 0.05).abs() < 0.002, "{p}");
    }

    #[test]
    fn counts_survive_a_round_trip_through_their_stored_form() {
        let counts = DigitCounts([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(DigitCounts::from_stored(&counts.to_stored()), Some(counts));
        assert_eq!(DigitCounts::from_stored("1,2,3"), None);
        assert_eq!(DigitCounts::from_stored("1,2,3,4,5,6,7,8,9,10,11"), None);
    }
}
