//! What a person searches the digits for: 1 to 50 decimal digits, typed as they would write a
//! date or a phone number.

/// The longest digit string a search takes.
pub const MAX_QUERY_DIGITS: usize = 50;

/// The separators a person types in a date or a phone number, dropped before searching:
/// "14/03/1592" searches 14031592.
const SEPARATORS: [char; 4] = [' ', '-', '.', '/'];

/// A string of 1 to [`MAX_QUERY_DIGITS`] ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitQuery(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigitQueryError {
    #[error(
        "Search for digits only: {0:?} is not one (spaces, dashes, dots and slashes are ignored)."
    )]
    NotADigit(char),
    #[error("Search for at most {MAX_QUERY_DIGITS} digits; this has {0}.")]
    TooLong(usize),
}

impl DigitQuery {
    /// The digits in `input` with its separators dropped; `None` when nothing is left (an empty
    /// query is a question not asked yet, not an error).
    pub fn parse(input: &str) -> Result<Option<Self>, DigitQueryError> {
        let mut digits = String::with_capacity(input.len().min(MAX_QUERY_DIGITS));
        let mut count = 0;
        for c in input.chars().filter(|c| !SEPARATORS.contains(c)) {
            if !c.is_ascii_digit() {
                return Err(DigitQueryError::NotADigit(c));
            }
            count += 1;
            if count <= MAX_QUERY_DIGITS {
                digits.push(c);
            }
        }
        if count > MAX_QUERY_DIGITS {
            return Err(DigitQueryError::TooLong(count));
        }
        Ok((!digits.is_empty()).then_some(Self(digits)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// How many digits it has, 1 to [`MAX_QUERY_DIGITS`].
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true: a query has at least one digit. (Clippy asks for it beside `len`.)
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(input: &str) -> Option<String> {
        DigitQuery::parse(input)
            .ok()
            .flatten()
            .map(|query| query.as_str().to_owned())
    }

    #[test]
    fn the_separators_of_dates_and_phone_numbers_are_ignored() {
        assert_eq!(parsed("14/03/1592"), Some("14031592".to_owned()));
        assert_eq!(parsed(" 555-123.4567 "), Some("5551234567".to_owned()));
    }

    #[test]
    fn an_empty_query_is_no_query_and_no_error() {
        assert_eq!(DigitQuery::parse(""), Ok(None));
        assert_eq!(DigitQuery::parse(" - / "), Ok(None));
    }

    #[test]
    fn letters_and_more_than_fifty_digits_are_refused_with_the_reason() {
        assert_eq!(
            DigitQuery::parse("12a4"),
            Err(DigitQueryError::NotADigit('a'))
        );
        assert_eq!(
            DigitQuery::parse(&"1".repeat(51)),
            Err(DigitQueryError::TooLong(51))
        );
        assert!(parsed(&"1".repeat(50)).is_some());
        // A full-width digit is not an ASCII one.
        assert!(DigitQuery::parse("１").is_err());
    }
}
