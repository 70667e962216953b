//! Drawing: pure functions of [`App`]. Only visible rows are formatted, and
//! every byte of log text passes through `text::escape` first.
//!
//! Meaning never rides on colour alone: verdicts are words, the level is a
//! letter, the incident window and onset are marked on the chart's axis, and
//! under `NO_COLOR` only bold/underline/reverse are used.

use super::app::{App, View};
use super::Loaded;
use crate::findings::Verdict;
use crate::format::Level;
use crate::text::{escape, escape_str, truncate_chars};
use crate::time::{human_duration, rfc3339, Millis};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Gauge, Paragraph, Wrap};
use ratatui::Frame;

/// Styles, with or without colour.
#[derive(Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub(crate) fn title(&self) -> Style {
        if self.color {
            Style::new().bg(Color::Blue).fg(Color::White).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }
    pub(crate) fn section(&self) -> Style {
        let s = Style::new().add_modifier(Modifier::BOLD);
        if self.color {
            s.fg(Color::Cyan)
        } else {
            s
        }
    }
    pub(crate) fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    pub(crate) fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }
    pub(crate) fn strong(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub(crate) fn matched(&self) -> Style {
        if self.color {
            Style::new().bg(Color::Yellow).fg(Color::Black)
        } else {
            Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
        }
    }
    pub(crate) fn evidence(&self) -> Style {
        let s = Style::new().add_modifier(Modifier::BOLD);
        if self.color {
            s.fg(Color::LightRed)
        } else {
            s
        }
    }
    pub(crate) fn badge(&self, v: Verdict) -> Style {
        let s = Style::new().add_modifier(Modifier::BOLD);
        if !self.color {
            return if v == Verdict::LikelyCause { s } else { Style::new() };
        }
        match v {
            Verdict::LikelyCause => s.fg(Color::LightRed),
            Verdict::Contributing => s.fg(Color::Yellow),
            Verdict::Consequence => Style::new().fg(Color::Cyan),
            Verdict::Chronic => Style::new().fg(Color::Magenta),
            Verdict::Unrelated => Style::new().fg(Color::DarkGray),
        }
    }
    pub(crate) fn level(&self, l: Level) -> Style {
        if !self.color {
            return if l >= Level::Error { self.strong() } else { Style::new() };
        }
        match l {
            Level::Fatal | Level::Error => Style::new().fg(Color::LightRed),
            Level::Warn => Style::new().fg(Color::Yellow),
            _ => Style::new(),
        }
    }
    pub(crate) fn shade(&self) -> Style {
        if self.color {
            Style::new().bg(Color::DarkGray)
        } else {
            Style::new()
        }
    }
}

pub fn badge_text(v: Verdict) -> &'static str {
    match v {
        Verdict::LikelyCause => "LIKELY",
        Verdict::Contributing => "CONTRIB",
        Verdict::Consequence => "CONSEQ",
        Verdict::Chronic => "CHRONIC",
        Verdict::Unrelated => "UNRELATED",
    }
}

pub(crate) fn level_letter(l: Level) -> &'static str {
    match l {
        Level::Fatal => "F",
        Level::Error => "E",
        Level::Warn => "W",
        Level::Notice => "N",
        Level::Info => "I",
        Level::Debug => "D",
        Level::Trace => "T",
        Level::Unknown => " ",
    }
}

