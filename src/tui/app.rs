//! UI state. It changes only through [`App::apply`], so tests drive every
//! screen without a terminal; drawing (`draw.rs`) only reads it.

use super::logview::{LogState, Pattern, Step};
use crate::findings::{Cause, Findings};
use crate::index::Index;
use crate::time::{Millis, TimeSpec};

/// Records scanned per step of filter/search work: a few milliseconds, so keys stay responsive.
pub const WORK_BUDGET: usize = 50_000;
/// Lines of merged log shown before and after each evidence line.
pub const CONTEXT: usize = 2;

/// Everything the worker produces: the index, its findings, and the merged time order.
pub struct Loaded {
    pub index: Index,
    pub findings: Findings,
    /// Record ids in time order (`Index::time_order`).
    pub order: Vec<u32>,
    /// Inverse of `order`: record id → position.
    pub pos: Vec<u32>,
}

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Loaded({} records, {} causes)", self.index.records.len(), self.findings.causes.len())
    }
}

impl Loaded {
    pub fn new(index: Index, findings: Findings) -> Loaded {
        let order = index.time_order();
        Loaded::with_order(index, findings, order)
    }

    pub fn with_order(index: Index, findings: Findings, order: Vec<u32>) -> Loaded {
        let mut pos = vec![0u32; order.len()];
        for (p, &id) in order.iter().enumerate() {
            if let Some(slot) = pos.get_mut(id as usize) {
                *slot = p as u32;
            }
        }
        Loaded { index, findings, order, pos }
    }

    /// Merged position of a record id.
    pub fn pos_of(&self, id: u32) -> Option<u32> {
        self.pos.get(id as usize).copied()
    }

    /// The record holding physical line `line` of the input shown as `path`:
    /// for evidence that carries no record id (findings read back from JSON).
    pub fn record_at_line(&self, path: &str, line: u64) -> Option<u32> {
        let sid = self.index.sources.iter().position(|s| s.display() == path)? as u32;
        // A source's records are contiguous and in line order: the last one starting at or before `line`.
        let range = self.index.records.source_range(sid)?;
        let (mut lo, mut hi) = (range.start, range.end);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.index.line_of(mid) as u64 <= line {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo > range.start).then(|| (lo - 1) as u32)
    }

    /// `path:line` of a record, as `y` copies it.
    pub fn reference(&self, id: usize) -> String {
        format!("{}:{}", self.index.path_of(id), self.index.line_of(id))
    }
}

/// Where the worker is while loading.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    /// What it is doing ("indexing 3 inputs (1.2 GB)").
    pub stage: String,
    /// 0..1.
    pub ratio: f64,
    pub elapsed_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Triage,
    Evidence,
    Log,
    Patterns,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prompt {
    Search,
    FilterIn,
    FilterOut,
    Time,
}

impl Prompt {
    pub fn label(&self) -> &'static str {
        match self {
            Prompt::Search => "/",
            Prompt::FilterIn => "filter in (regex): ",
            Prompt::FilterOut => "filter out (regex): ",
            Prompt::Time => "jump to time (15:30, 15:30:05, RFC 3339, -10m): ",
        }
    }
}

/// Everything that can change the UI state.
#[derive(Debug)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Left,
    Right,
    LineStart,
    Enter,
    Back,
    Quit,
    ToggleHelp,
    GoView(View),
    NextView,
    NextMatch,
    PrevMatch,
    NextError,
    PrevError,
    OpenPrompt(Prompt),
    PromptChar(char),
    PromptBackspace,
    PromptSubmit,
    PromptCancel,
    ToggleWrap,
    ToggleDetail,
    CycleLevel,
    CycleSource,
    CycleHost,
    ClearFilters,
    JumpOnset,
    CopyRef,
    ToggleFollow,
    ToggleRaw,
    Resize(u16, u16),
    /// Run a bounded step of pending filter/search work.
    Work,
    Progress(Progress),
    Loaded(Box<Loaded>),
    /// Follow mode re-read the inputs: new index and findings, view kept.
    Reloaded(Box<Loaded>, Vec<String>),
    LoadFailed(String),
    /// A message from the worker for the status bar (rotation, truncation).
    Notice(String),
}

/// One row of the evidence view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvRow {
    /// Heading of evidence `n` (index into the cause's evidence).
    Header(usize),
    /// A merged-log line; `evidence` marks the evidence line itself.
    Line { pos: u32, evidence: bool },
    /// Evidence that carries no record id: its stored text is shown.
    Text(usize),
}

#[derive(Clone, Debug, Default)]
pub struct ListState {
    pub cursor: usize,
    pub top: usize,
}

