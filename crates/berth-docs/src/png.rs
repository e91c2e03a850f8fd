//! PNG: Berth's SVG rasterized in Rust (resvg), with the system's fonts. Nothing outside the
//! process is run.

use resvg::{tiny_skia, usvg};

/// Sans-serif families to draw text with, in order of preference: the first one installed is
/// used where the SVG asks for Helvetica, Arial or sans-serif.
const SANS: [&str; 6] = [
    "Helvetica",
    "Arial",
    "Liberation Sans",
    "DejaVu Sans",
    "Noto Sans",
    "FreeSans",
];

/// Rasterizes an SVG document at its own size.
///
/// # Errors
/// The SVG does not parse, has no area, or the PNG cannot be encoded; or no font is installed,
/// which would leave every label out.
pub fn render(svg: &str) -> Result<Vec<u8>, String> {
    let mut opt = usvg::Options::default();
    let db = opt.fontdb_mut();
    db.load_system_fonts();
    let installed = |family: &str| {
        db.faces()
            .any(|f| f.families.iter().any(|(name, _)| name == family))
    };
    let Some(sans) = SANS.iter().find(|f| installed(f)).map(|f| (*f).to_string()) else {
        return Err(
            "no sans-serif font is installed to draw the labels with (for example: apt-get install fonts-dejavu-core)"
                .into(),
        );
    };
    db.set_sans_serif_family(sans);
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| format!("SVG: {e}"))?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| "the drawing has no area".to_string())?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| format!("PNG: {e}"))
}