impl App {
    /// Draws the whole screen. Reads state only.
    pub fn draw(&self, frame: &mut Frame) {
        let theme = Theme { color: self.color };
        let area = frame.area();
        let [body, status, footer] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(1), Constraint::Length(1)]).areas(area);
        match (&self.loaded, &self.error) {
            (None, _) => self.draw_loading(frame, body, theme),
            (Some(ld), _) => match self.view {
                View::Triage => self.draw_triage(frame, body, ld, theme),
                View::Evidence => self.draw_evidence(frame, body, ld, theme),
                View::Log => self.draw_log(frame, body, ld, theme),
                View::Patterns => self.draw_patterns(frame, body, ld, theme),
            },
        }
        self.draw_status(frame, status, theme);
        frame.render_widget(Paragraph::new(self.footer_keys()).style(theme.dim()), footer);
        if self.help {
            draw_help(frame, area, theme);
        }
    }

    pub(crate) fn draw_loading(&self, frame: &mut Frame, area: Rect, theme: Theme) {
        let [title, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
        frame.render_widget(Paragraph::new(" culprit · loading").style(theme.title()), title);
        let mut lines = vec![Line::from("")];
        if let Some(e) = &self.error {
            lines.push(Line::styled(" could not load the inputs:", theme.strong()));
            for l in escape_str(e).lines() {
                lines.push(Line::from(format!("   {l}")));
            }
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), rest);
            return;
        }
        lines.push(Line::from(format!(" reading {} input(s):", self.inputs.len())));
        let room = (rest.height as usize).saturating_sub(6);
        for p in self.inputs.iter().take(room) {
            lines.push(Line::from(format!("   {}", escape_str(p))));
        }
        if self.inputs.len() > room {
            lines.push(Line::from(format!("   … and {} more", self.inputs.len() - room)));
        }
        let n = lines.len() as u16;
        frame.render_widget(Paragraph::new(lines), rest);
        let gauge_area = Rect { y: rest.y + n + 1, height: 1, ..rest }.intersection(rest);
        let label =
            format!("{} · {}", escape_str(&self.progress.stage), human_duration(self.progress.elapsed_ms as i64));
        let g = Gauge::default()
            .ratio(self.progress.ratio.clamp(0.0, 1.0))
            .label(label)
            .gauge_style(if self.color { Style::new().fg(Color::Blue) } else { Style::new() })
            .use_unicode(true);
        frame.render_widget(g, Rect { x: gauge_area.x + 1, width: gauge_area.width.saturating_sub(2), ..gauge_area });
    }

    /// A structured record's first line as people read it (`15:30:34.120 ERROR auth: token
    /// generation failed … key=value`), escaped; `None` for free text, or when `r` asked for raw lines.
    pub(crate) fn readable_line(&self, ld: &Loaded, id: usize) -> Option<String> {
        if self.raw {
            return None;
        }
        let line = clip(ld.index.first_line(id), 64 * 1024);
        let start = line.trim_ascii_start();
        if !(start.starts_with(b"{") || memchr::memchr(b'=', start).is_some()) {
            return None;
        }
        crate::readable::render(&String::from_utf8_lossy(line)).map(|s| escape_str(&s).into_owned())
    }

    /// What a row shows of a record: [`App::readable_line`], else the escaped raw line.
    pub(crate) fn shown_line(&self, ld: &Loaded, id: usize) -> String {
        self.readable_line(ld, id).unwrap_or_else(|| escape(clip(ld.index.first_line(id), 64 * 1024)).into_owned())
    }

    /// One log row: level letter, source tag, the escaped first line (scrolled sideways), matches highlighted.
    pub(crate) fn log_line(
        &self,
        ld: &Loaded,
        id: usize,
        width: usize,
        search: Option<&regex::Regex>,
        theme: Theme,
    ) -> Line<'static> {
        let r = &ld.index.records;
        let level = r.level(id);
        let src = &ld.index.sources[r.source(id) as usize];
        let tag = format!("{:<9} ", source_tag(&src.stream));
        let line = ld.index.first_line(id);
        let extra = memchr::memchr_iter(b'\n', clip(ld.index.record_bytes(id), 1 << 20)).count();
        let mut spans =
            vec![Span::styled(level_letter(level), theme.level(level)), Span::raw(" "), Span::styled(tag, theme.dim())];
        match (search, self.readable_line(ld, id)) {
            // Matches are found on the whole (bounded) line, so one that runs past the screen edge still shows.
            (Some(re), shown) => {
                let text = shown.unwrap_or_else(|| escape(clip(line, 64 * 1024)).into_owned());
                spans.extend(highlight_window(&text, re, self.log.hscroll, width, theme))
            }
            (None, Some(shown)) => {
                spans.push(Span::raw(shown.chars().skip(self.log.hscroll).take(width).collect::<String>()))
            }
            (None, None) => spans.push(Span::raw(visible_text(line, self.log.hscroll, width))),
        }
        if extra > 0 {
            spans.push(Span::styled(format!(" [+{}]", crate::text::counted(extra as u64, "line")), theme.dim()));
        }
        Line::from(spans)
    }

    pub(crate) fn draw_status(&self, frame: &mut Frame, area: Rect, theme: Theme) {
        if let Some((kind, text)) = &self.prompt {
            let line = Line::from(vec![
                Span::styled(kind.label(), theme.strong()),
                Span::raw(escape_str(text).into_owned()),
                Span::styled("█", Style::new()),
            ]);
            frame.render_widget(Paragraph::new(line), area);
            return;
        }
        let mut s = escape_str(&self.status).into_owned();
        if let Some(ld) = &self.loaded {
            if let Some((what, r)) = self.log.progress(ld) {
                s = format!("{what}… {:.0}%", r * 100.0);
            }
        }
        frame.render_widget(Paragraph::new(format!(" {s}")), area);
    }

    /// The keys that matter in the current view.
    pub fn footer_keys(&self) -> String {
        if self.prompt.is_some() {
            return " Enter apply · Esc cancel · Backspace delete".into();
        }
        if self.help {
            return " ? or Esc closes help".into();
        }
        if self.error.is_some() {
            return " q quit".into();
        }
        if self.loaded.is_none() {
            return " loading… · ? help · q quit".into();
        }
        match self.view {
            View::Triage => " ↑↓/jk cause · Enter evidence · o onset · 2 log · 3 patterns · ? help · q quit",
            View::Evidence => " n/N evidence · Enter log · w wrap · p detail · y copy · Esc back · ? help",
            View::Log => " / search · n/N · f/x filter · L level · s source · t time · o onset · ? help",
            View::Patterns => " ↑↓ move · Enter show its lines in the log · Esc back · ? help · q quit",
        }
        .into()
    }
}