pub struct App {
    pub loaded: Option<Loaded>,
    pub progress: Progress,
    pub error: Option<String>,
    /// The inputs as named on the command line (shown while loading).
    pub inputs: Vec<String>,
    pub view: View,
    pub back: Vec<View>,
    pub help: bool,
    /// Selected cause in the triage view.
    pub cause: usize,
    pub ev_rows: Vec<EvRow>,
    /// What the selected cause's signals match, highlighted in its evidence lines.
    pub ev_highlight: Option<regex::Regex>,
    pub ev: ListState,
    pub pat: ListState,
    pub log: LogState,
    pub prompt: Option<(Prompt, String)>,
    pub status: String,
    pub quit: bool,
    /// Colour styles allowed (false under `NO_COLOR`).
    pub color: bool,
    pub width: u16,
    pub height: u16,
    pub follow: bool,
    /// Raw lines instead of structured ones read as `time level service: message key=value` (`r`).
    pub raw: bool,
    /// Text for the terminal clipboard (OSC 52); the event loop takes it.
    pub clipboard: Option<String>,
    /// `--tz`: how times typed at the `t` prompt are read.
    pub zone: crate::time::LocalZone,
}

impl App {
    pub fn new(inputs: Vec<String>, width: u16, height: u16, color: bool) -> App {
        App {
            loaded: None,
            progress: Progress { stage: "starting".into(), ratio: 0.0, elapsed_ms: 0 },
            error: None,
            inputs,
            view: View::Triage,
            back: Vec::new(),
            help: false,
            cause: 0,
            ev_rows: Vec::new(),
            ev_highlight: None,
            ev: ListState::default(),
            pat: ListState::default(),
            log: LogState::default(),
            prompt: None,
            status: String::new(),
            quit: false,
            color,
            width,
            height,
            follow: false,
            raw: false,
            clipboard: None,
            zone: crate::time::LocalZone::Utc,
        }
    }

    /// An app with its data already loaded (tests, benches).
    pub fn with_loaded(loaded: Loaded, width: u16, height: u16, color: bool) -> App {
        let inputs = loaded.index.inputs.iter().map(|i| i.path.clone()).collect();
        let mut app = App::new(inputs, width, height, color);
        app.apply(Action::Loaded(Box::new(loaded)));
        app
    }

    /// Whether filter or search work is pending.
    pub fn busy(&self) -> bool {
        self.loaded.is_some() && (self.log.building.is_some() || self.log.search_job.is_some())
    }

    /// Runs pending work to completion (tests).
    pub fn settle(&mut self) {
        while self.busy() {
            self.apply(Action::Work);
        }
    }

    pub fn selected_cause(&self) -> Option<&Cause> {
        self.loaded.as_ref()?.findings.causes.get(self.cause)
    }

    /// Rows of the log list on screen (the layout in `draw.rs` uses the same sum).
    pub fn log_height(&self) -> usize {
        let detail = if self.log.detail { self.detail_height() } else { 0 };
        // Title, status and footer lines, and the detail pane when open.
        (self.height as usize).saturating_sub(3 + detail).max(1)
    }

    pub fn detail_height(&self) -> usize {
        (self.height as usize / 3).max(4)
    }

    /// Title, info, status and footer lines around the list, and the detail pane when open.
    pub fn ev_height(&self) -> usize {
        let detail = if self.log.detail { self.detail_height() } else { 0 };
        (self.height as usize).saturating_sub(4 + detail).max(1)
    }

    /// Title, column heads, status and footer lines around the list.
    pub fn pat_height(&self) -> usize {
        (self.height as usize).saturating_sub(4).max(1)
    }

