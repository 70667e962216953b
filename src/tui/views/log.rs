//! The log view: every input merged in time order, with search, filters and a detail pane.

use super::prelude::*;

/// Columns before a wrapped line's text: cursor mark, level letter, space, source tag.
const WRAP_PREFIX: usize = 13;

impl App {
    pub(crate) fn draw_log(&self, frame: &mut Frame, area: Rect, ld: &Loaded, theme: Theme) {
        let detail_h = if self.log.detail { self.detail_height() as u16 } else { 0 };
        let [title, list, detail] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(detail_h)]).areas(area);
        let n = self.log.row_count(ld);
        let fl = &self.log.filters;
        let mut t = match fl.source {
            Some(s) => format!(" log · {}", ld.index.sources[s as usize].display()),
            None => {
                format!(" log · {} merged in time order", crate::text::counted(ld.index.inputs.len() as u64, "input"))
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
        if let Some(id) = self.log.selected(ld).filter(|_| self.log.detail) {
            self.draw_detail(frame, detail, ld, id, theme);
        }
    }

    /// Wrapped rows have different heights: start from `top`, or earlier rows
    /// backwards from the cursor when the cursor would not fit.
    pub(crate) fn draw_wrapped(
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
        let height_of = |row: usize| self.log.record_at(ld, row).map_or(1, |id| self.wrapped_height(ld, id, w, h));
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
            let mark = if row == self.log.cursor { "▶" } else { " " };
            let mut lines = self.wrapped_line(ld, id, mark, w, h - y, search, theme);
            if row == self.log.cursor {
                lines = lines.into_iter().map(|l| l.style(theme.selected())).collect();
            }
            let lh = lines.len();
            let rect = Rect { y: area.y + y as u16, height: lh as u16, ..area };
            frame.render_widget(Paragraph::new(lines), rect);
            y += lh;
            row += 1;
        }
    }

    /// Rows a record takes when wrapped at `width` columns (at most `max`).
    pub(crate) fn wrapped_height(&self, ld: &Loaded, id: usize, width: usize, max: usize) -> usize {
        let chars = self.shown_line(ld, id).chars().count();
        chars.div_ceil(width.saturating_sub(WRAP_PREFIX).max(1)).clamp(1, max.max(1))
    }

    /// A record wrapped at `width` columns in at most `max_rows` rows: `mark`, level letter and
    /// source tag on the first row, `↪` on the others.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn wrapped_line(
        &self,
        ld: &Loaded,
        id: usize,
        mark: &'static str,
        width: usize,
        max_rows: usize,
        search: Option<&regex::Regex>,
        theme: Theme,
    ) -> Vec<Line<'static>> {
        let body_w = width.saturating_sub(WRAP_PREFIX).max(1);
        let r = &ld.index.records;
        let level = r.level(id);
        let src = &ld.index.sources[r.source(id) as usize];
        let chars: Vec<char> = self.shown_line(ld, id).chars().collect();
        let mut lines = Vec::new();
        for (k, chunk) in chars.chunks(body_w).enumerate().take(max_rows) {
            let mut spans = if k == 0 {
                vec![
                    Span::raw(mark),
                    Span::styled(level_letter(level), theme.level(level)),
                    Span::raw(" "),
                    Span::styled(format!("{:<9} ", source_tag(&src.stream)), theme.dim()),
                ]
            } else {
                vec![Span::raw(" ".repeat(WRAP_PREFIX - 1)), Span::styled("↪", theme.dim())]
            };
            spans.extend(highlight(chunk.iter().collect(), search, theme));
            lines.push(Line::from(spans));
        }
        if lines.is_empty() {
            lines.push(Line::from(""));
        }
        lines
    }

    /// The detail pane (`p`): one record's reference, level, host, service and pattern, then
    /// the whole record, JSON pretty-printed.
    pub(crate) fn draw_detail(&self, frame: &mut Frame, area: Rect, ld: &Loaded, id: usize, theme: Theme) {
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

    /// `w`, in the log and evidence views alike.
    pub(crate) fn toggle_wrap(&mut self) {
        self.log.wrap = !self.log.wrap;
        self.status = format!("wrap: {}", if self.log.wrap { "on" } else { "off" });
    }

    /// `p`, in the log and evidence views alike (the pane itself says it is open).
    pub(crate) fn toggle_detail(&mut self) {
        self.log.detail = !self.log.detail;
    }

    pub(crate) fn log_action(&mut self, a: Action) {
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
            Action::ToggleWrap => self.toggle_wrap(),
            Action::ToggleDetail => self.toggle_detail(),
            Action::NextError | Action::PrevError => {
                log.start_error_search(ld, matches!(a, Action::NextError));
                self.work();
            }
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
}
