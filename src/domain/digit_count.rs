use std::fmt;

/// How many decimals of pi a task computes: a whole number from 1 to the server's limit.
///
/// The only way to make one from user input is [`DigitCount::parse`], so a `DigitCount` anywhere
/// in the program is known to be valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct DigitCount(u64);

/// Why a requested digit count was refused, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigitCountError {
    #[error("Enter how many digits you want, for example 1000.")]
    Empty,
    #[error("n must be a whole number written with the digits 0-9 only, like 1000.")]
    NotAWholeNumber,
    #[error("n must be at least 1.")]
    Zero,
    #[error("n must be a positive number; negative counts of digits do not exist.")]
    Negative,
    #[error("n can be at most {} on this server.", group_thousands(*.max))]
    TooLarge { max: u64 },
}

impl DigitCount {
    /// Parses what a person typed. Only ASCII digits are accepted: no sign, no spaces, no
    /// exponent, no separators, so that what is stored is exactly what was meant.
    pub fn parse(input: &str, max: u64) -> Result<Self, DigitCountError> {
        if input.is_empty() {
            return Err(DigitCountError::Empty);
        }
        if input.starts_with('-')
            && input.len() > 1
            && input[1..].bytes().all(|b| b.is_ascii_digit())
        {
            return Err(DigitCountError::Negative);
        }
        if !input.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DigitCountError::NotAWholeNumber);
        }
        // All digits: the only way to fail now is overflow, which is "too large" as well.
        let n = input
            .parse::<u64>()
            .map_err(|_| DigitCountError::TooLarge { max })?;
        Self::new(n, max)
    }

    /// Checks a count that is already a number (from JSON or the command line).
    pub fn new(n: u64, max: u64) -> Result<Self, DigitCountError> {
        match n {
            0 => Err(DigitCountError::Zero),
            n if n > max => Err(DigitCountError::TooLarge { max }),
            n => Ok(Self(n)),
        }
    }

    /// Rebuilds a count that was validated before it was stored.
    pub fn from_stored(n: u64) -> Self {
        Self(n)
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for DigitCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&group_thousands(self.0))
    }
}

/// `1000000` → `1,000,000`, for counts shown to people.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: u64 = 1_000_000;

    #[test]
    fn a_plain_number_within_the_limit_is_accepted() {
        assert_eq!(
            DigitCount::parse("1000", MAX).map(DigitCount::get),
            Ok(1000)
        );
        assert_eq!(
            DigitCount::parse("1000000", MAX).map(DigitCount::get),
            Ok(MAX)
        );
    }

    #[test]
    fn each_kind_of_bad_input_gets_its_own_message() {
        assert_eq!(DigitCount::parse("", MAX), Err(DigitCountError::Empty));
        assert_eq!(DigitCount::parse("0", MAX), Err(DigitCountError::Zero));
        assert_eq!(DigitCount::parse("-5", MAX), Err(DigitCountError::Negative));
        assert_eq!(
            DigitCount::parse("1.5", MAX),
            Err(DigitCountError::NotAWholeNumber)
        );
        assert_eq!(
            DigitCount::parse("abc", MAX),
            Err(DigitCountError::NotAWholeNumber)
        );
        assert_eq!(
            DigitCount::parse("1000001", MAX),
            Err(DigitCountError::TooLarge { max: MAX })
        );
    }

    #[test]
    fn signs_spaces_exponents_and_foreign_digits_are_refused() {
        for input in ["+5", " 5", "5 ", "1e3", "1_000", "1,000", "٣", "--5", "-"] {
            assert!(
                DigitCount::parse(input, MAX).is_err(),
                "{input:?} was accepted"
            );
        }
    }

    #[test]
    fn numbers_too_big_for_any_integer_are_too_large_not_garbage() {
        let huge = "1".repeat(101);
        assert_eq!(
            DigitCount::parse(&huge, MAX),
            Err(DigitCountError::TooLarge { max: MAX })
        );
    }

    #[test]
    fn the_limit_is_shown_with_thousands_separators() {
        let message = DigitCountError::TooLarge { max: MAX }.to_string();
        assert!(message.contains("1,000,000"), "{message}");
    }
}
