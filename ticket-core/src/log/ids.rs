//! Identities in the change log that two copies can make independently without clashing:
//! replica ids, change-set ids (clock + replica) and change ids (set + index).
use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

fn is_lower_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A silo copy's identity: 16 lower-case hex digits (64 random bits), made when the silo is
/// created (or cloned). It breaks ties in the replay order and names who wrote a change set.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReplicaId(String);

impl ReplicaId {
    /// A new random replica id.
    pub(crate) fn random() -> ReplicaId {
        ReplicaId(format!("{:016x}", rand::random::<u64>()))
    }
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ReplicaId {
    type Err = Error;
    fn from_str(s: &str) -> Result<ReplicaId> {
        if s.len() == 16 && is_lower_hex(s) {
            Ok(ReplicaId(s.to_string()))
        } else {
            Err(Error::invalid(
                "replica id",
                s,
                "a replica id is 16 lower-case hex digits",
            ))
        }
    }
}

impl fmt::Display for ReplicaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A change set's identity and its place in the replay order: the hybrid logical clock of
/// the writer, then the writer's replica id. Written as 32 hex digits (16 + 16); ordering
/// the ids as values or as text gives the same order.
///
/// ```
/// use ticket_core::SetId;
/// let id: SetId = "00060f1b2c3d4e5f0123456789abcdef".parse().unwrap();
/// assert_eq!(id.clock, 0x00060f1b2c3d4e5f);
/// assert_eq!(id.to_string(), "00060f1b2c3d4e5f0123456789abcdef");
/// assert!("00060f1b2c3d4e5f0123456789abcdeX".parse::<SetId>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SetId {
    /// The hybrid logical clock: microseconds since 1970, raised past every change set the
    /// writer had seen (so causality never depends on wall clocks).
    pub clock: u64,
    /// The writer.
    pub replica: ReplicaId,
}

impl FromStr for SetId {
    type Err = Error;
    fn from_str(s: &str) -> Result<SetId> {
        let bad = || {
            Error::invalid(
                "change set id",
                s,
                "a change set id is 32 lower-case hex digits",
            )
        };
        if s.len() != 32 || !is_lower_hex(s) {
            return Err(bad());
        }
        let clock = u64::from_str_radix(&s[..16], 16).map_err(|_| bad())?;
        if clock > i64::MAX as u64 {
            return Err(bad());
        }
        Ok(SetId {
            clock,
            replica: s[16..].parse()?,
        })
    }
}

impl fmt::Display for SetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}{}", self.clock, self.replica)
    }
}

/// A change record's identity: its change set and its index in the set, written as the set
/// id followed by 4 hex digits (36 in all). Entries and attachments are known by the id of
/// the record that added them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChangeId {
    /// The change set.
    pub set: SetId,
    /// The record's index in its set (0, 1, …).
    pub index: u32,
}

impl FromStr for ChangeId {
    type Err = Error;
    fn from_str(s: &str) -> Result<ChangeId> {
        if s.len() != 36 || !s.is_ascii() {
            return Err(Error::invalid(
                "change id",
                s,
                "a change id is 36 lower-case hex digits",
            ));
        }
        let set: SetId = s[..32].parse()?;
        let index = u32::from_str_radix(&s[32..], 16)
            .ok()
            .filter(|_| is_lower_hex(&s[32..]))
            .ok_or_else(|| {
                Error::invalid("change id", s, "a change id is 36 lower-case hex digits")
            })?;
        Ok(ChangeId { set, index })
    }
}

impl fmt::Display for ChangeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{:04x}", self.set, self.index)
    }
}

/// A ticket's uuid: 32 lower-case hex digits.
pub(crate) fn check_ticket_uuid(s: &str) -> Result<()> {
    if s.len() == 32 && is_lower_hex(s) {
        Ok(())
    } else {
        Err(Error::invalid(
            "ticket uuid",
            s,
            "a ticket uuid is 32 lower-case hex digits",
        ))
    }
}

/// An attachment's content hash: 64 lower-case hex digits.
pub(crate) fn check_sha256(s: &str) -> Result<()> {
    if s.len() == 64 && is_lower_hex(s) {
        Ok(())
    } else {
        Err(Error::invalid(
            "sha256",
            s,
            "a content hash is 64 lower-case hex digits",
        ))
    }
}
