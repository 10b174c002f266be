//! Text documents on A4 pages: a title with its metadata, then sections with
//! headings, paragraphs (their line breaks kept), quotes, notes, label–value
//! fields and simple tables, flowed over as many pages as they need. Every
//! page ends with the document's footer line and "page N / M".
//!
//! The case's dossier (timeline, evidence, money, decision) is one: a file a
//! consumer mediator or a court reads and prints. Like the labels, the PDF
//! uses the standard Helvetica fonts in WinAnsiEncoding (characters outside
//! it print as "?") and is the same bytes for the same document.

use pdf_writer::{Finish, Name, Pdf, Rect, Ref, TextStr};

use crate::canvas::{Column, HAIRLINE, POINTS_PER_MM, Page, RULE, Style, bold, points, regular};
use crate::text::{self, Font};
use crate::{LabelError, Language};

/// A document to render with [`render_document`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// Printed large at the top of the first page, and the PDF's title.
    pub title: String,
    /// Label–value lines under the title (reference, parties, dates).
    pub metadata: Vec<(String, String)>,
    /// The body, in reading order.
    pub blocks: Vec<Block>,
    /// One line at the foot of every page, left of "page N / M" (cut with
    /// "…" if too long).
    pub footer: String,
    /// Language of the text, declared in the PDF for screen readers.
    pub language: Language,
}

/// A part of a document's body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A section's title, with a rule under it; never left alone at the foot
    /// of a page.
    Heading(String),
    /// A smaller title inside a section (an entry of a timeline); kept with
    /// what follows too.
    Subheading(String),
    /// Running text, wrapped; its line breaks are kept and an empty line
    /// leaves a gap.
    Paragraph(String),
    /// Quoted text (a message, the grounds of a decision): a paragraph set
    /// in from the margin, with a bar beside it.
    Quote(String),
    /// Small grey text: an explanation, a caveat.
    Note(String),
    /// A value with its label before it, on the same line.
    Field {
        /// The label, in bold.
        label: String,
        /// The value, wrapped if long.
        value: String,
    },
    /// Rows of cells under column titles.
    Table(Table),
    /// What follows starts on a new page.
    PageBreak,
}

/// A table: columns, and rows with one cell per column. A row is kept on one
/// page when it fits there; the column titles are repeated on each page the
/// table runs over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// The columns, left to right.
    pub columns: Vec<TableColumn>,
    /// The rows, each with exactly one cell per column.
    pub rows: Vec<Vec<String>>,
}

/// A column of a [`Table`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableColumn {
    /// Its title; when every title is empty the table has no title row.
    pub title: String,
    /// Its width, relative to the other columns' (e.g. 3, 1, 1).
    pub share: u16,
    /// How its cells sit in it: amounts are right-aligned.
    pub align: CellAlign,
}

/// Alignment of the cells of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellAlign {
    /// Lines start at the column's left edge.
    Left,
    /// Lines end at the column's right edge.
    Right,
}

/// Most pages one document may have: a bound on what one request can make
/// the server write.
pub const MAX_DOCUMENT_PAGES: usize = 1000;

/// Renders `document` as an A4 PDF, as many pages as it needs.
///
/// The output depends only on the document, so the same document is the
/// same bytes every time.
pub fn render_document(document: &Document) -> Result<Vec<u8>, LabelError> {
    check_tables(&document.blocks)?;
    let pages = lay_out(document)?;

    let catalog_id = Ref::new(1);
    let page_tree_id = Ref::new(2);
    let info_id = Ref::new(3);
    let regular_id = Ref::new(4);
    let bold_id = Ref::new(5);
    let first_page_id = 6;
    let page_ids: Vec<Ref> = (0..pages.len())
        .map(|index| Ref::new(first_page_id + 2 * index as i32))
        .collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id)
        .pages(page_tree_id)
        .lang(TextStr(match document.language {
            Language::Fr => "fr",
            Language::En => "en",
        }));
    pdf.pages(page_tree_id)
        .kids(page_ids.iter().copied())
        .count(page_ids.len() as i32);
    for (page, &page_id) in pages.into_iter().zip(&page_ids) {
        let content_id = Ref::new(page_id.get() + 1);
        let mut writer = pdf.page(page_id);
        writer
            .parent(page_tree_id)
            .media_box(Rect::new(0.0, 0.0, points(PAGE_WIDTH), points(PAGE_HEIGHT)))
            .contents(content_id);
        writer
            .resources()
            .fonts()
            .pair(Font::Regular.resource_name(), regular_id)
            .pair(Font::Bold.resource_name(), bold_id);
        writer.finish();
        pdf.stream(content_id, &page);
    }
    for (id, font) in [(regular_id, Font::Regular), (bold_id, Font::Bold)] {
        pdf.type1_font(id)
            .base_font(font.base_font())
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.document_info(info_id)
        .title(TextStr(document.title.trim()))
        .producer(TextStr("amiable"));
    Ok(pdf.finish())
}

