//! One camera's motion settings, as whoever configures the site sets them (from a tile's menu):
//! its live picture with the 16x9 grid over it — drag to paint the cells where motion is ignored
//! (a tree, a road outside the site, the camera's clock) — the sensitivity, whether motion raises
//! an alarm, and when (the arming schedule, in the site's zone). Saved into the alarm rules; the
//! recorder's alarm runner takes them within seconds.

use std::sync::Arc;

use crate::app::i18n::Lang;
use crate::core::alarm::{MotionRule, Rules, Schedule};
use crate::core::motion_mask::MotionMask;
use crate::media::DecodedFrame;
use crate::render::TileCallback;

/// The editor's working copy (nothing is saved until Save).
pub(super) struct MotionEdit {
    pub camera: String,
    pub rule: MotionRule,
    /// The schedule as typed; empty: all day.
    pub schedule_text: String,
    /// While dragging: whether the cells under the pointer are being set (true) or cleared.
    painting: Option<bool>,
    pub error: Option<String>,
    /// The picture last handed to the renderer.
    uploaded_seq: u64,
}

impl MotionEdit {
    /// Edits `camera`'s rule as `rules` have it (a camera without one: detection on, no alarm).
    pub fn new(camera: &str, rules: &Rules) -> Self {
        let rule = rules.motion.get(camera).cloned().unwrap_or(MotionRule { enabled: false, ..MotionRule::default() });
        let schedule_text = if rule.schedule.is_always() { String::new() } else { rule.schedule.to_string() };
        MotionEdit { camera: camera.to_string(), rule, schedule_text, painting: None, error: None, uploaded_seq: 0 }
    }

    /// The rule to save, or why not (a schedule that does not read).
    fn finished(&self, lang: Lang) -> Result<MotionRule, String> {
        let text = self.schedule_text.trim();
        let schedule = if text.is_empty() {
            Schedule::always()
        } else {
            // The parser's detail is English: the officer gets the rule and an example.
            Schedule::parse(text).map_err(|e| {
                tracing::debug!("schedule {text:?}: {e}");
                texts(lang).bad_schedule.to_string()
            })?
        };
        Ok(MotionRule { schedule, ..self.rule.clone() })
    }
}

/// What the editor asks of the app.
pub(super) enum MotionEditAction {
    Save(String, MotionRule),
    Close,
}

struct Texts {
    title: &'static str,
    grid: &'static str,
    help: &'static str,
    sensitivity: &'static str,
    alarm: &'static str,
    schedule: &'static str,
    schedule_hint: &'static str,
    clear: &'static str,
    save: &'static str,
    cancel: &'static str,
    bad_schedule: &'static str,
    no_picture: &'static str,
}

fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Vi => &Texts {
            title: "Chuyển động",
            grid: "Lưới vùng bỏ qua",
            help: "Kéo chuột trên hình để tô ô bỏ qua chuyển động (cây, đường ngoài khu vực, đồng hồ trên hình); kéo lại để xóa.",
            sensitivity: "Độ nhạy",
            alarm: "Báo động khi có chuyển động",
            schedule: "Giờ bật báo động",
            schedule_hint: "vd. 22:00-05:00; để trống: cả ngày",
            clear: "Xóa hết vùng",
            save: "Lưu",
            cancel: "Hủy",
            bad_schedule: "Giờ bật không đọc được: viết như 22:00-05:00 (nhiều khoảng cách nhau bằng dấu phẩy), hoặc để trống cho cả ngày.",
            no_picture: "Chưa có hình",
        },
        Lang::En => &Texts {
            title: "Motion",
            grid: "Ignore grid",
            help: "Drag over the picture to paint cells where motion is ignored (trees, a road outside the site, the on-screen clock); drag again to clear.",
            sensitivity: "Sensitivity",
            alarm: "Motion raises an alarm",
            schedule: "Armed hours",
            schedule_hint: "e.g. 22:00-05:00; empty: all day",
            clear: "Clear all cells",
            save: "Save",
            cancel: "Cancel",
            bad_schedule: "The armed hours do not read: write them like 22:00-05:00 (several separated by commas), or leave them empty for all day.",
            no_picture: "No picture yet",
        },
    }
}

/// Width of the picture in the editor, points.
const PICTURE_W: f32 = 512.0;
const PICTURE_H: f32 = PICTURE_W * 9.0 / 16.0;
/// Cells where motion is ignored.
const MASKED: egui::Color32 = egui::Color32::from_rgba_premultiplied(150, 30, 30, 150);

