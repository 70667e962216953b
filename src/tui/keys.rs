//! Keys → [`Action`]s. Vim keys and arrows both work; a prompt takes every
//! printable key as text.

use super::app::{Action, App, Prompt, View};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub fn map_key(app: &App, key: KeyEvent) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c')) {
        return Some(Action::Quit);
    }
    if app.prompt.is_some() {
        return Some(match key.code {
            KeyCode::Enter => Action::PromptSubmit,
            KeyCode::Esc => Action::PromptCancel,
            KeyCode::Backspace => Action::PromptBackspace,
            KeyCode::Char(c) if !ctrl => Action::PromptChar(c),
            _ => return None,
        });
    }
    if ctrl {
        return match key.code {
            KeyCode::Char('f') | KeyCode::Char('d') => Some(Action::PageDown),
            KeyCode::Char('b') | KeyCode::Char('u') => Some(Action::PageUp),
            KeyCode::Char('n') => Some(Action::Down),
            KeyCode::Char('p') => Some(Action::Up),
            _ => None,
        };
    }
    let log = app.view == View::Log;
    let lines = log || app.view == View::Evidence;
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::PageUp | KeyCode::Char('b') => Action::PageUp,
        KeyCode::PageDown | KeyCode::Char(' ') => Action::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Action::Top,
        KeyCode::End | KeyCode::Char('G') => Action::Bottom,
        KeyCode::Left | KeyCode::Char('h') => Action::Left,
        KeyCode::Right | KeyCode::Char('l') => Action::Right,
        KeyCode::Char('0') => Action::LineStart,
        KeyCode::Enter => Action::Enter,
        KeyCode::Tab => Action::NextView,
        KeyCode::Char('1') => Action::GoView(View::Triage),
        KeyCode::Char('2') => Action::GoView(View::Log),
        KeyCode::Char('3') => Action::GoView(View::Patterns),
        KeyCode::Char('n') => Action::NextMatch,
        KeyCode::Char('N') => Action::PrevMatch,
        KeyCode::Char('e') if log => Action::NextError,
        KeyCode::Char('E') if log => Action::PrevError,
        KeyCode::Char('/') => Action::OpenPrompt(Prompt::Search),
        KeyCode::Char('f') => Action::OpenPrompt(Prompt::FilterIn),
        KeyCode::Char('x') => Action::OpenPrompt(Prompt::FilterOut),
        KeyCode::Char('t') => Action::OpenPrompt(Prompt::Time),
        KeyCode::Char('c') if log => Action::ClearFilters,
        KeyCode::Char('L') if log => Action::CycleLevel,
        KeyCode::Char('s') if log => Action::CycleSource,
        KeyCode::Char('H') if log => Action::CycleHost,
        KeyCode::Char('w') => Action::ToggleWrap,
        KeyCode::Char('p') if lines => Action::ToggleDetail,
        KeyCode::Char('o') => Action::JumpOnset,
        KeyCode::Char('y') => Action::CopyRef,
        KeyCode::Char('F') => Action::ToggleFollow,
        KeyCode::Char('r') => Action::ToggleRaw,
        _ => return None,
    })
}