/// Every row of every table has one cell per column, and columns have width.
fn check_tables(blocks: &[Block]) -> Result<(), LabelError> {
    for block in blocks {
        let Block::Table(table) = block else {
            continue;
        };
        if table.columns.is_empty() || table.columns.iter().any(|c| c.share == 0) {
            return Err(LabelError::TableShape {
                reason: "a table needs columns, each with a share of the width above 0".into(),
            });
        }
        if let Some((index, row)) = table
            .rows
            .iter()
            .enumerate()
            .find(|(_, row)| row.len() != table.columns.len())
        {
            return Err(LabelError::TableShape {
                reason: format!(
                    "row {} has {} cells for {} columns",
                    index + 1,
                    row.len(),
                    table.columns.len()
                ),
            });
        }
    }
    Ok(())
}

// The A4 page and its margins, in millimetres from the top-left corner.
const PAGE_WIDTH: f32 = 210.0;
const PAGE_HEIGHT: f32 = 297.0;
const LEFT: f32 = 20.0;
const RIGHT: f32 = 190.0;
const WIDTH: f32 = RIGHT - LEFT;
/// Where the body starts on every page: the first baseline is one line below.
const TOP: f32 = 18.0;
/// The lowest baseline of the body.
const BOTTOM: f32 = 276.0;
const FOOTER_RULE: f32 = 281.0;
const FOOTER_BASELINE: f32 = 286.0;

const TITLE: Style = bold(17.0);
const TITLE_LEADING: f32 = 7.5;
const HEADING: Style = bold(12.5);
const HEADING_LEADING: f32 = 6.0;
const SUBHEADING: Style = bold(10.0);
const BODY: Style = regular(10.0);
const BODY_LEADING: f32 = 4.6;
const NOTE: Style = regular(8.5);
const NOTE_LEADING: f32 = 3.9;
const FIELD_LABEL: Style = bold(9.0);
const FIELD_LABEL_WIDTH: f32 = 48.0;
const CELL: Style = regular(9.0);
const CELL_HEAD: Style = bold(8.0);
const CELL_LEADING: f32 = 4.2;
const CELL_GAP: f32 = 3.0;
const QUOTE_INDENT: f32 = 5.0;
const FOOTER: Style = regular(8.0);
const GREY: f32 = 0.35;

/// Lays the document out and returns each page's content stream, footers
/// included.
fn lay_out(document: &Document) -> Result<Vec<Vec<u8>>, LabelError> {
    let mut flow = Flow::new();
    flow.title(document);
    for (index, block) in document.blocks.iter().enumerate() {
        let next = document.blocks.get(index + 1);
        flow.block(block, next);
        if flow.pages.len() > MAX_DOCUMENT_PAGES {
            return Err(LabelError::TooManyPages {
                max: MAX_DOCUMENT_PAGES,
            });
        }
    }
    let count = flow.pages.len();
    Ok(flow
        .pages
        .into_iter()
        .enumerate()
        .map(|(index, mut page)| {
            draw_footer(&mut page, &document.footer, index + 1, count);
            page.finish()
        })
        .collect())
}

fn draw_footer(page: &mut Page, footer: &str, number: usize, count: usize) {
    page.set_gray(GREY);
    page.hline(LEFT, RIGHT, FOOTER_RULE, HAIRLINE);
    let numbering = format!("page {number} / {count}");
    let numbering_width = FOOTER.width(&numbering);
    page.text(
        Column::right(RIGHT, numbering_width + 1.0),
        FOOTER_BASELINE,
        FOOTER,
        &numbering,
    );
    page.text(
        Column::left(LEFT, WIDTH - numbering_width - 6.0),
        FOOTER_BASELINE,
        FOOTER,
        footer,
    );
    page.set_gray(0.0);
}