/// Every key, for the `?` overlay.
pub const HELP: &[(&str, &str)] = &[
    ("q  Ctrl-C", "quit"),
    ("Esc  ?", "back / close;  this help"),
    ("1 2 3 / Tab", "triage, log, patterns views"),
    ("↑↓ j k", "move"),
    ("PgUp b PgDn Space", "page up / down (also ^b ^f ^u ^d)"),
    ("g G Home End", "first / last"),
    ("Enter", "open: cause evidence, line in log, pattern lines"),
    ("n N  e E", "next / prev match or evidence; error line"),
    ("/", "search (regex, smart case)"),
    ("f  x", "filter in / out (regex)"),
    ("c", "clear filters"),
    ("L", "level: all → warn+ → error+"),
    ("s", "source: all → each input"),
    ("H", "host: all → each host"),
    ("t", "jump to time"),
    ("o", "jump to incident onset"),
    ("← → h l  0", "scroll sideways / line start"),
    ("w  r", "wrap long lines;  raw / readable lines"),
    ("p", "record detail (pretty JSON)"),
    ("y", "copy path:line (OSC 52)"),
    ("F", "follow: reload as inputs grow"),
];

pub(crate) fn draw_help(frame: &mut Frame, area: Rect, theme: Theme) {
    let col_w = 18usize;
    let desc_w = HELP.iter().map(|(_, d)| d.chars().count()).max().unwrap_or(30) + 1;
    let two_cols = area.width as usize >= 2 * (col_w + 1 + desc_w) + 2;
    let rows = if two_cols { HELP.len().div_ceil(2) } else { HELP.len() };
    let mut lines = Vec::new();
    for r in 0..rows {
        let mut spans = Vec::new();
        let right = if two_cols { HELP.get(r + rows) } else { None };
        let cells: Vec<&(&str, &str)> = [HELP.get(r), right].into_iter().flatten().collect();
        for (k, d) in cells {
            spans.push(Span::styled(format!(" {k:<col_w$}"), theme.strong()));
            spans.push(Span::raw(format!("{d:<desc_w$}")));
        }
        lines.push(Line::from(spans));
    }
    let w = if two_cols { 2 * (col_w + 1 + desc_w) + 2 } else { col_w + 1 + desc_w + 2 };
    let w = (w as u16).min(area.width);
    let h = (rows as u16 + 2).min(area.height);
    let rect = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    frame.render_widget(Clear, rect);
    let block = Block::default().borders(Borders::ALL).title(Span::styled(" keys ", theme.strong()));
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// A 9-column tag for an input: the start of its stream name, which is what
/// usually tells a folder's files apart (`postgres…`, `auth.json`).
pub(crate) fn source_tag(stream: &str) -> String {
    truncate_chars(&escape_str(stream), 9).into_owned()
}

/// An interned name for display; `-` when absent.
pub(crate) fn or_dash(s: &str) -> std::borrow::Cow<'_, str> {
    if s.is_empty() {
        "-".into()
    } else {
        escape_str(s)
    }
}

pub(crate) fn put(buf: &mut [char], at: usize, s: &str) {
    for (i, c) in s.chars().enumerate() {
        if let Some(slot) = buf.get_mut(at + i) {
            *slot = c;
        }
    }
}

/// `2024-01-22 15:30:01`.
pub(crate) fn short_time(ms: Millis) -> String {
    let s = rfc3339(ms);
    s.get(..19).map(|x| x.replace('T', " ")).unwrap_or(s)
}

/// The last two components of a path: enough to tell inputs apart on a narrow screen.
pub(crate) fn short_path(p: &str) -> String {
    let parts: Vec<&str> = p.rsplit('/').take(2).collect();
    let s: Vec<&str> = parts.into_iter().rev().collect();
    escape_str(&s.join("/")).into_owned()
}