/// Draws the editor for `edit` over the camera's newest frame (`frame`: the frame and its
/// sequence number in its slot).
pub(super) fn motion_edit_ui(
    ctx: &egui::Context,
    edit: &mut MotionEdit,
    camera_name: &str,
    frame: Option<(Arc<DecodedFrame>, u64)>,
    lang: Lang,
) -> Option<MotionEditAction> {
    let t = texts(lang);
    let mut action = None;
    let mut open = true;
    egui::Window::new(format!("{} — {camera_name}", t.title))
        .id(egui::Id::unique(("motion-edit", &edit.camera)))
        .open(&mut open)
        .resizable(false)
        .collapsible(false)
        .default_pos([300.0, 80.0])
        .show(ctx, |ui| {
            ui.label(egui::RichText::new(t.help).size(14.0));
            ui.add_space(4.0);
            MaskGrid {
                mask: &mut edit.rule.ignore,
                painting: &mut edit.painting,
                uploaded_seq: &mut edit.uploaded_seq,
                stream_id: format!("motion-edit/{}", edit.camera),
                label: t.grid,
                no_picture: t.no_picture,
                colour: MASKED,
            }
            .ui(ui, frame);
            ui.add_space(6.0);
            egui::Grid::new("motion-edit-fields").num_columns(2).spacing([12.0, 8.0]).show(ui, |ui| {
                ui.label(t.sensitivity);
                ui.add(egui::Slider::new(&mut edit.rule.sensitivity, 0..=100));
                ui.end_row();
                ui.label("");
                ui.checkbox(&mut edit.rule.enabled, t.alarm);
                ui.end_row();
                let label = ui.label(t.schedule);
                let field = ui
                    .add_enabled(
                        edit.rule.enabled,
                        egui::TextEdit::singleline(&mut edit.schedule_text).hint_text(t.schedule_hint).desired_width(280.0),
                    )
                    .labelled_by(label.id);
                if field.changed() {
                    edit.error = None;
                }
                ui.end_row();
            });
            if let Some(e) = &edit.error {
                ui.colored_label(egui::Color32::from_rgb(255, 110, 110), e);
            }
            ui.horizontal(|ui| {
                if ui.button(t.save).clicked() {
                    match edit.finished(lang) {
                        Ok(rule) => action = Some(MotionEditAction::Save(edit.camera.clone(), rule)),
                        Err(e) => edit.error = Some(e),
                    }
                }
                if ui.button(t.cancel).clicked() {
                    action = Some(MotionEditAction::Close);
                }
                if ui.button(t.clear).clicked() {
                    edit.rule.ignore = MotionMask::EMPTY;
                }
            });
        });
    if !open {
        action = Some(MotionEditAction::Close);
    }
    action
}

/// A camera's picture with the 16x9 grid over it; dragging paints or clears cells of `mask`
/// (drawn in `colour`). Shared by the motion settings (cells to ignore) and Smart Motion Search
/// (the region to search).
pub(super) struct MaskGrid<'a> {
    pub mask: &'a mut MotionMask,
    /// While dragging: whether the cells under the pointer are being set (true) or cleared.
    pub painting: &'a mut Option<bool>,
    /// The picture last handed to the renderer (its slot's sequence number).
    pub uploaded_seq: &'a mut u64,
    /// The renderer's texture for this picture.
    pub stream_id: String,
    pub label: &'a str,
    pub no_picture: &'a str,
    pub colour: egui::Color32,
}

impl MaskGrid<'_> {
    pub(super) fn ui(self, ui: &mut egui::Ui, frame: Option<(Arc<DecodedFrame>, u64)>) {
        let (rect, response) = ui.allocate_exact_size(egui::vec2(PICTURE_W, PICTURE_H), egui::Sense::click_and_drag());
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, self.label));
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, egui::Color32::from_gray(12));
        match frame {
            Some((frame, seq)) => {
                let is_new = seq != *self.uploaded_seq;
                *self.uploaded_seq = seq;
                let callback = TileCallback {
                    stream_id: self.stream_id,
                    frame: is_new.then(|| frame.clone()),
                    dim: false,
                    uv_offset: [0.0, 0.0],
                    uv_size: [1.0, 1.0],
                };
                painter.add(eframe::egui_wgpu::Callback::new_paint_callback(rect, callback));
            }
            None => {
                painter.text(
                    rect.center(),
                    egui::Align2::CENTER_CENTER,
                    self.no_picture,
                    egui::FontId::proportional(16.0),
                    egui::Color32::GRAY,
                );
            }
        }
        let (cw, ch) = (rect.width() / MotionMask::COLS as f32, rect.height() / MotionMask::ROWS as f32);
        let cell_at = |pos: egui::Pos2| {
            let (c, r) = (((pos.x - rect.min.x) / cw).floor(), ((pos.y - rect.min.y) / ch).floor());
            (c >= 0.0 && r >= 0.0 && (c as usize) < MotionMask::COLS && (r as usize) < MotionMask::ROWS).then_some((c as usize, r as usize))
        };
        let mask = self.mask;
        if response.drag_started() || response.clicked() {
            *self.painting = response.interact_pointer_pos().and_then(cell_at).map(|(c, r)| !mask.get(c, r));
        }
        if let (Some(on), Some((c, r))) = (*self.painting, response.interact_pointer_pos().and_then(cell_at)) {
            mask.set(c, r, on);
        }
        if response.clicked() || response.drag_stopped() {
            *self.painting = None;
        }
        for (c, r) in mask.cells() {
            let cell = egui::Rect::from_min_size(egui::pos2(rect.min.x + c as f32 * cw, rect.min.y + r as f32 * ch), egui::vec2(cw, ch));
            painter.rect_filled(cell, 0.0, self.colour);
        }
        let line = egui::Stroke::new(1.0, egui::Color32::from_rgba_unmultiplied(255, 255, 255, 60));
        for c in 1..MotionMask::COLS {
            let x = rect.min.x + c as f32 * cw;
            painter.line_segment([egui::pos2(x, rect.min.y), egui::pos2(x, rect.max.y)], line);
        }
        for r in 1..MotionMask::ROWS {
            let y = rect.min.y + r as f32 * ch;
            painter.line_segment([egui::pos2(rect.min.x, y), egui::pos2(rect.max.x, y)], line);
        }
    }
}
