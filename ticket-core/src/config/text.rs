//! Small text helpers shared by the configuration module: the normal form of tags, keys and
//! values, and case-insensitive comparison without allocation.

/// Brings a tag, property key or value written in `silo.json` to the domain's normal form
/// (domain spec 2, "Strings"): leading and trailing white space removed, inner runs of white
/// space collapsed to one space. Control characters and an empty result are refused with a
/// short reason.
pub(crate) fn normalise(raw: &str) -> Result<String, &'static str> {
    if raw.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return Err("must not contain control characters");
    }
    if raw.chars().any(|c| c.is_control() && c != ' ' && c != '\t') {
        // New lines, carriage returns and other control white space are not part of a
        // one-line tag, key or value either.
        return Err("must not contain line breaks or control characters");
    }
    let normal = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if normal.is_empty() {
        return Err("must not be empty");
    }
    Ok(normal)
}

/// Case-insensitive equality by Unicode lower-casing, without allocating.
pub(crate) fn eq_ci(a: &str, b: &str) -> bool {
    // first characters both ASCII and different but for case: different (an ASCII character
    // lower-cases to one ASCII character, whatever follows). Most keys a write compares with
    // the built-in ones differ there (a bulk creation made some 240 comparisons a ticket)
    if let (Some(x), Some(y)) = (a.as_bytes().first(), b.as_bytes().first()) {
        if x.is_ascii() && y.is_ascii() && !x.eq_ignore_ascii_case(y) {
            return false;
        }
    }
    // equal but for ASCII case: equal either way (the other bytes are compared as they are)
    if a.len() == b.len() && a.as_bytes().eq_ignore_ascii_case(b.as_bytes()) {
        return true;
    }
    // ASCII lower-cases alike either way (every property write compares keys: the common case)
    if a.is_ascii() && b.is_ascii() {
        return false;
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// The lower-case form used as a sort key; `lc(a) == lc(b)` exactly when `eq_ci(a, b)`
/// (both lower-case character by character, so sorting stays a total order).
pub(crate) fn lc(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_trims_and_collapses() {
        assert_eq!(normalise("  a \t  b  ").unwrap(), "a b");
        assert_eq!(normalise("x").unwrap(), "x");
    }

    #[test]
    fn normalise_refuses_empty_and_control() {
        assert_eq!(normalise("   ").unwrap_err(), "must not be empty");
        assert!(normalise("a\u{7}b").is_err());
        assert!(normalise("a\nb").is_err());
    }

    #[test]
    fn eq_ci_is_unicode_case_insensitive() {
        assert!(eq_ci("Risk", "rISK"));
        assert!(eq_ci("ÉTÉ", "été"));
        assert!(!eq_ci("risk", "risks"));
        // the Kelvin sign lower-cases to an ASCII k: not the ASCII path's to decide
        assert!(eq_ci("Bloc\u{212A}s", "blocks"));
        // and where the first characters decide: both ASCII (then different means
        // different), or one of them not
        assert!(eq_ci("\u{212A}ey", "KEY"));
        assert!(eq_ci("key", "\u{212A}EY"));
        assert!(!eq_ci("Deadline", "Review"));
        assert!(!eq_ci("", "x"));
        assert!(eq_ci("", ""));
    }

    proptest::proptest! {
        /// The ASCII shortcut answers as lower-casing every character does.
        #[test]
        fn eq_ci_agrees_with_lower_casing(a in "[a-zA-Z_ K\u{212A}é]{0,8}", b in "[a-zA-Z_ K\u{212A}é]{0,8}") {
            proptest::prop_assert_eq!(eq_ci(&a, &b), lc(&a) == lc(&b));
        }
    }
}
