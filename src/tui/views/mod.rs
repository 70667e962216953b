//! One module per view: what it draws and how it handles its keys.

mod evidence;
mod log;
mod patterns;
mod triage;

/// What every view draws with.
mod prelude {
    pub(super) use crate::findings::{Cause, Verdict};
    pub(super) use crate::format::Level;
    pub(super) use crate::text::{escape_str, truncate_chars};
    pub(super) use crate::time::{clock, human_duration, Millis};
    pub(super) use crate::tui::app::{Action, App, EvRow, ListState, View, CONTEXT};
    pub(super) use crate::tui::chart;
    pub(super) use crate::tui::draw::*;
    pub(super) use crate::tui::Loaded;
    pub(super) use ratatui::layout::{Constraint, Layout, Rect};
    pub(super) use ratatui::style::Style;
    pub(super) use ratatui::text::{Line, Span};
    pub(super) use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
    pub(super) use ratatui::Frame;
}