    /// Applies one action. Returns whether anything visible may have changed.
    pub fn apply(&mut self, action: Action) -> bool {
        match action {
            Action::Resize(w, h) => {
                self.width = w;
                self.height = h;
                self.scroll_into_view();
                return true;
            }
            Action::Progress(p) => {
                self.progress = p;
                return self.loaded.is_none();
            }
            Action::Loaded(ld) => {
                self.loaded = Some(*ld);
                self.error = None;
                self.cause = 0;
                self.status = self.loaded_status();
                self.log = LogState { wrap: self.log.wrap, ..LogState::default() };
                if self.view == View::Evidence {
                    self.build_evidence();
                }
                return true;
            }
            Action::Reloaded(ld, notices) => {
                self.reload(*ld, notices);
                return true;
            }
            Action::LoadFailed(e) => {
                self.error = Some(e);
                return true;
            }
            Action::Notice(n) => {
                self.status = n;
                return true;
            }
            Action::Work => return self.work(),
            _ => {}
        }
        if let Some((kind, mut text)) = self.prompt.take() {
            match action {
                Action::PromptChar(c) => {
                    text.push(c);
                    self.prompt = Some((kind, text));
                }
                Action::PromptBackspace => {
                    text.pop();
                    self.prompt = Some((kind, text));
                }
                Action::PromptSubmit => self.submit(kind, text),
                Action::PromptCancel | Action::Back => {}
                Action::Quit => self.quit = true,
                _ => self.prompt = Some((kind, text)),
            }
            return true;
        }
        if self.help {
            match action {
                Action::Quit => self.quit = true,
                Action::ToggleHelp | Action::Back | Action::Enter => self.help = false,
                _ => {}
            }
            return true;
        }
        match action {
            Action::Quit => self.quit = true,
            Action::ToggleHelp => self.help = true,
            Action::Back => self.go_back(),
            Action::GoView(v) => self.open(v),
            Action::NextView => {
                let next = match self.view {
                    View::Triage | View::Evidence => View::Log,
                    View::Log => View::Patterns,
                    View::Patterns => View::Triage,
                };
                self.open(next);
            }
            Action::ToggleRaw => {
                self.raw = !self.raw;
                self.status = if self.raw {
                    "raw lines (r: structured lines as time level service: message key=value)".into()
                } else {
                    "structured lines as time level service: message key=value (r: raw)".into()
                };
            }
            Action::ToggleFollow => {
                self.follow = !self.follow;
                self.status = if self.follow {
                    "follow: on — new lines and refreshed findings appear as the inputs grow".into()
                } else {
                    "follow: off".into()
                };
            }
            Action::JumpOnset if self.loaded.is_some() => {
                // From any view: the merged log at the incident's onset.
                self.open(View::Log);
                self.jump_onset();
            }
            Action::OpenPrompt(p) => {
                if self.loaded.is_none() {
                    self.status = "still loading…".into();
                } else {
                    // From the patterns view a search is over the whole log, not the lines of the
                    // pattern opened there before.
                    if self.view == View::Patterns && self.log.filters.template.take().is_some() {
                        if let Some(ld) = self.loaded.as_ref() {
                            self.log.refilter(ld);
                        }
                    }
                    if self.view != View::Log {
                        self.open(View::Log);
                    }
                    self.prompt = Some((p, String::new()));
                }
            }
            other => {
                if self.loaded.is_none() {
                    return false;
                }
                match self.view {
                    View::Triage => self.triage_action(other),
                    View::Evidence => self.evidence_action(other),
                    View::Log => self.log_action(other),
                    View::Patterns => self.patterns_action(other),
                }
            }
        }
        self.scroll_into_view();
        true
    }

    pub(crate) fn loaded_status(&self) -> String {
        let Some(ld) = &self.loaded else { return String::new() };
        let n = ld.index.records.len();
        let mut s = format!(
            "{} from {}",
            crate::text::counted(n as u64, "record"),
            crate::text::counted(ld.index.inputs.len() as u64, "input")
        );
        if let Some(note) = ld.findings.notices.first() {
            s.push_str(" · ");
            s.push_str(note);
        }
        s
    }

    pub(crate) fn open(&mut self, v: View) {
        if v == self.view {
            return;
        }
        if v == View::Evidence {
            self.build_evidence();
        }
        // Hopping between views with 1/2/3 must not grow the back stack forever.
        if self.back.len() >= 32 {
            self.back.remove(0);
        }
        self.back.push(self.view);
        self.view = v;
    }

    pub(crate) fn go_back(&mut self) {
        match self.back.pop() {
            Some(v) => {
                self.view = v;
                if v == View::Evidence {
                    self.build_evidence();
                }
            }
            None if self.view != View::Triage => self.view = View::Triage,
            None => {}
        }
    }

    pub(crate) fn jump_onset(&mut self) {
        let Some(ld) = self.loaded.as_ref() else { return };
        match ld.findings.incident.as_ref().map(|i| i.onset) {
            Some(onset) => {
                self.goto_time(onset);
                self.status = format!("onset {}", crate::time::rfc3339(onset));
            }
            None => self.status = "no incident onset in the findings".into(),
        }
    }

    pub(crate) fn goto_time(&mut self, t: Millis) {
        let Some(ld) = self.loaded.as_ref() else { return };
        let pos = LogState::pos_of_time(ld, t);
        self.log.goto_pos(ld, pos);
        // Put the target near the top third so the lines before it are visible too.
        self.log.top = self.log.cursor.saturating_sub(self.log_height() / 3);
    }