/// Text broken into lines for one style and width: its source lines (line
/// breaks kept) each wrapped; `None` for an empty source line.
fn lines_of(text: &str, style: Style, width: f32) -> Vec<Option<Vec<u8>>> {
    let mut lines = Vec::new();
    for source in text.trim_end().lines() {
        let wrapped = text::wrap_whole(source, style.font, style.size, width * POINTS_PER_MM);
        if wrapped.is_empty() {
            // Several empty lines in a row leave one gap.
            if lines.last().is_some_and(Option::is_some) {
                lines.push(None);
            }
        } else {
            lines.extend(wrapped.into_iter().map(Some));
        }
    }
    lines
}

/// How a paragraph is set.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Text {
    Plain,
    /// Set in, with a bar beside it.
    Quote,
    /// Small and grey.
    Note,
}

/// A cell of a row: where it goes, in which style, and its lines.
struct Cell {
    column: Column,
    style: Style,
    lines: Vec<Vec<u8>>,
}

/// The pages written so far and where the next line goes.
struct Flow {
    pages: Vec<Page>,
    /// The baseline of the last line written on the current page, in mm
    /// from the top; [`TOP`] on a fresh page.
    cursor: f32,
}

impl Flow {
    fn new() -> Self {
        Flow {
            pages: vec![Page::new(PAGE_HEIGHT)],
            cursor: TOP,
        }
    }

