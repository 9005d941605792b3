//! The same generated tickets for the peers: Taskwarrior 2.6 (`task import` JSON) and Fossil
//! (`fossil ticket add` into a repository with a ticket table that has our fields).

pub mod fossil;
pub mod taskwarrior;
