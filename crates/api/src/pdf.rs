//! Text in PDF documents in any script the embedded font has: DejaVu Sans
//! (Latin, Greek, Cyrillic and more), regular and bold, embedded as CID
//! fonts holding only the glyphs a document uses, with a map back to
//! Unicode so that its text can be searched and copied.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Rect, Ref, Str};
use std::collections::BTreeMap;
use std::sync::LazyLock;
use subsetter::GlyphRemapper;

/// One typeface of the embedded family.
pub struct Typeface {
    name: &'static str,
    data: &'static [u8],
    face: ttf_parser::Face<'static>,
}

fn typeface(name: &'static str, data: &'static [u8]) -> Typeface {
    let face = ttf_parser::Face::parse(data, 0).expect("the embedded font parses");
    Typeface { name, data, face }
}

pub static REGULAR: LazyLock<Typeface> =
    LazyLock::new(|| typeface("DejaVuSans", include_bytes!("../fonts/DejaVuSans.ttf")));
pub static BOLD: LazyLock<Typeface> = LazyLock::new(|| {
    typeface(
        "DejaVuSans-Bold",
        include_bytes!("../fonts/DejaVuSans-Bold.ttf"),
    )
});

impl Typeface {
    fn glyph(&self, c: char) -> u16 {
        // Glyph 0 is the font's box for what it lacks.
        self.face.glyph_index(c).map_or(0, |g| g.0)
    }

    /// The advance of glyph `g`, in thousandths of the size.
    fn advance(&self, g: u16) -> f32 {
        let units = self
            .face
            .glyph_hor_advance(ttf_parser::GlyphId(g))
            .unwrap_or(0);
        f32::from(units) * 1000.0 / f32::from(self.face.units_per_em())
    }

    /// The width of `s` set at `size`.
    pub fn width(&self, s: &str, size: f32) -> f32 {
        s.chars().map(|c| self.advance(self.glyph(c))).sum::<f32>() * size / 1000.0
    }

    fn scaled(&self, units: i16) -> f32 {
        f32::from(units) * 1000.0 / f32::from(self.face.units_per_em())
    }
}

/// A typeface as a document uses it: the glyphs it has shown so far.
pub struct Font {
    typeface: &'static Typeface,
    /// The page's resource name for it.
    pub resource: &'static [u8],
    glyphs: GlyphRemapper,
    /// What each glyph of the subset shows, for the map back to Unicode.
    chars: BTreeMap<u16, char>,
}

impl Font {
    pub fn new(typeface: &'static Typeface, resource: &'static [u8]) -> Self {
        Font {
            typeface,
            resource,
            glyphs: GlyphRemapper::new(),
            chars: BTreeMap::new(),
        }
    }

    /// `s` as the subset's glyph ids, two bytes each (`Identity-H`).
    pub fn encode(&mut self, s: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(s.len() * 2);
        for c in s.chars() {
            let new = self.glyphs.remap(self.typeface.glyph(c));
            if new != 0 {
                self.chars.entry(new).or_insert(c);
            }
            out.extend_from_slice(&new.to_be_bytes());
        }
        out
    }

    pub fn width(&self, s: &str, size: f32) -> f32 {
        self.typeface.width(s, size)
    }

    /// Shows `s` at (`x`, `y`) in this font at `size`.
    pub fn show(&mut self, c: &mut Content, x: f32, y: f32, size: f32, s: &str) {
        let bytes = self.encode(s);
        c.begin_text();
        c.set_font(Name(self.resource), size);
        c.next_line(x, y);
        c.show(Str(&bytes));
        c.end_text();
    }

    /// Writes the font as objects `first` to `first + 4`: the Type 0 font
    /// (which the page names), its CID font, descriptor, subset font file
    /// and map to Unicode.
    pub fn write(&self, pdf: &mut pdf_writer::Pdf, first: Ref) {
        let [type0, cid, descriptor, file, cmap] =
            [0, 1, 2, 3, 4].map(|i| Ref::new(first.get() + i));
        let t = self.typeface;
        // A subset's name starts with a tag of six capitals, by the
        // subset's glyphs, so that two subsets never share a name.
        let tag: String = {
            let mut h: u32 = 2166136261;
            for (g, c) in &self.chars {
                h = (h ^ (u32::from(*g) << 16 | *c as u32)).wrapping_mul(16777619);
            }
            (0..6)
                .map(|i| char::from(b'A' + ((h >> (i * 5)) % 26) as u8))
                .collect()
        };
        let base = format!("{tag}+{}", t.name);
        let base = Name(base.as_bytes());

        pdf.type0_font(type0)
            .base_font(base)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);

        let system = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        let mut font = pdf.cid_font(cid);
        font.subtype(CidFontType::Type2)
            .base_font(base)
            .system_info(system)
            .font_descriptor(descriptor)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        let widths: Vec<f32> = self
            .glyphs
            .remapped_gids()
            .map(|old| t.advance(old))
            .collect();
        font.widths().consecutive(0, widths);
        font.finish();

        let f = &t.face;
        let bbox = f.global_bounding_box();
        pdf.font_descriptor(descriptor)
            .name(base)
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(
                t.scaled(bbox.x_min),
                t.scaled(bbox.y_min),
                t.scaled(bbox.x_max),
                t.scaled(bbox.y_max),
            ))
            .italic_angle(0.0)
            .ascent(t.scaled(f.ascender()))
            .descent(t.scaled(f.descender()))
            .cap_height(t.scaled(f.capital_height().unwrap_or(f.ascender())))
            .stem_v(if std::ptr::eq(t, &*BOLD) { 140.0 } else { 80.0 })
            .font_file2(file);

        let subset = subsetter::subset(t.data, 0, &self.glyphs).expect("the embedded font subsets");
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(&subset, 6);
        pdf.stream(file, &packed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), subset.len() as i32);

        let mut map = UnicodeCmap::new(Name(b"Custom"), system);
        for (g, c) in &self.chars {
            map.pair(*g, *c);
        }
        pdf.cmap(cmap, &map.finish())
            .name(Name(b"Custom"))
            .system_info(system);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_written_as_the_subsets_glyphs() {
        let mut f = Font::new(&REGULAR, b"F1");
        let first = f.encode("Юлия");
        // Four glyphs, two bytes each, numbered from 1 as first shown (0
        // is the box for what the font lacks).
        assert_eq!(first, vec![0, 1, 0, 2, 0, 3, 0, 4]);
        // A letter shown again keeps its glyph.
        assert_eq!(f.encode("я"), vec![0, 4]);
        assert_eq!(f.chars.get(&1), Some(&'Ю'));
    }

    #[test]
    fn widths_are_the_fonts() {
        // Digits share one width in DejaVu Sans, so figures align.
        assert_eq!(REGULAR.width("0", 10.0), REGULAR.width("8", 10.0));
        assert!(BOLD.width("Amount", 11.0) > REGULAR.width("Amount", 11.0));
        assert!(REGULAR.width("Юлия", 11.0) > 0.0);
    }
}