    fn page(&mut self) -> &mut Page {
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Page::new(PAGE_HEIGHT));
        self.cursor = TOP;
    }

    fn at_top(&self) -> bool {
        self.cursor <= TOP
    }

    /// Leaves `mm` of space, except at the top of a page.
    fn space(&mut self, mm: f32) {
        if !self.at_top() {
            self.cursor += mm;
        }
    }

    /// Starts a new page unless `height` more fits on this one; whether it did.
    fn ensure(&mut self, height: f32) -> bool {
        if self.at_top() || self.cursor + height <= BOTTOM {
            return false;
        }
        self.new_page();
        true
    }

    /// One line in `column`, `leading` below the last one.
    fn line(&mut self, column: Column, style: Style, leading: f32, line: &[u8]) {
        self.ensure(leading);
        self.cursor += leading;
        let baseline = self.cursor;
        self.page().show(column, baseline, style, line);
    }

    fn title(&mut self, document: &Document) {
        let full = Column::left(LEFT, WIDTH);
        for line in TITLE.wrap_whole(&document.title, WIDTH) {
            self.line(full, TITLE, TITLE_LEADING, &line);
        }
        self.cursor += 2.0;
        for (label, value) in &document.metadata {
            self.field(label, value);
        }
        self.cursor += 3.0;
        let rule = self.cursor;
        self.page().hline(LEFT, RIGHT, rule, RULE);
        self.cursor += 2.0;
    }

    fn block(&mut self, block: &Block, next: Option<&Block>) {
        match block {
            Block::Heading(text) => {
                self.space(5.0);
                let lines = HEADING.wrap_whole(text, WIDTH);
                let height = HEADING_LEADING * lines.len() as f32 + 3.0;
                self.ensure(height + first_line_height(next));
                let full = Column::left(LEFT, WIDTH);
                for line in &lines {
                    self.line(full, HEADING, HEADING_LEADING, line);
                }
                let rule = self.cursor + 1.8;
                self.page().hline(LEFT, RIGHT, rule, HAIRLINE);
                self.cursor += 1.2;
            }
            Block::Subheading(text) => {
                self.space(3.0);
                let lines = SUBHEADING.wrap_whole(text, WIDTH);
                let height = BODY_LEADING * lines.len() as f32;
                self.ensure(height + first_line_height(next));
                let full = Column::left(LEFT, WIDTH);
                for line in &lines {
                    self.line(full, SUBHEADING, BODY_LEADING, line);
                }
            }
            Block::Paragraph(text) => self.paragraph(text, Text::Plain),
            Block::Quote(text) => self.paragraph(text, Text::Quote),
            Block::Note(text) => self.paragraph(text, Text::Note),
            Block::Field { label, value } => self.field(label, value),
            Block::Table(table) => self.table(table),
            Block::PageBreak => {
                if !self.at_top() {
                    self.new_page();
                }
            }
        }
    }

    /// Text with its line breaks kept, line by line across pages.
    fn paragraph(&mut self, text: &str, kind: Text) {
        let (column, style, leading) = match kind {
            Text::Plain => (Column::left(LEFT, WIDTH), BODY, BODY_LEADING),
            Text::Quote => (
                Column::left(LEFT + QUOTE_INDENT, WIDTH - QUOTE_INDENT),
                BODY,
                BODY_LEADING,
            ),
            Text::Note => (Column::left(LEFT, WIDTH), NOTE, NOTE_LEADING),
        };
        for line in lines_of(text, style, column.width) {
            let Some(line) = line else {
                if kind == Text::Quote && !self.at_top() {
                    self.quote_bar(leading / 2.0);
                }
                self.space(leading / 2.0);
                continue;
            };
            self.ensure(leading);
            if kind == Text::Quote {
                // A bar beside each line, so that it follows the text over a page break.
                self.quote_bar(leading);
            }
            if kind == Text::Note {
                self.page().set_fill_gray(GREY);
            }
            self.line(column, style, leading, &line);
            if kind == Text::Note {
                self.page().set_fill_gray(0.0);
            }
        }
        self.cursor += 1.5;
    }

    /// The bar beside a quote, from under the last line `height` mm down.
    fn quote_bar(&mut self, height: f32) {
        let top = self.cursor + 1.2;
        let page = self.page();
        page.set_fill_gray(0.7);
        page.fill_rect(LEFT + 0.5, top, 0.8, height);
        page.set_fill_gray(0.0);
    }

    fn field(&mut self, label: &str, value: &str) {
        let label_column = Column::left(LEFT, FIELD_LABEL_WIDTH - CELL_GAP);
        let value_column = Column::left(LEFT + FIELD_LABEL_WIDTH, WIDTH - FIELD_LABEL_WIDTH);
        let cells = [
            Cell {
                column: label_column,
                style: FIELD_LABEL,
                lines: FIELD_LABEL.wrap_whole(label, label_column.width),
            },
            Cell {
                column: value_column,
                style: BODY,
                lines: lines_of(value, BODY, value_column.width)
                    .into_iter()
                    .map(Option::unwrap_or_default)
                    .collect(),
            },
        ];
        self.row(&cells, BODY_LEADING, None);
        self.cursor += 0.8;
    }

    fn table(&mut self, table: &Table) {
        let columns = table_columns(table);
        let titled = table.columns.iter().any(|c| !c.title.trim().is_empty());
        let head: Option<Vec<Cell>> = titled.then(|| {
            table
                .columns
                .iter()
                .zip(&columns)
                .map(|(column, &placed)| Cell {
                    column: placed,
                    style: CELL_HEAD,
                    lines: CELL_HEAD.wrap_whole(&column.title, placed.width),
                })
                .collect()
        });
        self.space(1.5);
        if let Some(head) = &head {
            // The titles and the first row together.
            let first = table.rows.first().map_or(0.0, |row| {
                row_height(&cells_of(row, &columns), CELL_LEADING).min(CELL_LEADING * 3.0)
            });
            self.ensure(row_height(head, CELL_LEADING) + 2.0 + first);
            self.table_head(head);
        }
        for row in &table.rows {
            let cells = cells_of(row, &columns);
            self.row(&cells, CELL_LEADING, head.as_deref());
            self.cursor += 1.2;
        }
        self.cursor += 1.5;
    }

    fn table_head(&mut self, head: &[Cell]) {
        self.row(head, CELL_LEADING, None);
        let rule = self.cursor + 1.5;
        self.page().hline(LEFT, RIGHT, rule, HAIRLINE);
        self.cursor += 2.5;
    }

    /// Cells side by side, line by line. The row stays on one page when it
    /// fits on one; a row taller than a page runs on, the table's titles
    /// (`head`) repeated on the next.
    fn row(&mut self, cells: &[Cell], leading: f32, head: Option<&[Cell]>) {
        let height = row_height(cells, leading).min(BOTTOM - TOP - 20.0);
        if self.ensure(height)
            && let Some(head) = head
        {
            self.table_head(head);
        }
        let count = cells.iter().map(|c| c.lines.len()).max().unwrap_or(0);
        for index in 0..count {
            if self.ensure(leading)
                && let Some(head) = head
            {
                self.table_head(head);
            }
            self.cursor += leading;
            let baseline = self.cursor;
            for cell in cells {
                if let Some(line) = cell.lines.get(index) {
                    self.page().show(cell.column, baseline, cell.style, line);
                }
            }
        }
    }
}

