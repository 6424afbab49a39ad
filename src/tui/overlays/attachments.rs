//! The attachment list of one ticket (`o`): every file the user may see, with who sent
//! it and when; an image under the cursor is previewed beside the list (kitty, iTerm2,
//! sixel or half blocks), anything else is described. Enter saves the file to the
//! download directory and opens it where there is a display; `ctrl-y` copies its link.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use image::DynamicImage;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect, Size};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui_image::protocol::Protocol;
use ratatui_image::{Image, Resize};

use super::{Cmd, Outcome, Overlay, centered, popup};
use crate::domain::attachment::{Attachment, human_size};
use crate::domain::model::Visibility;
use crate::tui::action::Action;
use crate::tui::context::Context;
use crate::tui::files::{PREVIEW_MAX_BYTES, previewable};
use crate::tui::keymap::{Key, Pane};
use crate::tui::panes::ticket_text::ago;
use crate::tui::protocol::Call;

pub struct AttachmentList {
    pub key: String,
    pub items: Vec<Attachment>,
    cursor: usize,
    /// Previews asked for, by attachment id: `None` while loading.
    previews: HashMap<i64, Option<Result<Arc<DynamicImage>, String>>>,
    /// The image drawn last, encoded for the terminal at the size it was drawn: drawing
    /// takes `&self`, and encoding on every frame would be slow.
    drawn: RefCell<Option<(i64, Rect, Protocol)>>,
}

impl AttachmentList {
    /// The list, and the preview of the first file if it is an image.
    pub fn new(key: String, items: Vec<Attachment>, ctx: &Context) -> (AttachmentList, Vec<Cmd>) {
        let mut list = AttachmentList {
            key,
            items,
            cursor: 0,
            previews: HashMap::new(),
            drawn: RefCell::new(None),
        };
        let cmds = list.want_preview(ctx);
        (list, cmds)
    }

    pub fn selected(&self) -> Option<&Attachment> {
        self.items.get(self.cursor)
    }

    /// The preview of the file under the cursor, asked for once.
    fn want_preview(&mut self, ctx: &Context) -> Vec<Cmd> {
        let Some(a) = self.selected() else {
            return Vec::new();
        };
        let id = a.id;
        if ctx.settings.images.is_none()
            || !previewable(&a.media_type)
            || a.size > PREVIEW_MAX_BYTES
            || self.previews.contains_key(&id)
        {
            return Vec::new();
        }
        self.previews.insert(id, None);
        vec![Cmd::Effect(Call::Preview { id }.into())]
    }

    /// A preview came back.
    pub fn previewed(&mut self, id: i64, result: Result<Arc<DynamicImage>, String>) {
        self.previews.insert(id, Some(result));
    }

    fn preview_text(&self, a: &Attachment, ctx: &Context) -> String {
        if !previewable(&a.media_type) {
            return "no preview for this type".into();
        }
        if ctx.settings.images.is_none() {
            return "previews are off ([ui] images)".into();
        }
        if a.size > PREVIEW_MAX_BYTES {
            return "too large to preview".into();
        }
        match self.previews.get(&a.id) {
            Some(Some(Err(why))) => format!("no preview: {why}"),
            _ => "loading the preview…".into(),
        }
    }

    fn draw_preview(&self, frame: &mut Frame, area: Rect, a: &Attachment, ctx: &Context) -> bool {
        let (Some(picker), Some(Some(Ok(image)))) =
            (ctx.settings.images.as_ref(), self.previews.get(&a.id))
        else {
            return false;
        };
        let mut drawn = self.drawn.borrow_mut();
        let stale = !matches!(&*drawn, Some((id, rect, _)) if *id == a.id && *rect == area);
        if stale {
            let size = Size::new(area.width, area.height);
            // Scaled to the room there is, small screenshots too.
            match picker.new_protocol(image.as_ref().clone(), size, Resize::Scale(None)) {
                Ok(protocol) => *drawn = Some((a.id, area, protocol)),
                Err(_) => return false,
            }
        }
        match &*drawn {
            Some((_, _, protocol)) => {
                frame.render_widget(Image::new(protocol), area);
                true
            }
            None => false,
        }
    }
}

impl Overlay for AttachmentList {
    fn pane(&self) -> Pane {
        Pane::Picker
    }