    pub(crate) fn submit(&mut self, kind: Prompt, text: String) {
        let Some(ld) = self.loaded.as_ref() else { return };
        match kind {
            Prompt::Search | Prompt::FilterIn | Prompt::FilterOut if text.is_empty() => match kind {
                Prompt::FilterIn => {
                    self.log.filters.include = None;
                    self.log.refilter(ld);
                }
                Prompt::FilterOut => {
                    self.log.filters.exclude = None;
                    self.log.refilter(ld);
                }
                _ => self.log.search = None,
            },
            Prompt::Search | Prompt::FilterIn | Prompt::FilterOut => match Pattern::new(&text) {
                Err(e) => self.status = e,
                Ok(p) => match kind {
                    Prompt::Search => {
                        self.log.search = Some(p);
                        // A new pattern may match the line under the cursor already.
                        self.log.start_search_here();
                        self.status = format!("searching /{text}…");
                    }
                    Prompt::FilterIn => {
                        self.log.filters.include = Some(p);
                        self.log.refilter(ld);
                    }
                    _ => {
                        self.log.filters.exclude = Some(p);
                        self.log.refilter(ld);
                    }
                },
            },
            Prompt::Time => {
                let zone = self.zone.clone();
                match TimeSpec::parse(&text, &zone) {
                    Err(e) => self.status = e,
                    Ok(spec) => {
                        let Some((lo, hi)) = ld.index.time_span() else {
                            self.status = "no timestamps in the inputs".into();
                            return;
                        };
                        let t = spec.resolve(lo, hi, &zone);
                        self.goto_time(t);
                        self.status = format!("jumped to {}", crate::time::rfc3339(t));
                    }
                }
            }
        }
        self.work();
        self.scroll_into_view();
    }

    /// One bounded step of filter/search work.
    pub(crate) fn work(&mut self) -> bool {
        let Some(ld) = self.loaded.as_ref() else { return false };
        match self.log.work(ld, WORK_BUDGET) {
            Step::Idle => false,
            Step::Busy => true,
            Step::Done(msg) => {
                self.status = msg;
                self.center_cursor_if_hidden();
                true
            }
        }
    }

    pub(crate) fn center_cursor_if_hidden(&mut self) {
        let h = self.log_height();
        if self.log.cursor < self.log.top || self.log.cursor >= self.log.top + h {
            self.log.top = self.log.cursor.saturating_sub(h / 3);
        }
    }

    pub(crate) fn reload(&mut self, ld: Loaded, notices: Vec<String>) {
        let old = self.loaded.as_ref();
        let at_end = old.is_some_and(|o| self.log.cursor + 1 >= self.log.row_count(o));
        // Keep the cursor on the same time after re-reading (record ids shift when an earlier input grows).
        let keep_t = old
            .and_then(|o| self.log.selected(o).map(|id| o.index.records.ts(id)))
            .filter(|&t| t != crate::time::NO_TIME);
        let ncauses = ld.findings.causes.len();
        let filtered = !self.log.filters.is_empty();
        self.loaded = Some(ld);
        self.cause = self.cause.min(ncauses.saturating_sub(1));
        let Some(ld) = self.loaded.as_ref() else { return };
        if filtered {
            self.log.refilter(ld);
        } else {
            self.log.rows = None;
            self.log.search_job = None;
        }
        let n = self.log.row_count(ld);
        if at_end {
            self.log.goto_pos(ld, ld.order.len() as u32);
            self.log.cursor = n.saturating_sub(1);
        } else if let Some(t) = keep_t {
            let pos = LogState::pos_of_time(ld, t);
            self.log.goto_pos(ld, pos);
        }
        self.status = if notices.is_empty() {
            format!("follow: {}", crate::text::counted(ld.index.records.len() as u64, "record"))
        } else {
            notices.join(" · ")
        };
        if self.view == View::Evidence {
            self.build_evidence();
        }
        self.scroll_into_view();
    }

    /// Keeps each list's cursor on screen by moving its top.
    pub(crate) fn scroll_into_view(&mut self) {
        fn fit(l: &mut ListState, n: usize, h: usize) {
            l.cursor = l.cursor.min(n.saturating_sub(1));
            if l.cursor < l.top {
                l.top = l.cursor;
            } else if l.cursor >= l.top + h {
                l.top = l.cursor + 1 - h;
            }
            l.top = l.top.min(n.saturating_sub(1));
        }
        let (lh, eh, ph) = (self.log_height(), self.ev_height(), self.pat_height());
        fit(&mut self.ev, self.ev_rows.len(), eh);
        let np = self.loaded.as_ref().map_or(0, |l| l.findings.patterns.len());
        fit(&mut self.pat, np, ph);
        if let Some(ld) = self.loaded.as_ref() {
            let n = self.log.row_count(ld);
            let mut l = ListState { cursor: self.log.cursor, top: self.log.top };
            fit(&mut l, n, lh);
            self.log.cursor = l.cursor;
            self.log.top = l.top;
        }
    }
}
