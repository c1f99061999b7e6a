//! The odds of finding a digit string in random digits, which pi's are as far as anyone knows.
//!
//! A string of $m$ digits starts at each of the $N - m + 1$ places of $N$ digits with chance
//! $10^{-m}$. Treating the places as independent (they are not quite, for strings that overlap
//! themselves, like 1111), the chance that it occurs at all is
//! $1 - (1 - 10^{-m})^{N - m + 1}$: for 8 digits in $10^8$, $1 - e^{-1} \approx 63\%$.

/// The chance that a given string of `length` digits occurs somewhere in `decimals` random ones.
pub fn chance_of_occurring(length: usize, decimals: u64) -> f64 {
    let places = decimals.saturating_sub(length as u64).saturating_add(1);
    if length == 0 || decimals < length as u64 {
        return 0.0;
    }
    let miss = (-(10f64.powi(-(length as i32)))).ln_1p();
    -(miss * places as f64).exp_m1()
}

/// How many random decimals give a string of `length` digits the chance `chance` (below 1) of
/// occurring.
pub fn decimals_for_chance(length: usize, chance: f64) -> u64 {
    let miss = (-(10f64.powi(-(length as i32)))).ln_1p();
    let places = (-chance).ln_1p() / miss;
    (places.ceil() as u64)
        .saturating_add(length as u64)
        .saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_digits_in_a_hundred_million_occur_with_a_chance_of_about_63_percent() {
        let chance = chance_of_occurring(8, 100_000_000);
        assert!((chance - 0.632).abs() < 0.001, "{chance}");
    }

    #[test]
    fn one_digit_is_all_but_certain_and_a_string_longer_than_the_digits_impossible() {
        assert!(chance_of_occurring(1, 1_000) > 0.999_999);
        assert_eq!(chance_of_occurring(10, 9), 0.0);
    }

    #[test]
    fn the_decimals_for_a_chance_give_that_chance() {
        for length in [1, 4, 8, 12] {
            let needed = decimals_for_chance(length, 0.5);
            let chance = chance_of_occurring(length, needed);
            assert!(chance >= 0.5, "{length}: {needed} → {chance}");
            assert!(chance_of_occurring(length, needed - 1) < 0.5);
        }
    }
}
