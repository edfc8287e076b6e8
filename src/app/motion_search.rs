//! Smart Motion Search, as the reviewer uses it after an incident (from a tile's menu): paint the
//! region that matters on the camera's picture (a shop door, a parked motorbike), search the
//! timeline's window, and jump to each moment something moved there. The store keeps, for every
//! second with motion, which of the 16x9 cells moved (`store::motion`), so a search of a day is
//! one indexed read.

use std::sync::Arc;

use super::motion_edit::MaskGrid;
use crate::app::i18n::Lang;
use crate::core::motion_mask::MotionMask;
use crate::core::time::Time90k;
use crate::core::timeline::Span90k;
use crate::media::DecodedFrame;

/// Moments listed at most (the newest are kept).
pub(super) const MAX_MOMENTS: usize = 200;

/// The search window's state.
pub(super) struct MotionSearch {
    pub camera: String,
    pub region: MotionMask,
    painting: Option<bool>,
    uploaded_seq: u64,
    /// The moments found by the last search, and the range it searched.
    pub found: Option<(Vec<Span90k>, Span90k)>,
    pub error: Option<String>,
}

impl MotionSearch {
    pub fn new(camera: &str) -> Self {
        MotionSearch { camera: camera.to_string(), region: MotionMask::EMPTY, painting: None, uploaded_seq: 0, found: None, error: None }
    }
}

pub(super) enum SearchAction {
    /// Search the timeline's window for motion in the region.
    Search,
    /// Play from this moment.
    Seek(Time90k),
    Close,
}

struct Texts {
    title: &'static str,
    help: &'static str,
    grid: &'static str,
    search: &'static str,
    clear: &'static str,
    none: &'static str,
    found: &'static str,
    no_picture: &'static str,
    empty_region: &'static str,
    play: &'static str,
}

fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Vi => &Texts {
            title: "Tìm chuyển động",
            help: "Tô vùng cần xem trên hình (cửa hàng, chỗ để xe…), rồi bấm Tìm: các lúc có chuyển động trong vùng, trong khoảng thời gian đang xem trên dòng thời gian.",
            grid: "Vùng tìm chuyển động",
            search: "Tìm",
            clear: "Xóa vùng",
            none: "Không có chuyển động trong vùng này.",
            found: "lần có chuyển động",
            no_picture: "Chưa có hình",
            empty_region: "Hãy tô ít nhất một ô.",
            play: "Xem lúc",
        },
        Lang::En => &Texts {
            title: "Motion search",
            help: "Paint the region that matters on the picture (a shop door, a parking spot…), then Search: the moments with motion there, in the time the timeline shows.",
            grid: "Motion search region",
            search: "Search",
            clear: "Clear region",
            none: "No motion in this region.",
            found: "moments with motion",
            no_picture: "No picture yet",
            empty_region: "Paint at least one cell.",
            play: "Play from",
        },
    }
}

/// The searched region's cells.
const REGION: egui::Color32 = egui::Color32::from_rgba_premultiplied(30, 90, 160, 140);

/// Draws the search window; `format_time` writes an instant in the site's zone.
pub(super) fn motion_search_ui(
    ctx: &egui::Context,
    search: &mut MotionSearch,
    camera_name: &str,
    frame: Option<(Arc<DecodedFrame>, u64)>,
    lang: Lang,
    format_time: &dyn Fn(Time90k) -> String,
) -> Option<SearchAction> {
    let t = texts(lang);
    let mut action = None;
    let mut open = true;
    egui::Window::new(format!("{} — {camera_name}", t.title))
        .id(egui::Id::unique(("motion-search", &search.camera)))
        .open(&mut open)
        .resizable(false)
        .collapsible(false)
        .default_pos([320.0, 60.0])
        .show(ctx, |ui| {
            ui.label(egui::RichText::new(t.help).size(14.0));
            ui.add_space(4.0);
            MaskGrid {
                mask: &mut search.region,
                painting: &mut search.painting,
                uploaded_seq: &mut search.uploaded_seq,
                stream_id: format!("motion-search/{}", search.camera),
                label: t.grid,
                no_picture: t.no_picture,
                colour: REGION,
            }
            .ui(ui, frame);
            ui.horizontal(|ui| {
                if ui.button(egui::RichText::new(t.search).strong()).clicked() {
                    if search.region.is_empty() {
                        search.error = Some(t.empty_region.into());
                    } else {
                        search.error = None;
                        action = Some(SearchAction::Search);
                    }
                }
                if ui.button(t.clear).clicked() {
                    search.region = MotionMask::EMPTY;
                    search.found = None;
                }
            });
            if let Some(e) = &search.error {
                ui.colored_label(egui::Color32::from_rgb(255, 110, 110), e);
            }
            if let Some((moments, range)) = &search.found {
                ui.separator();
                if moments.is_empty() {
                    ui.label(t.none);
                } else {
                    ui.label(format!("{} {} ({} – {})", moments.len(), t.found, format_time(range.start_90k), format_time(range.end_90k)));
                }
                egui::ScrollArea::vertical().max_height(220.0).id_salt("motion-moments").show(ui, |ui| {
                    for m in moments.iter().rev() {
                        let secs = (m.end_90k - m.start_90k).as_secs_f64().round() as i64;
                        if ui.button(format!("{} {} ({secs} s)", t.play, format_time(m.start_90k))).clicked() {
                            action = Some(SearchAction::Seek(m.start_90k));
                        }
                    }
                });
            }
        });
    if !open {
        action = Some(SearchAction::Close);
    }
    action
}
