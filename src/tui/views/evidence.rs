//! The evidence view: each evidence line of one cause with merged-log context around it.

use super::prelude::*;

impl App {
    pub(crate) fn draw_evidence(&self, frame: &mut Frame, area: Rect, ld: &Loaded, theme: Theme) {
        let Some(c) = ld.findings.causes.get(self.cause) else {
            frame.render_widget(Paragraph::new(" no cause selected"), area);
            return;
        };
        let detail_h = if self.log.detail { self.detail_height() as u16 } else { 0 };
        let [title, info, list, detail] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(detail_h),
        ])
        .areas(area);
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
            escape_str(&crate::text::sorted_hosts(&c.hosts).join(", ")).into_owned()
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
        let record_of = |row: &EvRow| match *row {
            EvRow::Line { pos, .. } => ld.order.get(pos as usize).map(|&id| id as usize),
            _ => None,
        };
        // Wrapped rows have different heights: the cursor's row must fit, so start earlier rows
        // back from it when it would not (as the log view does).
        let height_of = |i: usize| match self.ev_rows.get(i).and_then(record_of) {
            Some(id) if self.log.wrap => self.wrapped_height(ld, id, w, h),
            _ => 1,
        };
        let mut top = self.ev.top.min(self.ev.cursor);
        if (top..=self.ev.cursor).map(height_of).sum::<usize>() > h {
            top = self.ev.cursor;
            let mut used = height_of(top);
            while top > 0 && used + height_of(top - 1) <= h {
                top -= 1;
                used += height_of(top);
            }
        }
        let mut lines = Vec::with_capacity(h);
        for (i, row) in self.ev_rows.iter().enumerate().skip(top) {
            if lines.len() >= h {
                break;
            }
            let sel = i == self.ev.cursor;
            // Rows are rebuilt whenever the findings change; `get` keeps a stale row from panicking regardless.
            let rows = match *row {
                EvRow::Header(k) => {
                    let Some(e) = c.evidence.get(k) else { continue };
                    let ts = e.ts.map(clock).unwrap_or_else(|| "--:--:--".into());
                    let s = format!("── {}/{nev} · {}:{} · {ts} ", k + 1, short_path(&e.path), e.line);
                    let fill = w.saturating_sub(s.chars().count());
                    vec![Line::styled(format!("{s}{}", "─".repeat(fill)), theme.section())]
                }
                EvRow::Text(k) => {
                    let Some(e) = c.evidence.get(k) else { continue };
                    let text = if self.raw { None } else { crate::readable::render(&e.text) };
                    vec![Line::styled(
                        format!("▶ {}", escape_str(text.as_deref().unwrap_or(&e.text))),
                        theme.evidence(),
                    )]
                }
                EvRow::Line { pos, evidence } => {
                    let Some(&id) = ld.order.get(pos as usize) else { continue };
                    let id = id as usize;
                    // ▶ is the cursor, as in the log view; • marks the other evidence lines.
                    let mark = if sel {
                        "▶"
                    } else if evidence {
                        "•"
                    } else {
                        " "
                    };
                    let mut rows = if self.log.wrap {
                        self.wrapped_line(ld, id, mark, w, h - lines.len(), self.ev_highlight.as_ref(), theme)
                    } else {
                        let mut l = self.log_line(ld, id, w, self.ev_highlight.as_ref(), theme);
                        l.spans.insert(0, Span::raw(mark));
                        vec![l]
                    };
                    if evidence {
                        rows = rows.into_iter().map(|l| l.style(theme.evidence())).collect();
                    }
                    rows
                }
            };
            lines.extend(rows.into_iter().map(|l| if sel { l.style(theme.selected()) } else { l }));
        }
        lines.truncate(h);
        frame.render_widget(Paragraph::new(lines), list);
        if let Some(id) = self.ev_rows.get(self.ev.cursor).and_then(record_of).filter(|_| self.log.detail) {
            self.draw_detail(frame, detail, ld, id, theme);
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

    pub(crate) fn evidence_action(&mut self, a: Action) {
        let n = self.ev_rows.len();
        let page = self.ev_height();
        let c = &mut self.ev.cursor;
        match a {
            Action::Up => *c = c.saturating_sub(1),
            Action::Down => *c = (*c + 1).min(n.saturating_sub(1)),
            Action::PageUp => *c = c.saturating_sub(page),
            Action::PageDown => *c = (*c + page).min(n.saturating_sub(1)),
            // The first row is a heading (Enter opens its evidence line); the last is the last
            // evidence line, not the context after it.
            Action::Top => *c = 0,
            Action::Bottom => *c = self.ev_rows.iter().rposition(is_evidence_row).unwrap_or(n.saturating_sub(1)),
            // n/N go round: past the last evidence line to the first, and back.
            Action::NextMatch => match self.ev_rows.iter().skip(*c + 1).position(is_evidence_row) {
                Some(d) => *c += d + 1,
                None => {
                    if let Some(i) = self.ev_rows.iter().position(is_evidence_row) {
                        *c = i;
                        self.status = "wrapped to the first evidence line".into();
                    }
                }
            },
            Action::PrevMatch => match self.ev_rows[..(*c).min(n)].iter().rposition(is_evidence_row) {
                Some(i) => *c = i,
                None => {
                    if let Some(i) = self.ev_rows.iter().rposition(is_evidence_row) {
                        *c = i;
                        self.status = "wrapped to the last evidence line".into();
                    }
                }
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
            Action::ToggleWrap => self.toggle_wrap(),
            Action::ToggleDetail => self.toggle_detail(),
            _ => {}
        }
    }
}

/// A regex for what the cause's signals match: a rule's patterns, or a mined
/// template with its `<*>` wildcards. Display only: nothing is computed from it.
pub(crate) fn signal_regex(ld: &Loaded, cause: &Cause) -> Option<regex::Regex> {
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

pub(crate) fn is_evidence_row(r: &EvRow) -> bool {
    matches!(r, EvRow::Line { evidence: true, .. } | EvRow::Text(_))
}
