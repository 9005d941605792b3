//! The `numbering` section (domain spec 5): simple decimal numbers or a full-period linear
//! congruential sequence rendered in base 36.

use serde::{Deserialize, Serialize};

/// How new ticket numbers are made. Default: simple numbering from 1, no prefix, no padding.
///
/// In `silo.json` this is one object with a `mode` field:
/// `{"mode": "simple", "prefix": "", "start": 1, "width": 0}` or
/// `{"mode": "lcg", "a": A, "c": C, "m": M, "width": 0, "prefix": ""}`. `mode` may be left
/// out (simple); a field that belongs to the other mode is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "NumberingSpec", into = "NumberingSpec")]
pub enum Numbering {
    /// Decimal numbers counting up.
    Simple(SimpleNumbering),
    /// A linear congruential sequence in base 36.
    Lcg(LcgNumbering),
}

impl Default for Numbering {
    fn default() -> Self {
        Numbering::Simple(SimpleNumbering::default())
    }
}

/// Simple numbering: `prefix` + `start`, `start + 1`, … in decimal, zero-padded to `width`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleNumbering {
    /// Characters `0-9A-Z` put before every number (may be empty).
    pub prefix: String,
    /// The first number issued.
    pub start: u64,
    /// Minimum number of digits (zero-padded on the left); 0 means no padding.
    pub width: u32,
}

impl Default for SimpleNumbering {
    fn default() -> Self {
        SimpleNumbering {
            prefix: String::new(),
            start: 1,
            width: 0,
        }
    }
}

/// LCG numbering: x' = (a·x + c) mod m, rendered in base 36 (`0-9A-Z`), zero-padded to
/// `width`, after `prefix`. Validation guarantees full period (Hull–Dobell), `1 ≤ a < m`,
/// `1 ≤ c < m` and `m ≥ 2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LcgNumbering {
    /// Multiplier.
    pub a: u64,
    /// Increment.
    pub c: u64,
    /// Modulus: the number of distinct numbers before the sequence is exhausted.
    pub m: u64,
    /// Minimum number of base-36 digits (zero-padded on the left); 0 means no padding.
    pub width: u32,
    /// Characters `0-9A-Z` put before every number (may be empty).
    pub prefix: String,
}

impl LcgNumbering {
    /// The successor of `x` in the sequence. Computed in 128 bits, so it never overflows
    /// for any `x < m` and any `a, c < m ≤ u64::MAX`.
    pub fn next(&self, x: u64) -> u64 {
        ((u128::from(self.a) * u128::from(x) + u128::from(self.c)) % u128::from(self.m)) as u64
    }
}

impl Numbering {
    /// The configured prefix.
    pub fn prefix(&self) -> &str {
        match self {
            Numbering::Simple(s) => &s.prefix,
            Numbering::Lcg(l) => &l.prefix,
        }
    }

    /// The configured width (0 = no padding).
    pub fn width(&self) -> u32 {
        match self {
            Numbering::Simple(s) => s.width,
            Numbering::Lcg(l) => l.width,
        }
    }

    /// Renders the internal value `x` as a ticket number: prefix, then `x` in decimal (simple)
    /// or base 36 (LCG), left-padded with `0` to the width.
    ///
    /// ```
    /// use ticket_core::{Numbering, LcgNumbering, SimpleNumbering};
    /// let simple = Numbering::Simple(SimpleNumbering { prefix: "T".into(), start: 1, width: 4 });
    /// assert_eq!(simple.render(42), "T0042");
    /// let lcg = Numbering::Lcg(LcgNumbering { a: 37, c: 1, m: 1296, width: 2, prefix: String::new() });
    /// assert_eq!(lcg.render(35), "0Z");
    /// ```
    pub fn render(&self, x: u64) -> String {
        let digits = match self {
            Numbering::Simple(_) => x.to_string(),
            Numbering::Lcg(_) => to_base36(x),
        };
        let width = self.width() as usize;
        format!("{}{:0>width$}", self.prefix(), digits)
    }
}

