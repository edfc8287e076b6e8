//! Fonts: egui's built-in fonts lack Vietnamese precomposed letters (ấ ố ệ ữ), so Noto Sans
//! (assets/fonts, SIL OFL) is put first in every family.

use std::sync::Arc;

const NOTO_SANS_REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Regular.ttf");

pub fn install(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert("noto-sans".into(), Arc::new(egui::FontData::from_static(NOTO_SANS_REGULAR)));
    fonts.families.entry(egui::FontFamily::Proportional).or_default().insert(0, "noto-sans".into());
    // Monospace keeps its own glyphs and falls back to Noto Sans for Vietnamese letters.
    fonts.families.entry(egui::FontFamily::Monospace).or_default().push("noto-sans".into());
    ctx.set_fonts(fonts);
}
