//! Drawing: pure functions of [`App`]. Only visible rows are formatted, and
//! every byte of log text passes through `text::escape` first.
//!
//! Meaning never rides on colour alone: verdicts are words, the level is a
//! letter, the incident window and onset are marked on the chart's axis, and
//! under `NO_COLOR` only bold/underline/reverse are used.

use super::app::{App, EvRow, View};
use super::chart;
use super::Loaded;
use crate::findings::{Cause, Verdict};
use crate::format::Level;
use crate::text::{escape, escape_str, truncate_chars};
use crate::time::{clock, human_duration, rfc3339, Millis};
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
    fn title(&self) -> Style {
        if self.color {
            Style::new().bg(Color::Blue).fg(Color::White).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }
    fn section(&self) -> Style {
        let s = Style::new().add_modifier(Modifier::BOLD);
        if self.color {
            s.fg(Color::Cyan)
        } else {
            s
        }
    }
    fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }
    fn strong(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    fn matched(&self) -> Style {
        if self.color {
            Style::new().bg(Color::Yellow).fg(Color::Black)
        } else {
            Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
        }
    }
    fn evidence(&self) -> Style {
        let s = Style::new().add_modifier(Modifier::BOLD);
        if self.color {
            s.fg(Color::LightRed)
        } else {
            s
        }
    }
    fn badge(&self, v: Verdict) -> Style {
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
    fn level(&self, l: Level) -> Style {
        if !self.color {
            return if l >= Level::Error { self.strong() } else { Style::new() };
        }
        match l {
            Level::Fatal | Level::Error => Style::new().fg(Color::LightRed),
            Level::Warn => Style::new().fg(Color::Yellow),
            _ => Style::new(),
        }
    }
    fn shade(&self) -> Style {
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

fn level_letter(l: Level) -> &'static str {
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

    fn draw_loading(&self, frame: &mut Frame, area: Rect, theme: Theme) {
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

    fn draw_triage(&self, frame: &mut Frame, area: Rect, ld: &Loaded, theme: Theme) {
        let f = &ld.findings;
        let h = area.height as usize;
        let ncauses = f.causes.len().max(1);
        let cause_rows = ncauses.min(if h >= 40 { 12 } else { 5 }) as u16;
        let nseries = f.charts.len().min(if h >= 40 { 8 } else { 3 });
        let tall = h >= 40;
        let chart_rows = if f.charts.is_empty() { 0 } else { (nseries * if tall { 2 } else { 1 }) as u16 + 3 };
        let [head, causes_title, causes, detail, chart] = Layout::vertical([
            Constraint::Length(3),
            Constraint::Length(1),
            Constraint::Length(cause_rows),
            Constraint::Min(2),
            Constraint::Length(chart_rows),
        ])
        .areas(area);

        // Header: inputs and span, incident window and onset, impact.
        let span = ld.index.time_span();
        let mut l1 = format!(
            " culprit · {} · {}",
            crate::report::counted(ld.index.inputs.len() as u64, "input"),
            crate::report::counted(ld.index.records.len() as u64, "record")
        );
        if let Some((a, b)) = span {
            l1.push_str(&format!(" · {} → {} ({})", short_time(a), clock(b), human_duration(b - a)));
        }
        // Name the inputs when they fit (wide screens); the count says enough otherwise.
        let names: Vec<String> = ld.index.inputs.iter().map(|i| short_path(&i.path)).collect();
        let named = format!("{l1} · {}", names.join(", "));
        if named.chars().count() <= area.width as usize {
            l1 = named;
        }
        let (l2, l3) = match &f.incident {
            Some(inc) => {
                let end = inc.end.map(clock).unwrap_or_else(|| "ongoing".into());
                let src = match inc.source {
                    crate::findings::WindowSource::Auto => "detected",
                    crate::findings::WindowSource::Flag => "given",
                };
                (
                    format!(" incident {} → {end} ({src}) · onset {}", clock(inc.start), clock(inc.onset)),
                    format!(" impact: {}", escape_str(&inc.impact.description)),
                )
            }
            None => (" no incident window found".to_string(), format!(" {}", escape_str(&f.summary))),
        };
        let head_lines = vec![
            Line::styled(l1, theme.title()),
            Line::from(l2),
            Line::styled(truncate_chars(&l3, area.width as usize).into_owned(), theme.strong()),
        ];
        frame.render_widget(Paragraph::new(head_lines).style(Style::new()), head);
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::raw(" "),
                Span::styled(format!("causes, most likely first ({})", f.causes.len()), theme.section()),
            ])),
            causes_title,
        );

        // Ranked causes.
        let top = self.cause.saturating_sub(cause_rows as usize - 1);
        let mut rows = Vec::new();
        if f.causes.is_empty() {
            rows.push(Line::from("   none ranked — the merged log (2) and the patterns (3) still have every line"));
        }
        for (i, c) in f.causes.iter().enumerate().skip(top).take(cause_rows as usize) {
            let sel = i == self.cause;
            let reason = c.reasons.first().map(|r| format!(" — {}", escape_str(r))).unwrap_or_default();
            let mut line = Line::from(vec![
                Span::raw(if sel { "▶" } else { " " }),
                Span::raw(format!("{:>2} ", c.rank)),
                Span::styled(format!("{:<9}", badge_text(c.verdict)), theme.badge(c.verdict)),
                Span::raw(format!(" {:>4.2} ", c.score)),
                Span::styled(format!("{:<12} ", truncate_chars(&escape_str(&c.subsystem), 12)), theme.strong()),
                Span::raw(escape_str(&c.title).into_owned()),
                Span::styled(reason, theme.dim()),
            ]);
            if sel {
                line = line.style(theme.selected());
            }
            rows.push(line);
        }
        frame.render_widget(Paragraph::new(rows), causes);

        // The selected cause: why, and the first evidence lines.
        match f.causes.get(self.cause) {
            Some(c) => self.draw_cause_detail(frame, detail, ld, c, theme),
            None => draw_inputs(frame, detail, ld, theme),
        }
        if chart_rows > 0 {
            self.draw_chart(frame, chart, ld, nseries, tall, theme);
        }
    }

    fn draw_cause_detail(&self, frame: &mut Frame, area: Rect, ld: &Loaded, c: &Cause, theme: Theme) {
        let w = area.width as usize;
        let mut lines = Vec::new();
        let hosts = if c.hosts.is_empty() {
            "-".to_string()
        } else {
            escape_str(&crate::report::sorted_hosts(&c.hosts).join(", ")).into_owned()
        };
        let onset = c.onset.map(clock).unwrap_or_else(|| "-".into());
        lines.push(Line::from(vec![
            Span::raw(" "),
            Span::styled(format!("why #{}", c.rank), theme.section()),
            Span::raw(format!(
                " · {} · hosts {hosts} · onset {onset} · {} before, {} during",
                escape_str(&c.service),
                crate::report::fmt_rate(c.baseline_per_min),
                crate::report::fmt_rate(c.incident_per_min)
            )),
        ]));
        let room = area.height as usize;
        let ev_room = c.evidence.len().min(room.saturating_sub(1) / 2).max(1);
        let reason_room = room.saturating_sub(1 + ev_room + 1);
        for r in c.reasons.iter().take(reason_room) {
            lines.push(Line::from(format!("   • {}", escape_str(r))));
        }
        if !c.evidence.is_empty() {
            lines.push(Line::styled(
                format!(" evidence ({}, Enter to open):", crate::report::counted(c.evidence.len() as u64, "line")),
                theme.section(),
            ));
        }
        for e in c.evidence.iter().take(ev_room) {
            let text = match e.record {
                Some(r) if (r as usize) < ld.index.records.len() => {
                    escape(ld.index.first_line(r as usize)).into_owned()
                }
                _ => escape_str(&e.text).into_owned(),
            };
            let loc = format!("   {}:{} ", short_path(&e.path), e.line);
            let rest = truncate_chars(&text, w.saturating_sub(loc.chars().count())).into_owned();
            lines.push(Line::from(vec![Span::styled(loc, theme.dim()), Span::styled(rest, theme.evidence())]));
        }
        // Spare rows (tall screens) tell the story: what happened, in order.
        let story = &ld.findings.timeline;
        if !story.is_empty() && lines.len() + 3 <= room {
            lines.push(Line::from(""));
            lines.push(Line::styled(" what happened, in order:", theme.section()));
            for e in story.iter().take(room - lines.len()) {
                lines.push(Line::from(vec![
                    Span::raw(format!("   {} ", clock(e.ts))),
                    Span::styled(format!("{}:{} ", short_path(&e.path), e.line), theme.dim()),
                    Span::raw(escape_str(&e.summary).into_owned()),
                ]));
            }
        }
        frame.render_widget(Paragraph::new(lines), area);
    }

    fn draw_chart(&self, frame: &mut Frame, area: Rect, ld: &Loaded, nseries: usize, tall: bool, theme: Theme) {
        let f = &ld.findings;
        let label_w = 14usize;
        // Room on the right for each row's peak count.
        let w = (area.width as usize).saturating_sub(label_w + 1 + 6).max(1);
        let span = chart::span(&ld.index, &f.charts);
        let Some((t0, t1)) = span else { return };
        let inc = f.incident.as_ref().map(|i| (i.start, i.end.unwrap_or(t1), i.onset));
        let col_of = |t: Millis| chart::column(t, t0, t1, w);
        let mut lines = vec![Line::from(vec![
            Span::raw(" "),
            Span::styled("timeline", theme.section()),
            Span::raw(" (counts per column, each row scaled to its peak; ░ incident, ▲ onset)"),
        ])];
        let shade = inc.map(|(a, b, _)| (col_of(a), col_of(b)));
        for s in f.charts.iter().take(nseries) {
            let cols = chart::resample(s, t0, t1, w);
            let peak = cols.iter().copied().max().unwrap_or(0);
            let label = format!(" {:<w$}", truncate_chars(&escape_str(&s.label), label_w - 1), w = label_w - 1);
            let rows = if tall {
                let (top, bottom) = chart::bars2(&cols);
                vec![(String::new(), top), (label, bottom)]
            } else {
                vec![(label, chart::bars(&cols))]
            };
            for (i, (label, bars)) in rows.into_iter().enumerate() {
                let mut spans = vec![Span::raw(format!("{label:label_w$}")), Span::raw("│")];
                match shade {
                    Some((a, b)) if theme.color => {
                        let chars: Vec<char> = bars.chars().collect();
                        let (a, b) = (a.min(chars.len()), (b + 1).min(chars.len()));
                        spans.push(Span::raw(chars[..a].iter().collect::<String>()));
                        spans.push(Span::styled(chars[a..b].iter().collect::<String>(), theme.shade()));
                        spans.push(Span::raw(chars[b..].iter().collect::<String>()));
                    }
                    _ => spans.push(Span::raw(bars)),
                }
                if i == 0 {
                    spans.push(Span::styled(format!(" {peak}"), theme.dim()));
                }
                lines.push(Line::from(spans));
            }
        }
        // Axis: the incident window shaded, the onset marked; then the time labels.
        let mut axis: Vec<char> = vec!['─'; w];
        if let Some((a, b, onset)) = inc {
            for c in axis.iter_mut().take(col_of(b) + 1).skip(col_of(a)) {
                *c = '░';
            }
            if let Some(c) = axis.get_mut(col_of(onset)) {
                *c = '▲';
            }
        }
        lines.push(Line::from(format!("{:label_w$}└{}", "", axis.into_iter().collect::<String>())));
        let mut labels: Vec<char> = vec![' '; w];
        put(&mut labels, 0, &clock(t0));
        let end = clock(t1);
        put(&mut labels, w.saturating_sub(end.len()), &end);
        if let Some((_, _, onset)) = inc {
            let o = format!("onset {}", clock(onset));
            let c = col_of(onset).saturating_sub(o.len() / 2).min(w.saturating_sub(o.len()));
            // Only where it does not hide the span's ends.
            if c > 9 && c + o.len() + 9 < w {
                put(&mut labels, c, &o);
            }
        }
        lines.push(Line::from(format!("{:label_w$} {}", "", labels.into_iter().collect::<String>())));
        frame.render_widget(Paragraph::new(lines), area);
    }

    fn draw_evidence(&self, frame: &mut Frame, area: Rect, ld: &Loaded, theme: Theme) {
        let Some(c) = ld.findings.causes.get(self.cause) else {
            frame.render_widget(Paragraph::new(" no cause selected"), area);
            return;
        };
        let [title, info, list] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Min(1)]).areas(area);
        let t = format!(
            " evidence · #{} {} {} · {}",
            c.rank,
            badge_text(c.verdict),
            escape_str(&c.subsystem),
            escape_str(&c.title)
        );
        frame.render_widget(Paragraph::new(t).style(theme.title()), title);
        let hosts = if c.hosts.is_empty() {
            "-".to_string()
        } else {
            escape_str(&crate::report::sorted_hosts(&c.hosts).join(", ")).into_owned()
        };
        let nev = c.evidence.len();
        let cur_ev = self.ev_rows[..(self.ev.cursor + 1).min(self.ev_rows.len())]
            .iter()
            .filter(|r| matches!(r, EvRow::Header(_)))
            .count();
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(" hosts: ", theme.strong()),
                Span::raw(hosts),
                Span::raw(format!(" · service {} · evidence {cur_ev}/{nev}", escape_str(&c.service))),
            ])),
            info,
        );
        let h = list.height as usize;
        let w = list.width as usize;
        let mut lines = Vec::with_capacity(h);
        for (i, row) in self.ev_rows.iter().enumerate().skip(self.ev.top).take(h) {
            let sel = i == self.ev.cursor;
            // Rows are rebuilt whenever the findings change; `get` keeps a stale row from panicking regardless.
            let line = match *row {
                EvRow::Header(k) => {
                    let Some(e) = c.evidence.get(k) else { continue };
                    let ts = e.ts.map(clock).unwrap_or_else(|| "--:--:--".into());
                    let s = format!("── {}/{nev} · {}:{} · {ts} ", k + 1, short_path(&e.path), e.line);
                    let fill = w.saturating_sub(s.chars().count());
                    Line::styled(format!("{s}{}", "─".repeat(fill)), theme.section())
                }
                EvRow::Text(k) => {
                    let Some(e) = c.evidence.get(k) else { continue };
                    Line::styled(format!("▶ {}", escape_str(&e.text)), theme.evidence())
                }
                EvRow::Line { pos, evidence } => {
                    let Some(&id) = ld.order.get(pos as usize) else { continue };
                    let id = id as usize;
                    let mut l = self.log_line(ld, id, w, self.ev_highlight.as_ref(), theme);
                    l.spans.insert(0, Span::raw(if evidence { "▶" } else { " " }));
                    if evidence {
                        l = l.style(theme.evidence());
                    }
                    l
                }
            };
            lines.push(if sel { line.style(theme.selected()) } else { line });
        }
        frame.render_widget(Paragraph::new(lines), list);
    }

    /// One log row: level letter, source tag, the escaped first line (scrolled sideways), matches highlighted.
    fn log_line(
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
        match search {
            // Matches are found on the whole (bounded) line, so one that runs past the screen edge still shows.
            Some(re) => {
                spans.extend(highlight_window(&escape(clip(line, 64 * 1024)), re, self.log.hscroll, width, theme))
            }
            None => spans.push(Span::raw(visible_text(line, self.log.hscroll, width))),
        }
        if extra > 0 {
            spans.push(Span::styled(format!(" [+{extra} lines]"), theme.dim()));
        }
        Line::from(spans)
    }

    fn draw_log(&self, frame: &mut Frame, area: Rect, ld: &Loaded, theme: Theme) {
        let detail_h = if self.log.detail { self.detail_height() as u16 } else { 0 };
        let [title, list, detail] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(detail_h)]).areas(area);
        let n = self.log.row_count(ld);
        let fl = &self.log.filters;
        let mut t = match fl.source {
            Some(s) => format!(" log · {}", ld.index.sources[s as usize].display()),
            None => {
                format!(" log · {} merged in time order", crate::report::counted(ld.index.inputs.len() as u64, "input"))
            }
        };
        t.push_str(&format!(" · line {}/{}", if n == 0 { 0 } else { self.log.cursor + 1 }, n));
        if n != ld.order.len() {
            t.push_str(&format!(" (of {})", ld.order.len()));
        }
        let mut parts = Vec::new();
        if let Some(l) = fl.level {
            parts.push(format!("level≥{}", l.as_str()));
        }
        if let Some(h) = fl.host {
            parts.push(format!("host {}", escape_str(ld.index.hosts.get(h))));
        }
        if let Some(tp) = fl.template {
            let id = ld.index.templates.templates.get(tp as usize).map(|t| t.id.as_str()).unwrap_or("?");
            parts.push(format!("pattern {id}"));
        }
        if let Some(p) = &fl.include {
            parts.push(format!("+/{}/", escape_str(&p.text)));
        }
        if let Some(p) = &fl.exclude {
            parts.push(format!("-/{}/", escape_str(&p.text)));
        }
        if !parts.is_empty() {
            t.push_str(" · ");
            t.push_str(&parts.join(" "));
        }
        if self.follow {
            t.push_str(" · FOLLOW");
        }
        if self.log.wrap {
            t.push_str(" · wrap");
        }
        frame.render_widget(Paragraph::new(t).style(theme.title()), title);

        let h = list.height as usize;
        let w = list.width as usize;
        let search = self.log.search.as_ref().map(|p| &p.display);
        if n == 0 {
            let msg = if self.log.building.is_some() {
                " filtering…"
            } else {
                " no lines match the filters (c clears them)"
            };
            frame.render_widget(Paragraph::new(msg), list);
        } else if !self.log.wrap {
            let mut lines = Vec::with_capacity(h);
            let top = self.log.top.min(n - 1);
            for row in top..(top + h).min(n) {
                let Some(id) = self.log.record_at(ld, row) else { break };
                let mut l = self.log_line(ld, id, w, search, theme);
                let sel = row == self.log.cursor;
                // A mark as well as reverse video, so the cursor survives any terminal's palette.
                l.spans.insert(0, Span::raw(if sel { "▶" } else { " " }));
                lines.push(if sel { l.style(theme.selected()) } else { l });
            }
            frame.render_widget(Paragraph::new(lines), list);
        } else {
            self.draw_wrapped(frame, list, ld, n, search, theme);
        }
        if self.log.detail {
            self.draw_detail(frame, detail, ld, theme);
        }
    }

    /// Wrapped rows have different heights: start from `top`, or earlier rows
    /// backwards from the cursor when the cursor would not fit.
    fn draw_wrapped(
        &self,
        frame: &mut Frame,
        area: Rect,
        ld: &Loaded,
        n: usize,
        search: Option<&regex::Regex>,
        theme: Theme,
    ) {
        let w = area.width as usize;
        let h = area.height as usize;
        const PREFIX: usize = 13;
        let body_w = w.saturating_sub(PREFIX).max(1);
        let height_of = |row: usize| -> usize {
            self.log.record_at(ld, row).map_or(1, |id| {
                let chars = escape(clip(ld.index.first_line(id), 64 * 1024)).chars().count();
                chars.div_ceil(body_w).clamp(1, h.max(1))
            })
        };
        let mut top = self.log.top.min(self.log.cursor);
        let used: usize = (top..=self.log.cursor).map(height_of).sum();
        if used > h {
            top = self.log.cursor;
            let mut acc = height_of(top);
            while top > 0 && acc + height_of(top - 1) <= h {
                top -= 1;
                acc += height_of(top);
            }
        }
        let mut y = 0usize;
        let mut row = top;
        while y < h && row < n {
            let Some(id) = self.log.record_at(ld, row) else { break };
            let r = &ld.index.records;
            let level = r.level(id);
            let src = &ld.index.sources[r.source(id) as usize];
            let text = escape(clip(ld.index.first_line(id), 64 * 1024)).into_owned();
            let chars: Vec<char> = text.chars().collect();
            let mut lines = Vec::new();
            for (k, chunk) in chars.chunks(body_w).enumerate().take(h - y) {
                let prefix = if k == 0 {
                    vec![
                        Span::raw(if row == self.log.cursor { "▶" } else { " " }),
                        Span::styled(level_letter(level), theme.level(level)),
                        Span::raw(" "),
                        Span::styled(format!("{:<9} ", source_tag(&src.stream)), theme.dim()),
                    ]
                } else {
                    vec![Span::raw(" ".repeat(PREFIX - 1)), Span::styled("↪", theme.dim())]
                };
                let mut spans = prefix;
                spans.extend(highlight(chunk.iter().collect(), search, theme));
                let l = Line::from(spans);
                lines.push(if row == self.log.cursor { l.style(theme.selected()) } else { l });
            }
            if lines.is_empty() {
                lines.push(Line::from(""));
            }
            let lh = lines.len();
            let rect = Rect { y: area.y + y as u16, height: lh as u16, ..area };
            frame.render_widget(Paragraph::new(lines), rect);
            y += lh;
            row += 1;
        }
    }

    fn draw_detail(&self, frame: &mut Frame, area: Rect, ld: &Loaded, theme: Theme) {
        let Some(id) = self.log.selected(ld) else { return };
        let r = &ld.index.records;
        let tpl = ld.index.templates.templates.get(r.template(id) as usize).map(|t| t.id.as_str()).unwrap_or("-");
        let title = format!(
            " {} · {} · host {} · service {} · pattern {tpl} ",
            ld.reference(id),
            r.level(id).as_str(),
            or_dash(ld.index.hosts.get(r.host(id))),
            or_dash(ld.index.services.get(r.service(id))),
        );
        let bytes = clip(ld.index.record_bytes(id), 256 * 1024);
        let body = pretty(bytes);
        let lines: Vec<Line> = body.lines().map(|l| Line::from(l.to_string())).collect();
        let block = Block::default().borders(Borders::TOP).title(Span::styled(title, theme.strong()));
        frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
    }

    fn draw_patterns(&self, frame: &mut Frame, area: Rect, ld: &Loaded, theme: Theme) {
        let pats = &ld.findings.patterns;
        let [title, head, list] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Min(1)]).areas(area);
        let new = pats.iter().filter(|p| p.new).count();
        frame.render_widget(
            Paragraph::new(format!(" patterns · {} templates · {new} NEW (absent from the baseline)", pats.len()))
                .style(theme.title()),
            title,
        );
        let spark_w = if area.width >= 120 { 24 } else { 12 };
        frame.render_widget(
            Paragraph::new(format!(
                "     {:>8} {:>7} {:>7} {:<spark_w$} template",
                "count", "base/m", "inc/m", "activity"
            ))
            .style(theme.strong()),
            head,
        );
        if pats.is_empty() {
            frame.render_widget(Paragraph::new(" no patterns in the findings"), list);
            return;
        }
        let mut lines = Vec::new();
        for (i, p) in pats.iter().enumerate().skip(self.pat.top).take(list.height as usize) {
            let cols = chart::shrink(&p.sparkline, spark_w);
            let l = Line::from(vec![
                Span::styled(if p.new { " NEW " } else { "     " }, theme.badge(Verdict::LikelyCause)),
                Span::raw(format!("{:>8} {:>7.1} {:>7.1} ", p.count, p.baseline_per_min, p.incident_per_min)),
                Span::raw(format!("{:<spark_w$} ", chart::bars(&cols))),
                Span::raw(escape_str(&p.text).into_owned()),
            ]);
            lines.push(if i == self.pat.cursor { l.style(theme.selected()) } else { l });
        }
        frame.render_widget(Paragraph::new(lines), list);
    }

    fn draw_status(&self, frame: &mut Frame, area: Rect, theme: Theme) {
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
            View::Evidence => " n/N next/prev evidence · Enter open in log · y copy path:line · Esc back · ? help",
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
    ("PgUp PgDn Space", "page up / down (also ^b ^f ^u ^d)"),
    ("g G Home End", "first / last"),
    ("Enter", "open: cause evidence, line in log, pattern lines"),
    ("n N", "next / previous match or evidence"),
    ("/", "search (regex, smart case)"),
    ("f  x", "filter in / out (regex)"),
    ("c", "clear filters"),
    ("L", "level: all → warn+ → error+"),
    ("s", "source: all → each input"),
    ("H", "host: all → each host"),
    ("t", "jump to time"),
    ("o", "jump to incident onset"),
    ("← → h l  0", "scroll sideways / line start"),
    ("w", "wrap long lines"),
    ("p", "record detail (pretty JSON)"),
    ("y", "copy path:line"),
    ("F", "follow: reload as inputs grow"),
];