/// A bounded prefix of a line: long lines cost no more than what is shown.
pub(crate) fn clip(b: &[u8], max: usize) -> &[u8] {
    &b[..b.len().min(max)]
}

/// The escaped text of a line from display column `hscroll`, at most `width` chars.
pub(crate) fn visible_text(line: &[u8], hscroll: usize, width: usize) -> String {
    // Escaping can only lengthen text, and a char is at most 4 bytes: this prefix always covers the view.
    let raw = clip(line, (hscroll + width) * 4 + 4);
    escape(raw).chars().skip(hscroll).take(width).collect()
}

/// The visible window (`skip` chars on, `width` chars) of `text`, with the
/// regex's matches over the whole text styled.
pub(crate) fn highlight_window(
    text: &str,
    re: &regex::Regex,
    skip: usize,
    width: usize,
    theme: Theme,
) -> Vec<Span<'static>> {
    let ranges: Vec<(usize, usize)> = re.find_iter(text).map(|m| (m.start(), m.end())).filter(|r| r.0 < r.1).collect();
    let mut out: Vec<Span<'static>> = Vec::new();
    let mut cur = String::new();
    let mut cur_hit = false;
    let mut k = 0;
    for (i, (b, c)) in text.char_indices().enumerate() {
        if i < skip {
            continue;
        }
        if i >= skip + width {
            break;
        }
        while k < ranges.len() && ranges[k].1 <= b {
            k += 1;
        }
        let hit = k < ranges.len() && ranges[k].0 <= b;
        if hit != cur_hit && !cur.is_empty() {
            let s = std::mem::take(&mut cur);
            out.push(if cur_hit { Span::styled(s, theme.matched()) } else { Span::raw(s) });
        }
        cur_hit = hit;
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(if cur_hit { Span::styled(cur, theme.matched()) } else { Span::raw(cur) });
    }
    out
}

pub(crate) fn highlight(text: String, re: Option<&regex::Regex>, theme: Theme) -> Vec<Span<'static>> {
    let Some(re) = re else { return vec![Span::raw(text)] };
    let mut out = Vec::new();
    let mut last = 0;
    for m in re.find_iter(&text) {
        if m.start() == m.end() {
            continue;
        }
        if m.start() > last {
            out.push(Span::raw(text[last..m.start()].to_string()));
        }
        out.push(Span::styled(text[m.start()..m.end()].to_string(), theme.matched()));
        last = m.end();
    }
    if last < text.len() {
        out.push(Span::raw(text[last..].to_string()));
    }
    out
}

/// A record for the detail pane: JSON pretty-printed when the line is JSON, else its lines; escaped either way.
pub fn pretty(bytes: &[u8]) -> String {
    let trimmed = bytes.trim_ascii();
    if trimmed.first() == Some(&b'{') {
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(trimmed) {
            if let Ok(s) = serde_json::to_string_pretty(&v) {
                // Escape per line: JSON strings may hold escaped control chars that decode to raw ones.
                return s.lines().map(|l| escape_str(l).into_owned()).collect::<Vec<_>>().join("\n");
            }
        }
    }
    bytes
        .split(|&c| c == b'\n')
        .map(|l| escape(l.strip_suffix(b"\r").unwrap_or(l)).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(crate) fn source_tags_fit_nine_columns() {
        assert_eq!(source_tag("auth.json"), "auth.json");
        assert_eq!(source_tag("postgresql.log"), "postgres…");
        assert_eq!(source_tag("a\x1bbcdefghijk"), "a\\x1bbcd…");
    }

    #[test]
    pub(crate) fn visible_text_scrolls_and_escapes() {
        assert_eq!(visible_text(b"hello world", 6, 3), "wor");
        assert_eq!(visible_text(b"a\x1b[2Jb", 0, 20), "a\\x1b[2Jb");
    }

    #[test]
    pub(crate) fn highlight_window_keeps_matches_that_cross_the_edge() {
        let re = regex::Regex::new("bcdef").unwrap();
        let t = Theme { color: false };
        let spans = highlight_window("abcdefgh", &re, 2, 3, t);
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].content, "cde");
        assert_eq!(spans[0].style, t.matched());
        let spans = highlight_window("xxbcdefyy", &re, 0, 20, t);
        let parts: Vec<&str> = spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(parts, vec!["xx", "bcdef", "yy"]);
    }

    #[test]
    pub(crate) fn pretty_json_and_hostile_strings() {
        let p = pretty(br#"{"msg":"x\u001b]0;t\u0007","n":1}"#);
        assert!(p.contains("\"n\": 1"));
        assert!(!p.contains('\x1b'));
        assert!(pretty(b"plain\n  at x").contains("\n  at x"));
    }
}
