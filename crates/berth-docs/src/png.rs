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

/// The largest raster drawn: 100 million pixels (400 MB in memory before it is compressed).
const MAX_PIXELS: u64 = 100_000_000;

/// Refuses a drawing of more than [`MAX_PIXELS`].
fn too_large(width: f64, height: f64) -> Result<(), String> {
    if width * height > MAX_PIXELS as f64 {
        return Err(format!(
            "the drawing is {width:.0} × {height:.0} pixels, more than a PNG is drawn at ({} \
             million pixels): write it as SVG (--format svg), or draw a part of it (--only \
             SERVICE, --collapse, another --view)",
            MAX_PIXELS / 1_000_000
        ));
    }
    Ok(())
}

/// The `width` and `height` of the root `<svg>` element, in pixels, when both are plain
/// numbers (as in the SVG Berth draws).
fn declared_size(svg: &str) -> Option<(f64, f64)> {
    let start = svg.find("<svg")?;
    let tag = &svg[start..start + svg[start..].find('>')?];
    let attr = |name: &str| -> Option<f64> {
        let key = format!(" {name}=\"");
        let at = tag.find(&key)? + key.len();
        tag[at..].split('"').next()?.parse().ok()
    };
    Some((attr("width")?, attr("height")?))
}

/// Rasterizes an SVG document at its own size.
///
/// # Errors
/// The SVG does not parse, has no area, or the PNG cannot be encoded; or no font is installed,
/// which would leave every label out.
pub fn render(svg: &str) -> Result<Vec<u8>, String> {
    // Told from the root element's size before the whole document is read (which takes
    // seconds for a drawing this large).
    if let Some((w, h)) = declared_size(svg) {
        too_large(w, h)?;
    }
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
    too_large(f64::from(size.width()), f64::from(size.height()))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| "the drawing has no area".to_string())?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| format!("PNG: {e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_drawing_too_large_for_a_png_is_refused_before_it_is_drawn() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"200000\"><text>x</text></svg>";
        assert_eq!(super::declared_size(svg), Some((900.0, 200_000.0)));
        let e = super::render(svg).expect_err("a 180 million pixel PNG was drawn");
        assert!(e.contains("900 × 200000 pixels"), "{e}");
    }
}
