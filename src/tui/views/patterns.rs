//! The patterns view: mined templates with their rates and activity.

use super::prelude::*;

impl App {
    pub(crate) fn draw_patterns(&self, frame: &mut Frame, area: Rect, ld: &Loaded, theme: Theme) {
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

    pub(crate) fn patterns_action(&mut self, a: Action) {
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
}
