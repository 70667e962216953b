//! The triage view: the answer first, ranked causes, why the selected one, a timeline chart.

use super::prelude::*;

impl App {
    pub(crate) fn draw_triage(&self, frame: &mut Frame, area: Rect, ld: &Loaded, theme: Theme) {
        let f = &ld.findings;
        let h = area.height as usize;
        let ncauses = f.causes.len().max(1);
        let cause_rows = ncauses.min(if h >= 40 { 12 } else { 5 }) as u16;
        let tall = h >= 40;
        // The answer first, on up to two rows.
        let answer = escape_str(&f.headline()).into_owned();
        let width = area.width as usize;
        let answer_rows = if answer.chars().count() + 1 > width { 2 } else { 1 };
        // Every reason of the selected cause shows, wrapped, before the chart gets rows: the chart
        // loses series (and at last goes) when the screen is short.
        let room = h.saturating_sub(2 + answer_rows + 1 + cause_rows as usize);
        let need = f.causes.get(self.cause).map_or(0, |c| detail_rows_needed(c, width));
        let per_series = if tall { 2 } else { 1 };
        let nseries = (0..=f.charts.len().min(if tall { 8 } else { 3 }))
            .rev()
            .find(|&n| n == 0 || n * per_series + 3 + need <= room)
            .unwrap_or(0);
        let chart_rows = if nseries == 0 { 0 } else { (nseries * per_series) as u16 + 3 };
        let [head, causes_title, causes, detail, chart] = Layout::vertical([
            Constraint::Length(2 + answer_rows as u16),
            Constraint::Length(1),
            Constraint::Length(cause_rows),
            Constraint::Min(2),
            Constraint::Length(chart_rows),
        ])
        .areas(area);

        // Header: inputs and span; the answer; the incident window and onset.
        let span = ld.index.time_span();
        let mut l1 = format!(
            " culprit · {} · {}",
            crate::text::counted(ld.index.inputs.len() as u64, "input"),
            crate::text::counted(ld.index.records.len() as u64, "record")
        );
        if let Some((a, b)) = span {
            l1.push_str(&format!(" · {} → {} ({})", short_time(a), clock(b), human_duration(b - a)));
        }
        // Name the inputs when they fit (wide screens); the count says enough otherwise.
        let names: Vec<String> = ld.index.inputs.iter().map(|i| short_path(&i.path)).collect();
        let named = format!("{l1} · {}", names.join(", "));
        if named.chars().count() <= width {
            l1 = named;
        }
        let mut head_lines = vec![Line::styled(l1, theme.title())];
        for row in wrap_rows(&answer, width.saturating_sub(1), answer_rows) {
            head_lines.push(Line::styled(format!(" {row}"), theme.strong()));
        }
        let window = match &f.incident {
            Some(inc) => {
                let end = inc.end.map(clock).unwrap_or_else(|| "ongoing".into());
                let src = match inc.source {
                    crate::findings::WindowSource::Auto => "detected",
                    crate::findings::WindowSource::Flag => "given",
                };
                format!(" incident {} → {end} ({src}) · onset {}", clock(inc.start), clock(inc.onset))
            }
            None => " no incident window found".to_string(),
        };
        head_lines.push(Line::from(window));
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

    pub(crate) fn draw_cause_detail(&self, frame: &mut Frame, area: Rect, ld: &Loaded, c: &Cause, theme: Theme) {
        let w = area.width as usize;
        let mut lines = Vec::new();
        let hosts = if c.hosts.is_empty() {
            "-".to_string()
        } else {
            escape_str(&crate::text::sorted_hosts(&c.hosts).join(", ")).into_owned()
        };
        let onset = c.onset.map(clock).unwrap_or_else(|| "-".into());
        lines.push(Line::from(vec![
            Span::raw(" "),
            Span::styled(format!("why #{}", c.rank), theme.section()),
            Span::raw(format!(
                " · {} · hosts {hosts} · onset {onset}{}",
                escape_str(&c.service),
                crate::report::rate_phrase(c).map(|r| format!(" · {r}")).unwrap_or_default()
            )),
        ]));
        let room = area.height as usize;
        // The list cuts a long title: the whole of it here, when that hides no reason.
        let title = escape_str(&c.title);
        if title.chars().count() > w.saturating_sub(CAUSE_ROW_PREFIX) {
            let rows = wrap_rows(&title, w.saturating_sub(3), usize::MAX);
            if room >= detail_rows_needed(c, w) + rows.len() {
                lines.extend(rows.into_iter().map(|r| Line::styled(format!("   {r}"), theme.strong())));
            }
        }
        // Reasons first, wrapped; evidence lines take what is left (Enter shows them all).
        for r in c.reasons.iter() {
            for (k, row) in reason_rows(r, w).into_iter().enumerate() {
                lines.push(Line::from(format!("{}{row}", if k == 0 { "   • " } else { "     " })));
            }
        }
        let ev_room = room.saturating_sub(lines.len() + 1).min(c.evidence.len()).max(1);
        if !c.evidence.is_empty() {
            lines.push(Line::styled(
                format!(" evidence ({}, Enter to open):", crate::text::counted(c.evidence.len() as u64, "line")),
                theme.section(),
            ));
        }
        for e in c.evidence.iter().take(ev_room) {
            let text = match e.record {
                Some(r) if (r as usize) < ld.index.records.len() => self.shown_line(ld, r as usize),
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

    pub(crate) fn draw_chart(
        &self,
        frame: &mut Frame,
        area: Rect,
        ld: &Loaded,
        nseries: usize,
        tall: bool,
        theme: Theme,
    ) {
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

    pub(crate) fn triage_action(&mut self, a: Action) {
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
}

/// With nothing ranked, the triage screen says what was read instead.
pub(crate) fn draw_inputs(frame: &mut Frame, area: Rect, ld: &Loaded, theme: Theme) {
    let mut lines = vec![Line::styled(" inputs (2 opens the merged log):", theme.section())];
    for i in &ld.index.inputs {
        let span = if i.first == crate::time::NO_TIME {
            "no timestamps".to_string()
        } else {
            format!("{} → {}", clock(i.first), clock(i.last))
        };
        lines.push(Line::from(format!(
            "   {:<24} {:<10} {:>17}  {span}",
            truncate_chars(&short_path(&i.path), 24),
            escape_str(&i.format),
            crate::text::counted(i.records, "record")
        )));
    }
    for n in &ld.findings.notices {
        lines.push(Line::from(format!("   ! {}", escape_str(n))));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// Columns before a title in the list of causes: mark, rank, badge, score, subsystem.
const CAUSE_ROW_PREFIX: usize = 32;

/// Rows the detail of cause `c` needs at `width` columns: the why line, every reason wrapped,
/// and the evidence heading with one evidence line.
fn detail_rows_needed(c: &Cause, width: usize) -> usize {
    let reasons: usize = c.reasons.iter().map(|r| reason_rows(r, width).len()).sum();
    1 + reasons + if c.evidence.is_empty() { 0 } else { 2 }
}

/// A reason wrapped below its `   • ` bullet.
fn reason_rows(reason: &str, width: usize) -> Vec<String> {
    wrap_rows(&escape_str(reason), width.saturating_sub(5), usize::MAX)
}

/// `text` in at most `rows` rows of `width` chars, broken at spaces where it can be; the last
/// row ends with `…` when text is left over.
fn wrap_rows(text: &str, width: usize, rows: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out: Vec<String> = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() && out.len() < rows {
        if rest.chars().count() <= width {
            out.push(rest.to_string());
            break;
        }
        if out.len() + 1 == rows {
            out.push(truncate_chars(rest, width).into_owned());
            break;
        }
        let (cut, edge) = rest.char_indices().nth(width).map_or((rest.len(), 0), |(i, c)| (i, c.len_utf8()));
        // A space right at the edge is a fine place to break too.
        let at = rest[..cut + edge].rfind(' ').filter(|&i| i > 0).unwrap_or(cut);
        out.push(rest[..at].trim_end().to_string());
        rest = rest[at..].trim_start();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::wrap_rows;

    #[test]
    fn wrap_rows_breaks_at_spaces_and_marks_the_cut() {
        assert_eq!(wrap_rows("aaa bbb ccc", 7, 2), vec!["aaa bbb", "ccc"]);
        assert_eq!(wrap_rows("aaa bbb ccc ddd", 7, 2), vec!["aaa bbb", "ccc ddd"]);
        assert_eq!(wrap_rows("aaa bbb ccc ddd eee", 7, 2), vec!["aaa bbb", "ccc dd…"]);
        assert_eq!(wrap_rows("short", 20, 2), vec!["short"]);
        assert_eq!(wrap_rows("ab→cd→ef gh", 4, 2), vec!["ab→c", "d→e…"]);
    }
}
