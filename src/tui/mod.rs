//! The TUI: triage, evidence, log and patterns views over an index and its findings.

use crate::findings::Findings;
use crate::index::Index;

/// Runs the interactive UI until the user quits.
pub fn run(_index: Index, _findings: Findings) -> anyhow::Result<()> {
    anyhow::bail!("the TUI is not built yet; use `culprit report`")
}
