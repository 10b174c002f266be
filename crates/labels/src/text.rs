//! Text for the base-14 Helvetica fonts: Windows-1252 (WinAnsiEncoding) bytes,
//! measured widths, truncation and word wrapping.
//!
//! The label embeds no font file, so every string is shown with one of the
//! two standard fonts and must be encoded to the single-byte WinAnsiEncoding
//! the font dictionaries declare. French needs nothing beyond it (é è à ç ô
//! œ € « » are all there).

mod metrics;

use pdf_writer::Name;

/// Byte printed for a character WinAnsiEncoding cannot represent.
const REPLACEMENT: u8 = b'?';
/// WinAnsiEncoding code of the horizontal ellipsis "…".
const ELLIPSIS: u8 = 0x85;

/// One of the two standard fonts the label uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Font {
    Regular,
    Bold,
}

impl Font {
    /// Name of the font in the page resources.
    pub(crate) fn resource_name(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }

    /// PostScript name of the standard font.
    pub(crate) fn base_font(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"Helvetica"),
            Font::Bold => Name(b"Helvetica-Bold"),
        }
    }

    fn widths(self) -> &'static [u16; 224] {
        match self {
            Font::Regular => &metrics::HELVETICA,
            Font::Bold => &metrics::HELVETICA_BOLD,
        }
    }
}

/// Encodes `text` to WinAnsiEncoding (Windows-1252); characters outside it
/// become '?'. Control characters such as tabs and newlines become spaces, as
/// a label line is always a single line.
pub(crate) fn encode(text: &str) -> Vec<u8> {
    text.chars().map(encode_char).collect()
}

fn encode_char(c: char) -> u8 {
    match c {
        ' '..='~' | '\u{A0}'..='\u{FF}' => c as u8,
        '\t' | '\n' | '\r' => b' ',
        // Spaces and hyphens that French typography or pasted text bring along.
        '\u{2007}' | '\u{2009}' | '\u{202F}' => 0xA0,
        '\u{2010}' | '\u{2011}' | '\u{2212}' => b'-',
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '\u{2018}' => 0x91,
        '\u{2019}' => 0x92,
        '\u{201C}' => 0x93,
        '\u{201D}' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => REPLACEMENT,
    }
}

/// Width in points of encoded `text` set in `font` at `size` points.
pub(crate) fn width(text: &[u8], font: Font, size: f32) -> f32 {
    let widths = font.widths();
    let units: u32 = text
        .iter()
        .map(|&byte| {
            byte.checked_sub(0x20)
                .map_or(0, |index| u32::from(widths[usize::from(index)]))
        })
        .sum();
    units as f32 * size / 1000.0
}

/// Encodes `text` and, if it is wider than `max_width` points, cuts it and
/// ends it with "…" so that it fits.
pub(crate) fn fit(text: &str, font: Font, size: f32, max_width: f32) -> Vec<u8> {
    truncate(encode(text.trim()), font, size, max_width)
}

fn truncate(mut line: Vec<u8>, font: Font, size: f32, max_width: f32) -> Vec<u8> {
    if width(&line, font, size) <= max_width {
        return line;
    }
    while !line.is_empty() {
        line.pop();
        while line.last() == Some(&b' ') {
            line.pop();
        }
        line.push(ELLIPSIS);
        if width(&line, font, size) <= max_width {
            return line;
        }
        line.pop();
    }
    line
}

/// Encodes `text` and breaks it into lines no wider than `max_width` points,
/// at spaces; a word wider than a whole line is cut with "…".
pub(crate) fn wrap(text: &str, font: Font, size: f32, max_width: f32) -> Vec<Vec<u8>> {
    fill(text.split_whitespace().map(encode), font, size, max_width)
}

/// Like [`wrap`], but a word wider than a whole line (a hash, a link) is
/// broken across lines rather than cut: a document must keep every character
/// of it, where a label only has to look right.
pub(crate) fn wrap_whole(text: &str, font: Font, size: f32, max_width: f32) -> Vec<Vec<u8>> {
    let words = text
        .split_whitespace()
        .map(encode)
        .flat_map(|word| split_word(word, font, size, max_width));
    fill(words, font, size, max_width)
}