/// The height of the first line of `block`, which a heading before it keeps
/// on its page.
fn first_line_height(block: Option<&Block>) -> f32 {
    match block {
        Some(Block::Heading(_)) => HEADING_LEADING + 5.0,
        Some(
            Block::Subheading(_) | Block::Paragraph(_) | Block::Quote(_) | Block::Field { .. },
        ) => BODY_LEADING * 2.0,
        Some(Block::Note(_)) => NOTE_LEADING * 2.0,
        Some(Block::Table(_)) => CELL_LEADING * 3.0 + 4.0,
        Some(Block::PageBreak) | None => 0.0,
    }
}

fn row_height(cells: &[Cell], leading: f32) -> f32 {
    cells.iter().map(|c| c.lines.len()).max().unwrap_or(0) as f32 * leading
}

/// Where each column of `table` goes, its width its share of the page's.
fn table_columns(table: &Table) -> Vec<Column> {
    let total: f32 = table.columns.iter().map(|c| f32::from(c.share)).sum();
    let mut left = LEFT;
    table
        .columns
        .iter()
        .map(|column| {
            let width = WIDTH * f32::from(column.share) / total;
            let inner = (width - CELL_GAP).max(1.0);
            let placed = match column.align {
                CellAlign::Left => Column::left(left, inner),
                CellAlign::Right => Column::right(left + inner, inner),
            };
            left += width;
            placed
        })
        .collect()
}