/// `x` in base 36 with digits `0-9A-Z`.
pub(crate) fn to_base36(mut x: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    if x == 0 {
        return "0".to_string();
    }
    let mut out = Vec::new();
    while x > 0 {
        out.push(DIGITS[(x % 36) as usize]);
        x /= 36;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII digits")
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Checks the Hull–Dobell full-period conditions for `x' = (a·x + c) mod m`. Returns the
/// first broken condition as `(field, message)`.
// `is_multiple_of` is newer than the workspace's rust-version (1.85).
#[allow(clippy::manual_is_multiple_of)]
pub(crate) fn hull_dobell(a: u64, c: u64, m: u64) -> Result<(), (&'static str, String)> {
    if m < 2 {
        return Err(("m", format!("m = {m}: expected m ≥ 2")));
    }
    if a == 0 || a >= m {
        return Err(("a", format!("a = {a}: expected 1 ≤ a < m (m = {m})")));
    }
    if c == 0 || c >= m {
        return Err(("c", format!("c = {c}: expected 1 ≤ c < m (m = {m})")));
    }
    let g = gcd(c, m);
    if g != 1 {
        return Err((
            "c",
            format!(
                "c = {c} and m = {m} share the factor {g}: expected c and m coprime \
                 (Hull–Dobell, needed for a full period)"
            ),
        ));
    }
    let a1 = a - 1;
    // Remove from m every prime factor it shares with a − 1; whatever remains is made of
    // primes that do not divide a − 1.
    let mut rest = m;
    loop {
        let d = gcd(rest, a1);
        if d == 1 {
            break;
        }
        rest /= d;
    }
    if rest != 1 {
        let prime = small_prime_factor(rest);
        let which = match prime {
            Some(p) => format!("the prime factor {p} of m"),
            None => format!("a prime factor of m (one dividing {rest})"),
        };
        return Err((
            "a",
            format!(
                "a − 1 = {a1} is not divisible by {which}: expected a − 1 divisible by every \
                 prime factor of m = {m} (Hull–Dobell, needed for a full period)"
            ),
        ));
    }
    if m % 4 == 0 && a1 % 4 != 0 {
        return Err((
            "a",
            format!(
                "m = {m} is divisible by 4 but a − 1 = {a1} is not: expected a − 1 divisible by 4 \
                 (Hull–Dobell, needed for a full period)"
            ),
        ));
    }
    Ok(())
}

/// The smallest prime factor of `n` if it is below a search bound (for error messages only).
#[allow(clippy::manual_is_multiple_of)]
fn small_prime_factor(n: u64) -> Option<u64> {
    let mut p = 2u64;
    while p <= 1_000_000 && p.saturating_mul(p) <= n {
        if n % p == 0 {
            return Some(p);
        }
        p += if p == 2 { 1 } else { 2 };
    }
    // No factor below the bound: n itself is prime if the bound covered its square root.
    if n > 1 && (p.saturating_mul(p) > n) {
        return Some(n);
    }
    None
}

/// The file format of `numbering`: one flat object, checked into [`Numbering`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NumberingSpec {
    #[serde(default)]
    mode: Mode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    a: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    m: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    start: Option<u64>,
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    width: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Mode {
    #[default]
    Simple,
    Lcg,
}

impl TryFrom<NumberingSpec> for Numbering {
    type Error = String;

    fn try_from(spec: NumberingSpec) -> Result<Self, Self::Error> {
        match spec.mode {
            Mode::Simple => {
                for (name, present) in [("a", spec.a), ("c", spec.c), ("m", spec.m)] {
                    if present.is_some() {
                        return Err(format!(
                            "field `{name}` belongs to mode \"lcg\", not to mode \"simple\""
                        ));
                    }
                }
                Ok(Numbering::Simple(SimpleNumbering {
                    prefix: spec.prefix,
                    start: spec.start.unwrap_or(1),
                    width: spec.width,
                }))
            }
            Mode::Lcg => {
                if spec.start.is_some() {
                    return Err(
                        "field `start` belongs to mode \"simple\"; mode \"lcg\" starts at a \
                         random point"
                            .to_string(),
                    );
                }
                let missing: Vec<&str> = [("a", spec.a), ("c", spec.c), ("m", spec.m)]
                    .iter()
                    .filter(|(_, v)| v.is_none())
                    .map(|(n, _)| *n)
                    .collect();
                if !missing.is_empty() {
                    return Err(format!(
                        "mode \"lcg\" needs the fields `a`, `c` and `m`; missing: `{}`",
                        missing.join("`, `")
                    ));
                }
                Ok(Numbering::Lcg(LcgNumbering {
                    a: spec.a.unwrap_or_default(),
                    c: spec.c.unwrap_or_default(),
                    m: spec.m.unwrap_or_default(),
                    width: spec.width,
                    prefix: spec.prefix,
                }))
            }
        }
    }
}

impl From<Numbering> for NumberingSpec {
    fn from(n: Numbering) -> Self {
        match n {
            Numbering::Simple(s) => NumberingSpec {
                mode: Mode::Simple,
                start: Some(s.start),
                prefix: s.prefix,
                width: s.width,
                ..NumberingSpec::default()
            },
            Numbering::Lcg(l) => NumberingSpec {
                mode: Mode::Lcg,
                a: Some(l.a),
                c: Some(l.c),
                m: Some(l.m),
                start: None,
                prefix: l.prefix,
                width: l.width,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Walks the whole sequence: every value in [0, m) appears exactly once.
    fn has_full_period(a: u64, c: u64, m: u64) -> bool {
        let lcg = LcgNumbering {
            a,
            c,
            m,
            width: 0,
            prefix: String::new(),
        };
        let mut seen = vec![false; m as usize];
        let mut x = 0;
        for _ in 0..m {
            if seen[x as usize] {
                return false;
            }
            seen[x as usize] = true;
            x = lcg.next(x);
        }
        x == 0
    }

    #[test]
    fn hull_dobell_agrees_with_brute_force_on_small_moduli() {
        for m in 2..=64u64 {
            for a in 1..m {
                for c in 1..m {
                    assert_eq!(
                        hull_dobell(a, c, m).is_ok(),
                        has_full_period(a, c, m),
                        "a={a} c={c} m={m}"
                    );
                }
            }
        }
    }

    #[test]
    fn next_does_not_overflow_near_u64_max() {
        let m = u64::MAX; // odd; prime factors 3, 5, 17, 257, 641, 65537, 6700417
        let lcg = LcgNumbering {
            a: m - 1,
            c: 1,
            m,
            width: 0,
            prefix: String::new(),
        };
        // (m − 1)² ≡ 1 (mod m), so the successor of m − 1 is 1 + c = 2.
        assert_eq!(lcg.next(m - 1), 2);
        assert_eq!(lcg.next(0), 1);
    }

    #[test]
    fn base36_rendering() {
        assert_eq!(to_base36(0), "0");
        assert_eq!(to_base36(35), "Z");
        assert_eq!(to_base36(36), "10");
        assert_eq!(to_base36(u64::MAX), "3W5E11264SGSF");
    }

    #[test]
    fn small_prime_factor_names_primes() {
        assert_eq!(small_prime_factor(9), Some(3));
        assert_eq!(small_prime_factor(13), Some(13));
        assert_eq!(small_prime_factor(1_000_003 * 1_000_033), None);
    }
}