/// `word` in pieces no wider than `max_width` points (at least one byte each).
fn split_word(word: Vec<u8>, font: Font, size: f32, max_width: f32) -> Vec<Vec<u8>> {
    if width(&word, font, size) <= max_width {
        return vec![word];
    }
    let mut pieces = Vec::new();
    let mut piece: Vec<u8> = Vec::new();
    let mut piece_width = 0.0;
    for byte in word {
        let byte_width = width(&[byte], font, size);
        if !piece.is_empty() && piece_width + byte_width > max_width {
            pieces.push(std::mem::take(&mut piece));
            piece_width = 0.0;
        }
        piece.push(byte);
        piece_width += byte_width;
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    pieces
}

/// Fills lines with encoded words, a space between two, each line no wider
/// than `max_width` points; a word wider than a whole line is cut with "…".
fn fill(
    words: impl Iterator<Item = Vec<u8>>,
    font: Font,
    size: f32,
    max_width: f32,
) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    for word in words {
        let mut candidate = line.clone();
        if !candidate.is_empty() {
            candidate.push(b' ');
        }
        candidate.extend_from_slice(&word);
        if line.is_empty() || width(&candidate, font, size) <= max_width {
            line = candidate;
        } else {
            lines.push(truncate(std::mem::take(&mut line), font, size, max_width));
            line = word;
        }
    }
    if !line.is_empty() {
        lines.push(truncate(line, font, size, max_width));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_text_encodes_to_windows_1252() {
        assert_eq!(
            encode("Élodie à l'Église, ça coûte 5 € « œuvre » ô è"),
            b"\xC9lodie \xE0 l'\xC9glise, \xE7a co\xFBte 5 \x80 \xAB \x9Cuvre \xBB \xF4 \xE8"
                .to_vec()
        );
    }

    #[test]
    fn characters_outside_windows_1252_become_question_marks() {
        assert_eq!(encode("Łódź 東京 ✂"), b"?\xF3d? ?? ?".to_vec());
        assert_eq!(encode("a\tb\nc"), b"a b c".to_vec());
        assert_eq!(encode("l\u{2019}été"), b"l\x92\xE9t\xE9".to_vec());
    }

    #[test]
    fn widths_follow_the_helvetica_metrics() {
        // "Hello": H 722, e 556, l 222, l 222, o 556 = 2278 units.
        assert!((width(b"Hello", Font::Regular, 10.0) - 22.78).abs() < 1e-4);
        // Bold: H 722, e 556, l 278, l 278, o 611 = 2445 units.
        assert!((width(b"Hello", Font::Bold, 10.0) - 24.45).abs() < 1e-4);
    }

    #[test]
    fn fit_keeps_short_text_and_cuts_long_text_with_an_ellipsis() {
        assert_eq!(fit("Lyon", Font::Regular, 10.0, 100.0), b"Lyon".to_vec());
        let cut = fit(
            "Boulevard du Maréchal de Lattre de Tassigny",
            Font::Regular,
            10.0,
            60.0,
        );
        assert_eq!(cut.last(), Some(&ELLIPSIS));
        assert!(width(&cut, Font::Regular, 10.0) <= 60.0);
    }

    #[test]
    fn wrap_whole_breaks_a_word_too_long_for_a_line_instead_of_cutting_it() {
        let hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let lines = wrap_whole(&format!("SHA-256 {hash} ok"), Font::Regular, 8.0, 80.0);
        assert!(lines.len() > 2, "{lines:?}");
        for line in &lines {
            assert!(width(line, Font::Regular, 8.0) <= 80.0);
            assert_ne!(line.last(), Some(&ELLIPSIS));
        }
        let joined: Vec<u8> = lines.concat();
        let joined = String::from_utf8(joined).unwrap();
        assert!(joined.replace(' ', "").contains(hash), "{joined}");
        // The label's wrap cuts the same word instead.
        let cut = wrap(hash, Font::Regular, 8.0, 80.0);
        assert_eq!(cut.len(), 1);
        assert_eq!(cut[0].last(), Some(&ELLIPSIS));
    }

    #[test]
    fn wrap_breaks_at_spaces_within_the_width() {
        let lines = wrap(
            "Collez l'étiquette bien à plat sur le plus grand côté du colis.",
            Font::Regular,
            10.0,
            120.0,
        );
        assert!(lines.len() > 1);
        for line in &lines {
            assert!(width(line, Font::Regular, 10.0) <= 120.0);
            assert_ne!(line.first(), Some(&b' '));
        }
        let rejoined: Vec<u8> = lines.join(&b' ');
        assert_eq!(
            rejoined,
            encode("Collez l'étiquette bien à plat sur le plus grand côté du colis.")
        );
    }
}
