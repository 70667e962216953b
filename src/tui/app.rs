//! UI state. It changes only through [`App::apply`], so tests drive every
//! screen without a terminal; drawing (`draw.rs`) only reads it.

use super::logview::{LogState, Pattern, Step};
use crate::findings::{Cause, Findings};
use crate::format::Level;
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

    /// Title, info, status and footer lines around the list.
    pub fn ev_height(&self) -> usize {
        (self.height as usize).saturating_sub(4).max(1)
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

    fn loaded_status(&self) -> String {
        let Some(ld) = &self.loaded else { return String::new() };
        let n = ld.index.records.len();
        let mut s = format!(
            "{} from {}",
            crate::report::counted(n as u64, "record"),
            crate::report::counted(ld.index.inputs.len() as u64, "input")
        );
        if let Some(note) = ld.findings.notices.first() {
            s.push_str(" · ");
            s.push_str(note);
        }
        s
    }

    fn open(&mut self, v: View) {
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

    fn go_back(&mut self) {
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

    fn triage_action(&mut self, a: Action) {
        let n = self.loaded.as_ref().map_or(0, |l| l.findings.causes.len());
        match a {
            Action::Up => self.cause = self.cause.saturating_sub(1),
            Action::Down => self.cause = (self.cause + 1).min(n.saturating_sub(1)),
            Action::Top => self.cause = 0,
            Action::Bottom => self.cause = n.saturating_sub(1),
            Action::Enter if n > 0 => self.open(View::Evidence),
            Action::Enter => self.status = "no causes to show: the log view (2) has every line".into(),
            _ => {}
        }
    }

    /// Lays out the selected cause's evidence with merged-log context around each line.
    pub fn build_evidence(&mut self) {
        self.ev_rows.clear();
        self.ev = ListState::default();
        let Some(ld) = &self.loaded else { return };
        let Some(cause) = ld.findings.causes.get(self.cause) else { return };
        self.ev_highlight = signal_regex(ld, cause);
        let n = ld.order.len();
        for (i, e) in cause.evidence.iter().enumerate() {
            self.ev_rows.push(EvRow::Header(i));
            let record = e.record.or_else(|| ld.record_at_line(&e.path, e.line));
            match record.and_then(|r| ld.pos_of(r)) {
                Some(p) => {
                    let p = p as usize;
                    for q in p.saturating_sub(CONTEXT)..(p + CONTEXT + 1).min(n) {
                        self.ev_rows.push(EvRow::Line { pos: q as u32, evidence: q == p });
                    }
                }
                None => self.ev_rows.push(EvRow::Text(i)),
            }
        }
        self.ev.cursor = self.ev_rows.iter().position(is_evidence_row).unwrap_or(0);
        self.ev.top = 0;
    }

    fn evidence_action(&mut self, a: Action) {
        let n = self.ev_rows.len();
        let page = self.ev_height();
        let c = &mut self.ev.cursor;
        match a {
            Action::Up => *c = c.saturating_sub(1),
            Action::Down => *c = (*c + 1).min(n.saturating_sub(1)),
            Action::PageUp => *c = c.saturating_sub(page),
            Action::PageDown => *c = (*c + page).min(n.saturating_sub(1)),
            Action::Top => *c = 0,
            Action::Bottom => *c = n.saturating_sub(1),
            Action::NextMatch => {
                match self.ev_rows.iter().skip(*c + 1).position(is_evidence_row) {
                    Some(d) => *c += d + 1,
                    None => self.status = "last evidence line".into(),
                };
            }
            Action::PrevMatch => match self.ev_rows[..(*c).min(n)].iter().rposition(is_evidence_row) {
                Some(i) => *c = i,
                None => self.status = "first evidence line".into(),
            },
            Action::Enter => {
                let pos = match self.ev_rows.get(*c) {
                    Some(EvRow::Line { pos, .. }) => Some(*pos),
                    // On a heading: its evidence line (the context before it may be cut at the start of the log).
                    Some(EvRow::Header(_)) => self.ev_rows[*c + 1..].iter().find_map(|r| match r {
                        EvRow::Line { pos, evidence: true } => Some(*pos),
                        _ => None,
                    }),
                    _ => None,
                };
                if let (Some(pos), Some(ld)) = (pos, self.loaded.as_ref()) {
                    self.log.goto_pos(ld, pos);
                    self.log.top = self.log.cursor.saturating_sub(self.log_height() / 2);
                    self.open(View::Log);
                }
            }
            Action::CopyRef => {
                if let (Some(EvRow::Line { pos, .. }), Some(ld)) = (self.ev_rows.get(*c), self.loaded.as_ref()) {
                    if let Some(&id) = ld.order.get(*pos as usize) {
                        let r = ld.reference(id as usize);
                        self.status = format!("copied {r}");
                        self.clipboard = Some(r);
                    }
                }
            }
            Action::Left => self.log.hscroll = self.log.hscroll.saturating_sub(8),
            Action::Right => self.log.hscroll += 8,
            Action::LineStart => self.log.hscroll = 0,
            Action::ToggleWrap => self.log.wrap = !self.log.wrap,
            _ => {}
        }
    }

    fn patterns_action(&mut self, a: Action) {
        let Some(ld) = &self.loaded else { return };
        let n = ld.findings.patterns.len();
        let page = self.pat_height();
        let c = &mut self.pat.cursor;
        match a {
            Action::Up => *c = c.saturating_sub(1),
            Action::Down => *c = (*c + 1).min(n.saturating_sub(1)),
            Action::PageUp => *c = c.saturating_sub(page),
            Action::PageDown => *c = (*c + page).min(n.saturating_sub(1)),
            Action::Top => *c = 0,
            Action::Bottom => *c = n.saturating_sub(1),
            Action::Enter => {
                let Some(p) = ld.findings.patterns.get(*c) else { return };
                let id = p.id.clone();
                match ld.index.templates.templates.iter().position(|t| t.id == id) {
                    Some(t) => {
                        self.log.filters = Default::default();
                        self.log.filters.template = Some(t as u32);
                        self.log.refilter(ld);
                        self.open(View::Log);
                        self.status = format!("lines of pattern {id}");
                        self.work();
                    }
                    None => self.status = format!("pattern {id} is not in the index"),
                }
            }
            _ => {}
        }
    }

    fn log_action(&mut self, a: Action) {
        let Some(ld) = self.loaded.as_ref() else { return };
        let n = self.log.row_count(ld);
        let page = self.log_height();
        let log = &mut self.log;
        let last = n.saturating_sub(1);
        match a {
            Action::Up => log.cursor = log.cursor.saturating_sub(1),
            Action::Down => log.cursor = (log.cursor + 1).min(last),
            Action::PageUp => log.cursor = log.cursor.saturating_sub(page),
            Action::PageDown => log.cursor = (log.cursor + page).min(last),
            Action::Top => log.cursor = 0,
            Action::Bottom => log.cursor = last,
            Action::Left => log.hscroll = log.hscroll.saturating_sub(8),
            Action::Right => log.hscroll += 8,
            Action::LineStart => log.hscroll = 0,
            Action::ToggleWrap => {
                log.wrap = !log.wrap;
                self.status = format!("wrap: {}", if log.wrap { "on" } else { "off" });
            }
            Action::ToggleDetail => log.detail = !log.detail,
            Action::NextMatch | Action::PrevMatch => {
                if log.search.is_none() {
                    self.status = "no search yet: press / to search".into();
                } else {
                    log.start_search(ld, matches!(a, Action::NextMatch));
                    self.work();
                }
            }
            Action::CycleLevel => {
                log.filters.level = match log.filters.level {
                    None => Some(Level::Warn),
                    Some(Level::Warn) => Some(Level::Error),
                    _ => None,
                };
                log.refilter(ld);
                self.status = match log.filters.level {
                    Some(l) => format!("level ≥ {}", l.as_str()),
                    None => "level: all".into(),
                };
                self.work();
            }
            Action::CycleSource => {
                let ns = ld.index.sources.len() as u32;
                log.filters.source = match log.filters.source {
                    None if ns > 0 => Some(0),
                    Some(s) if s + 1 < ns => Some(s + 1),
                    _ => None,
                };
                log.refilter(ld);
                self.status = match log.filters.source {
                    Some(s) => format!("source: {}", ld.index.sources[s as usize].display()),
                    None => "source: all inputs merged".into(),
                };
                self.work();
            }
            Action::CycleHost => {
                // Id 0 is the empty name (no host).
                let nh = ld.index.hosts.len() as u32;
                log.filters.host = match log.filters.host {
                    None if nh > 1 => Some(1),
                    Some(h) if h + 1 < nh => Some(h + 1),
                    _ => None,
                };
                log.refilter(ld);
                self.status = match log.filters.host {
                    Some(h) => format!("host: {}", crate::text::escape_str(ld.index.hosts.get(h))),
                    None => "host: all".into(),
                };
                self.work();
            }
            Action::ClearFilters => {
                log.filters = Default::default();
                log.refilter(ld);
                self.status = "filters cleared".into();
            }
            Action::CopyRef => {
                if let Some(id) = log.selected(ld) {
                    let r = ld.reference(id);
                    self.status = format!("copied {r}");
                    self.clipboard = Some(r);
                }
            }
            _ => {}
        }
    }

    fn jump_onset(&mut self) {
        let Some(ld) = self.loaded.as_ref() else { return };
        match ld.findings.incident.as_ref().map(|i| i.onset) {
            Some(onset) => {
                self.goto_time(onset);
                self.status = format!("onset {}", crate::time::rfc3339(onset));
            }
            None => self.status = "no incident onset in the findings".into(),
        }
    }

    fn goto_time(&mut self, t: Millis) {
        let Some(ld) = self.loaded.as_ref() else { return };
        let pos = LogState::pos_of_time(ld, t);
        self.log.goto_pos(ld, pos);
        // Put the target near the top third so the lines before it are visible too.
        self.log.top = self.log.cursor.saturating_sub(self.log_height() / 3);
    }

    fn submit(&mut self, kind: Prompt, text: String) {
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
    fn work(&mut self) -> bool {
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

    fn center_cursor_if_hidden(&mut self) {
        let h = self.log_height();
        if self.log.cursor < self.log.top || self.log.cursor >= self.log.top + h {
            self.log.top = self.log.cursor.saturating_sub(h / 3);
        }
    }

    fn reload(&mut self, ld: Loaded, notices: Vec<String>) {
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
            format!("follow: {} records", ld.index.records.len())
        } else {
            notices.join(" · ")
        };
        if self.view == View::Evidence {
            self.build_evidence();
        }
        self.scroll_into_view();
    }

    /// Keeps each list's cursor on screen by moving its top.
    fn scroll_into_view(&mut self) {
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

/// A regex for what the cause's signals match: a rule's patterns, or a mined
/// template with its `<*>` wildcards. Display only: nothing is computed from it.
fn signal_regex(ld: &Loaded, cause: &Cause) -> Option<regex::Regex> {
    use crate::findings::SignalKind;
    let mut alts = Vec::new();
    for sig in std::iter::once(&cause.signal).chain(&cause.related) {
        match sig.kind {
            SignalKind::Rule => {
                if let Some(rule) = ld.index.rules.rules.iter().find(|r| r.id == sig.id) {
                    for p in &rule.patterns {
                        // Rule patterns are regexes; one that is not is taken literally.
                        alts.push(if regex::Regex::new(p).is_ok() { p.clone() } else { regex::escape(p) });
                    }
                }
            }
            SignalKind::Pattern => {
                let text =
                    ld.findings.patterns.iter().find(|p| p.id == sig.id).map(|p| p.text.as_str()).or_else(|| {
                        ld.index.templates.templates.iter().find(|t| t.id == sig.id).map(|t| t.text.as_str())
                    });
                if let Some(t) = text {
                    let parts: Vec<String> = t.split("<*>").map(|p| regex::escape(p.trim())).collect();
                    alts.push(parts.join(r"\S*\s*"));
                }
            }
        }
    }
    alts.retain(|a| !a.is_empty());
    if alts.is_empty() {
        return None;
    }
    regex::RegexBuilder::new(&alts.iter().map(|a| format!("(?:{a})")).collect::<Vec<_>>().join("|"))
        .case_insensitive(true)
        .size_limit(4 << 20)
        .build()
        .ok()
}

fn is_evidence_row(r: &EvRow) -> bool {
    matches!(r, EvRow::Line { evidence: true, .. } | EvRow::Text(_))
}