fn draw_help(frame: &mut Frame, area: Rect, theme: Theme) {
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

/// With nothing ranked, the triage screen says what was read instead.
fn draw_inputs(frame: &mut Frame, area: Rect, ld: &Loaded, theme: Theme) {
    let mut lines = vec![Line::styled(" inputs (2 opens the merged log):", theme.section())];
    for i in &ld.index.inputs {
        let span = if i.first == crate::time::NO_TIME {
            "no timestamps".to_string()
        } else {
            format!("{} → {}", clock(i.first), clock(i.last))
        };
        lines.push(Line::from(format!(
            "   {:<24} {:<10} {:>9} records  {span}",
            truncate_chars(&short_path(&i.path), 24),
            escape_str(&i.format),
            i.records
        )));
    }
    for n in &ld.findings.notices {
        lines.push(Line::from(format!("   ! {}", escape_str(n))));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// A 9-column tag for an input: the start of its stream name, which is what
/// usually tells a folder's files apart (`postgres…`, `auth.json`).
fn source_tag(stream: &str) -> String {
    truncate_chars(&escape_str(stream), 9).into_owned()
}

/// An interned name for display; `-` when absent.
fn or_dash(s: &str) -> std::borrow::Cow<'_, str> {
    if s.is_empty() {
        "-".into()
    } else {
        escape_str(s)
    }
}

fn put(buf: &mut [char], at: usize, s: &str) {
    for (i, c) in s.chars().enumerate() {
        if let Some(slot) = buf.get_mut(at + i) {
            *slot = c;
        }
    }
}

/// `2024-01-22 15:30:01`.
fn short_time(ms: Millis) -> String {
    let s = rfc3339(ms);
    s.get(..19).map(|x| x.replace('T', " ")).unwrap_or(s)
}

/// The last two components of a path: enough to tell inputs apart on a narrow screen.
fn short_path(p: &str) -> String {
    let parts: Vec<&str> = p.rsplit('/').take(2).collect();
    let s: Vec<&str> = parts.into_iter().rev().collect();
    escape_str(&s.join("/")).into_owned()
}

/// A bounded prefix of a line: long lines cost no more than what is shown.
fn clip(b: &[u8], max: usize) -> &[u8] {
    &b[..b.len().min(max)]
}

/// The escaped text of a line from display column `hscroll`, at most `width` chars.
fn visible_text(line: &[u8], hscroll: usize, width: usize) -> String {
    // Escaping can only lengthen text, and a char is at most 4 bytes: this prefix always covers the view.
    let raw = clip(line, (hscroll + width) * 4 + 4);
    escape(raw).chars().skip(hscroll).take(width).collect()
}

/// The visible window (`skip` chars on, `width` chars) of `text`, with the
/// regex's matches over the whole text styled.
fn highlight_window(text: &str, re: &regex::Regex, skip: usize, width: usize, theme: Theme) -> Vec<Span<'static>> {
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

fn highlight(text: String, re: Option<&regex::Regex>, theme: Theme) -> Vec<Span<'static>> {
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
    fn source_tags_fit_nine_columns() {
        assert_eq!(source_tag("auth.json"), "auth.json");
        assert_eq!(source_tag("postgresql.log"), "postgres…");
        assert_eq!(source_tag("a\x1bbcdefghijk"), "a\\x1bbcd…");
    }

    #[test]
    fn visible_text_scrolls_and_escapes() {
        assert_eq!(visible_text(b"hello world", 6, 3), "wor");
        assert_eq!(visible_text(b"a\x1b[2Jb", 0, 20), "a\\x1b[2Jb");
    }

    #[test]
    fn highlight_window_keeps_matches_that_cross_the_edge() {
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
    fn pretty_json_and_hostile_strings() {
        let p = pretty(br#"{"msg":"x\u001b]0;t\u0007","n":1}"#);
        assert!(p.contains("\"n\": 1"));
        assert!(!p.contains('\x1b'));
        assert!(pretty(b"plain\n  at x").contains("\n  at x"));
    }
}