fn cells_of(row: &[String], columns: &[Column]) -> Vec<Cell> {
    row.iter()
        .zip(columns)
        .map(|(text, &column)| Cell {
            column,
            style: CELL,
            lines: lines_of(text, CELL, column.width)
                .into_iter()
                .map(Option::unwrap_or_default)
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(blocks: Vec<Block>) -> Document {
        Document {
            title: "Dossier 1A2B3C4D".to_owned(),
            metadata: vec![
                ("Marketplace".to_owned(), "Le Marche".to_owned()),
                ("Shop".to_owned(), "Atelier".to_owned()),
            ],
            blocks,
            footer: "Dossier 1A2B3C4D - amiable".to_owned(),
            language: Language::En,
        }
    }

    fn contains(haystack: &[u8], needle: &str) -> bool {
        haystack
            .windows(needle.len())
            .any(|window| window == needle.as_bytes())
    }

    /// The page (from 1) whose content shows `needle`.
    fn page_of(pages: &[Vec<u8>], needle: &str) -> Option<usize> {
        pages
            .iter()
            .position(|page| contains(page, needle))
            .map(|index| index + 1)
    }

    fn paragraphs(count: usize) -> Vec<Block> {
        (0..count)
            .map(|index| Block::Paragraph(format!("Paragraph number {index} of the test.")))
            .collect()
    }

    #[test]
    fn the_same_document_is_the_same_bytes() {
        let doc = document(paragraphs(120));
        let first = render_document(&doc).unwrap();
        assert_eq!(first, render_document(&doc).unwrap());
        assert!(first.starts_with(b"%PDF-"));
        assert!(!contains(&first, "/CreationDate"));
    }

    #[test]
    fn a_long_document_runs_over_numbered_pages_each_with_its_footer() {
        let pages = lay_out(&document(paragraphs(200))).unwrap();
        assert!(pages.len() >= 3, "{} pages", pages.len());
        let count = pages.len();
        for (index, page) in pages.iter().enumerate() {
            assert!(contains(page, &format!("(page {} / {count})", index + 1)));
            assert!(contains(page, "(Dossier 1A2B3C4D - amiable)"));
        }
        // Nothing is lost or repeated at the page breaks.
        for index in 0..200 {
            let text = format!("(Paragraph number {index} of the test.)");
            let shown: usize = pages
                .iter()
                .map(|page| {
                    page.windows(text.len())
                        .filter(|w| *w == text.as_bytes())
                        .count()
                })
                .sum();
            assert_eq!(shown, 1, "{text}");
        }
    }

    #[test]
    fn a_heading_is_never_left_alone_at_the_foot_of_a_page() {
        // Whatever fills the page before it, the heading shares its page with
        // the paragraph under it.
        for before in 40..70 {
            let mut blocks = paragraphs(before);
            blocks.push(Block::Heading("The decision".to_owned()));
            blocks.push(Block::Paragraph("What follows the heading.".to_owned()));
            let pages = lay_out(&document(blocks)).unwrap();
            assert_eq!(
                page_of(&pages, "(The decision)"),
                page_of(&pages, "(What follows the heading.)"),
                "{before} paragraphs before"
            );
        }
    }

    #[test]
    fn line_breaks_of_a_message_are_kept() {
        let pages = lay_out(&document(vec![Block::Quote(
            "Bonjour,\n\nThe parcel arrived torn.\r\nRegards".to_owned(),
        )]))
        .unwrap();
        for line in ["(Bonjour,)", "(The parcel arrived torn.)", "(Regards)"] {
            assert!(contains(&pages[0], line), "{line}");
        }
        assert!(!contains(&pages[0], "Bonjour, The"));
    }

    #[test]
    fn characters_outside_windows_1252_print_as_question_marks() {
        let pages = lay_out(&document(vec![Block::Paragraph(
            "Tokyo 東京 ok".to_owned(),
        )]))
        .unwrap();
        assert!(contains(&pages[0], "(Tokyo ?? ok)"));
    }

    #[test]
    fn a_table_runs_over_pages_with_its_titles_on_each() {
        let table = Table {
            columns: vec![
                TableColumn {
                    title: "File".to_owned(),
                    share: 3,
                    align: CellAlign::Left,
                },
                TableColumn {
                    title: "Size".to_owned(),
                    share: 1,
                    align: CellAlign::Right,
                },
            ],
            rows: (0..150)
                .map(|index| vec![format!("photo-{index}.jpg"), format!("{index} KB")])
                .collect(),
        };
        let pages = lay_out(&document(vec![Block::Table(table)])).unwrap();
        assert!(pages.len() >= 2);
        for page in &pages {
            assert!(contains(page, "(File)") && contains(page, "(Size)"));
        }
        assert!(contains(&pages[pages.len() - 1], "(photo-149.jpg)"));
    }

    #[test]
    fn a_page_break_starts_a_new_page_once() {
        let pages = lay_out(&document(vec![
            Block::Paragraph("Before".to_owned()),
            Block::PageBreak,
            Block::PageBreak,
            Block::Paragraph("After".to_owned()),
        ]))
        .unwrap();
        assert_eq!(pages.len(), 2);
        assert_eq!(page_of(&pages, "(After)"), Some(2));
    }

    #[test]
    fn a_table_whose_rows_do_not_match_its_columns_is_refused() {
        let column = TableColumn {
            title: String::new(),
            share: 1,
            align: CellAlign::Left,
        };
        let uneven = Table {
            columns: vec![column.clone(), column.clone()],
            rows: vec![vec!["a".to_owned()]],
        };
        let error = render_document(&document(vec![Block::Table(uneven)])).unwrap_err();
        assert!(matches!(error, LabelError::TableShape { .. }), "{error}");
        let no_width = Table {
            columns: vec![TableColumn { share: 0, ..column }],
            rows: Vec::new(),
        };
        assert!(render_document(&document(vec![Block::Table(no_width)])).is_err());
    }

    #[test]
    fn a_document_beyond_the_page_limit_is_refused() {
        let blocks = (0..=MAX_DOCUMENT_PAGES)
            .flat_map(|_| [Block::Paragraph("x".to_owned()), Block::PageBreak])
            .collect();
        assert!(matches!(
            render_document(&document(blocks)),
            Err(LabelError::TooManyPages { .. })
        ));
    }
}
