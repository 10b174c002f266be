//! Drawing on a page in millimetres from its top-left corner, the way a
//! document is designed: text in the standard fonts, lines and rectangles.
//! [`Page`] turns positions into PDF points from the bottom-left corner.
//! The return label and the text documents draw with it.

use pdf_writer::{Content, Str};

use crate::text::{self, Font};

pub(crate) const POINTS_PER_MM: f32 = 72.0 / 25.4;

/// Line widths in points.
pub(crate) const HAIRLINE: f32 = 0.5;
pub(crate) const RULE: f32 = 1.0;

/// A font at a size in points.
#[derive(Clone, Copy)]
pub(crate) struct Style {
    pub(crate) font: Font,
    pub(crate) size: f32,
}

pub(crate) const fn regular(size: f32) -> Style {
    Style {
        font: Font::Regular,
        size,
    }
}

pub(crate) const fn bold(size: f32) -> Style {
    Style {
        font: Font::Bold,
        size,
    }
}

impl Style {
    /// Width of `text` in millimetres.
    pub(crate) fn width(self, text: &str) -> f32 {
        self.encoded_width(&text::encode(text))
    }

    pub(crate) fn encoded_width(self, text: &[u8]) -> f32 {
        text::width(text, self.font, self.size) / POINTS_PER_MM
    }

    /// `text` encoded and broken into lines at most `width` mm wide.
    pub(crate) fn wrap(self, text: &str, width: f32) -> Vec<Vec<u8>> {
        text::wrap(text, self.font, self.size, width * POINTS_PER_MM)
    }

    /// The same, a word longer than a line broken rather than cut.
    pub(crate) fn wrap_whole(self, text: &str, width: f32) -> Vec<Vec<u8>> {
        text::wrap_whole(text, self.font, self.size, width * POINTS_PER_MM)
    }
}

/// A horizontal stretch of the page that lines of text are set in: the
/// edge or centre they hang on and how wide they may be, in millimetres.
#[derive(Clone, Copy)]
pub(crate) struct Column {
    pub(crate) anchor: f32,
    pub(crate) width: f32,
    pub(crate) align: Align,
}

#[derive(Clone, Copy)]
pub(crate) enum Align {
    Left,
    Centre,
    Right,
}

impl Column {
    /// Lines start at `left`.
    pub(crate) const fn left(left: f32, width: f32) -> Self {
        Self {
            anchor: left,
            width,
            align: Align::Left,
        }
    }

    /// Lines are centred on `centre`.
    pub(crate) const fn centred(centre: f32, width: f32) -> Self {
        Self {
            anchor: centre,
            width,
            align: Align::Centre,
        }
    }

    /// Lines end at `right`.
    pub(crate) const fn right(right: f32, width: f32) -> Self {
        Self {
            anchor: right,
            width,
            align: Align::Right,
        }
    }
}

/// Millimetres to points, rounded to a hundredth so that the content stream
/// stays short and readable.
pub(crate) fn points(mm: f32) -> f32 {
    (mm * POINTS_PER_MM * 100.0).round() / 100.0
}

/// A page's content stream, drawn in millimetres from the top-left corner.
pub(crate) struct Page {
    content: Content,
    height: f32,
}

impl Page {
    pub(crate) fn new(height: f32) -> Self {
        Self {
            content: Content::new(),
            height,
        }
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.content.finish().into_vec()
    }

    pub(crate) fn set_fill_gray(&mut self, gray: f32) {
        self.content.set_fill_gray(gray);
    }

    pub(crate) fn set_gray(&mut self, gray: f32) {
        self.content.set_fill_gray(gray).set_stroke_gray(gray);
    }

    /// Adds a rectangle to the current path; [`Page::fill_path`] fills it.
    pub(crate) fn path_rect(&mut self, x: f32, top: f32, width: f32, height: f32) {
        self.content.rect(
            points(x),
            points(self.height - top - height),
            points(width),
            points(height),
        );
    }

    pub(crate) fn fill_path(&mut self) {
        self.content.fill_nonzero();
    }

    pub(crate) fn fill_rect(&mut self, x: f32, top: f32, width: f32, height: f32) {
        self.path_rect(x, top, width, height);
        self.fill_path();
    }

    pub(crate) fn stroke_rect(
        &mut self,
        x: f32,
        top: f32,
        width: f32,
        height: f32,
        line_width: f32,
    ) {
        self.content.set_line_width(line_width);
        self.path_rect(x, top, width, height);
        self.content.stroke();
    }

    pub(crate) fn line(&mut self, from: (f32, f32), to: (f32, f32), line_width: f32) {
        self.content
            .set_line_width(line_width)
            .move_to(points(from.0), points(self.height - from.1))
            .line_to(points(to.0), points(self.height - to.1))
            .stroke();
    }

    pub(crate) fn hline(&mut self, left: f32, right: f32, y: f32, line_width: f32) {
        self.line((left, y), (right, y), line_width);
    }

    pub(crate) fn vline(&mut self, x: f32, top: f32, bottom: f32, line_width: f32) {
        self.line((x, top), (x, bottom), line_width);
    }

    pub(crate) fn dashed_line(&mut self, from: (f32, f32), to: (f32, f32)) {
        self.content.save_state();
        self.content
            .set_dash_pattern([points(2.0), points(1.5)], 0.0);
        self.line(from, to, HAIRLINE);
        self.content.restore_state();
    }

    /// Shows `text` in `column` on the `baseline` (mm from the top), cut
    /// with "…" if it is wider than the column.
    pub(crate) fn text(&mut self, column: Column, baseline: f32, style: Style, text: &str) {
        let width = column.width * POINTS_PER_MM;
        let line = text::fit(text, style.font, style.size, width);
        self.show(column, baseline, style, &line);
    }

    /// Shows an already encoded line that fits `column`.
    pub(crate) fn show(&mut self, column: Column, baseline: f32, style: Style, line: &[u8]) {
        let x = match column.align {
            Align::Left => column.anchor,
            Align::Centre => column.anchor - style.encoded_width(line) / 2.0,
            Align::Right => column.anchor - style.encoded_width(line),
        };
        self.content
            .begin_text()
            .set_font(style.font.resource_name(), style.size)
            .next_line(points(x), points(self.height - baseline))
            .show(Str(line))
            .end_text();
    }
}