    fn act(&mut self, action: Action, ctx: &Context) -> Outcome {
        let last = self.items.len().saturating_sub(1);
        let moved = match action {
            Action::Down | Action::NextField => Some((self.cursor + 1).min(last)),
            Action::Up => Some(self.cursor.saturating_sub(1)),
            Action::Top => Some(0),
            Action::Bottom => Some(last),
            _ => None,
        };
        if let Some(to) = moved {
            self.cursor = to;
            return Outcome::Keep(self.want_preview(ctx));
        }
        match action {
            Action::Back => Outcome::close(),
            Action::Confirm | Action::Toggle => match self.selected() {
                Some(a) => Outcome::Keep(vec![
                    Cmd::Tell(format!("saving {}…", a.name)),
                    Cmd::Effect(
                        Call::Save {
                            id: a.id,
                            name: a.name.clone(),
                        }
                        .into(),
                    ),
                ]),
                None => Outcome::keep(),
            },
            Action::CopyLink => match self.selected() {
                Some(a) => match ctx.link(a.id) {
                    Some(link) => Outcome::Keep(vec![
                        Cmd::Tell(format!("copied the link to {}", a.name)),
                        Cmd::Effect(crate::tui::protocol::TermEffect::Copy(link).into()),
                    ]),
                    None => Outcome::Keep(vec![Cmd::Warn(format!(
                        "a desk on this machine has no links: {} saves {}",
                        ctx.word(Pane::Picker, Action::Confirm),
                        a.name
                    ))]),
                },
                None => Outcome::keep(),
            },
            _ => Outcome::keep(),
        }
    }

    fn input(&mut self, _key: Key, _ctx: &Context) -> Outcome {
        Outcome::keep()
    }

    fn offers(&self, action: Action) -> bool {
        matches!(
            action,
            Action::Confirm | Action::CopyLink | Action::Back | Action::Down | Action::Up
        )
    }

    fn hints(&self, ctx: &Context) -> Vec<(String, &'static str)> {
        let word = |a| ctx.word(Pane::Picker, a);
        vec![
            (word(Action::Confirm), "save & open"),
            (word(Action::CopyLink), "copy link"),
            (word(Action::Back), "back"),
        ]
    }

    fn draw(&self, frame: &mut Frame, ctx: &Context) {
        let area = ctx.layout.screen;
        let theme = ctx.theme();
        let width = area.width.saturating_sub(4).min(110);
        let height = area.height.saturating_sub(4).min(30);
        let title = format!("{} · {} file(s)", self.key, self.items.len());
        let inner = popup(frame, ctx, centered(area, width, height), &title);
        // Side by side when there is room, else the preview under the list.
        let wide = inner.width >= 70;
        let rows = (self.items.len() as u16).min(inner.height / 2).max(1);
        let [list_area, preview_area] = if wide {
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .spacing(1)
                .areas(inner)
        } else {
            Layout::vertical([Constraint::Length(rows), Constraint::Min(0)])
                .spacing(1)
                .areas(inner)
        };
        let visible = usize::from(list_area.height.max(1));
        let start = self.cursor.saturating_sub(visible - 1);
        let lines: Vec<Line> = self
            .items
            .iter()
            .enumerate()
            .skip(start)
            .take(visible)
            .map(|(i, a)| {
                let mut spans = vec![
                    Span::raw(format!("📎 {}", a.name)),
                    Span::styled(
                        format!("  {}", human_size(a.size.max(0) as u64)),
                        theme.dim(),
                    ),
                ];
                if a.visibility == Visibility::Internal {
                    spans.push(Span::styled(" [internal]", theme.internal()));
                }
                let line = Line::from(spans);
                if i == self.cursor {
                    line.style(theme.selected())
                } else {
                    line
                }
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), list_area);
        let Some(a) = self.selected() else {
            return;
        };
        let who = a
            .uploader
            .as_ref()
            .map(|u| u.name.clone())
            .or_else(|| a.uploader_email.clone())
            .unwrap_or_else(|| "someone".into());
        let about = vec![
            Line::styled(a.name.clone(), theme.bold()),
            Line::styled(
                format!("{} · {}", a.media_type, human_size(a.size.max(0) as u64)),
                theme.dim(),
            ),
            Line::styled(
                format!("from {who}, {}", ago(a.created_at, ctx.now)),
                theme.dim(),
            ),
        ];
        let [head, body] = Layout::vertical([
            Constraint::Length(about.len() as u16 + 1),
            Constraint::Min(0),
        ])
        .areas(preview_area);
        frame.render_widget(Paragraph::new(about).wrap(Wrap { trim: false }), head);
        if body.height > 0 && !self.draw_preview(frame, body, a, ctx) {
            frame.render_widget(
                Paragraph::new(Line::styled(self.preview_text(a, ctx), theme.dim()))
                    .wrap(Wrap { trim: false }),
                body,
            );
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
