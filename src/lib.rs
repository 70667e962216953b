//! culprit: from the logs an on-call engineer already has, find when the
//! incident started, rank its likely causes with evidence, and say why the
//! loud subsystems are not it.
//!
//! Pipeline, one direction:
//! [`source`] → [`format`] → [`index`] (parallel; runs [`rules`] and
//! [`patterns`] in the same pass) → [`analysis`] (signals, window, onset,
//! ranking) → [`findings`] → [`report`] or [`tui`]. Views format findings;
//! they never compute analysis. [`pipeline`] runs these steps for both the
//! command line ([`cli`]) and the TUI, so neither depends on the other's module.

pub mod analysis;
pub mod cli;
pub mod findings;
pub mod format;
pub mod hash;
pub mod index;
pub mod patterns;
pub mod pipeline;
pub mod readable;
pub mod report;
pub mod rules;
pub mod source;
pub mod text;
pub mod time;
pub mod tui;
