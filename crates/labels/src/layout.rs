//! Where everything goes on the page, and the PDF document around it.
//!
//! Positions are in millimetres from the top-left corner of the page, the
//! way a label is designed; [`Page`] turns them into PDF points from the
//! bottom-left corner. The A6 label sits at the top-left corner of both page
//! sizes, so on A4 it is the top-left quarter.

use pdf_writer::{Finish, Name, Pdf, Rect, Ref, TextStr};

use crate::canvas::{Column, HAIRLINE, Page, RULE, Style, bold, points, regular};
use crate::symbols::{self, Barcode, QrMatrix};
use crate::text::Font;
use crate::words::{self, Words};
use crate::{LabelError, LabelSpec, PageSize};

/// The A6 label: 105 × 148 mm.
const LABEL_WIDTH: f32 = 105.0;
const LABEL_HEIGHT: f32 = 148.0;
/// The A4 page: 210 × 297 mm.
const A4_WIDTH: f32 = 210.0;
const A4_HEIGHT: f32 = 297.0;
/// The label's border is inset so that an office printer's unprintable
/// margin (about 4 mm) does not clip it on A4.
const BORDER_LEFT: f32 = 5.0;
const BORDER_RIGHT: f32 = 100.0;
const BORDER_TOP: f32 = 5.0;
const BORDER_BOTTOM: f32 = 143.0;
/// Left and right edges of text inside the border.
const CONTENT_LEFT: f32 = 7.5;
const CONTENT_RIGHT: f32 = 97.5;
const CONTENT_WIDTH: f32 = CONTENT_RIGHT - CONTENT_LEFT;

/// Horizontal room for a barcode with its quiet zones, inside the border.
const BARCODE_ROOM: f32 = 93.0;
/// Height of the bars: at least 15 mm, so that a hand scanner swiping at an
/// angle still crosses every bar.
const BAR_HEIGHT: f32 = 18.0;
/// Module widths tried for the barcode, widest first: 6, 5 and 4 dots of a
/// 300 dpi printer (0.51, 0.42 and 0.34 mm), which are whole or half dots at
/// 150 dpi and wide enough (≥ 0.33 mm) to read from a 150–300 dpi print.
const MODULE_WIDTHS: [f32; 3] = [6.0 * 25.4 / 300.0, 5.0 * 25.4 / 300.0, 4.0 * 25.4 / 300.0];
const NARROWEST_MODULE: f32 = MODULE_WIDTHS[2];
/// Longest RMA whose Code 128 symbol fits [`BARCODE_ROOM`] at the narrowest
/// module width.
pub(crate) const RMA_MAX_CHARS: usize = ((BARCODE_ROOM / NARROWEST_MODULE) as usize
    - 2 * symbols::BARCODE_QUIET_MODULES
    - symbols::code128_width(0))
    / 11;

/// Side of the square holding the QR code with its quiet zone. With the
/// smallest QR code (21 modules + 8 of quiet zone) the symbol itself is still
/// 21 mm wide; with the largest accepted (45 + 8) a module is 0.55 mm.
const QR_BOX: f32 = 29.0;

// Scannability floors, checked at compile time: modules of at least
// 0.33 mm, and a QR symbol of at least 20 mm even for the smallest version
// (21 modules) once its quiet zone is taken out of the box.
const _: () = assert!(NARROWEST_MODULE >= 0.33);
const _: () = assert!(21.0 * QR_BOX / (21 + 2 * symbols::QR_QUIET_MODULES) as f32 >= 20.0);
const _: () = assert!(BAR_HEIGHT >= 15.0);

/// The small bold captions over each field ("EXPÉDITEUR", "N° DE COMMANDE").
const CAPTION: Style = bold(6.5);

/// Renders every page of the document: one label per parcel.
pub(crate) fn document(
    spec: &LabelSpec,
    size: PageSize,
    barcode: &Barcode,
    qr: &QrMatrix,
) -> Result<Vec<u8>, LabelError> {
    if spec.rma.len() > RMA_MAX_CHARS {
        return Err(LabelError::RmaTooLong {
            rma: spec.rma.clone(),
            len: spec.rma.len(),
            max: RMA_MAX_CHARS,
        });
    }
    let words = Words::of(spec.language);
    let (page_width, page_height) = match size {
        PageSize::A6 => (LABEL_WIDTH, LABEL_HEIGHT),
        PageSize::A4 => (A4_WIDTH, A4_HEIGHT),
    };

    let catalog_id = Ref::new(1);
    let page_tree_id = Ref::new(2);
    let info_id = Ref::new(3);
    let regular_id = Ref::new(4);
    let bold_id = Ref::new(5);
    let first_page_id = 6;
    let page_ids: Vec<Ref> = (0..spec.parcel_count)
        .map(|parcel| Ref::new(first_page_id + 2 * parcel as i32))
        .collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id)
        .pages(page_tree_id)
        .lang(TextStr(match spec.language {
            crate::Language::Fr => "fr",
            crate::Language::En => "en",
        }));
    pdf.pages(page_tree_id)
        .kids(page_ids.iter().copied())
        .count(page_ids.len() as i32);

    for (index, &page_id) in page_ids.iter().enumerate() {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = Page::new(page_height);
        let parcel = index as u32 + 1;
        draw_label(&mut page, spec, words, barcode, qr, parcel);
        if size == PageSize::A4 {
            draw_cut_lines(&mut page, words);
            draw_instructions(&mut page, spec, words);
            draw_packing_slip(&mut page, spec, words, barcode);
        }
        let mut writer = pdf.page(page_id);
        writer
            .parent(page_tree_id)
            .media_box(Rect::new(0.0, 0.0, points(page_width), points(page_height)))
            .contents(content_id);
        writer
            .resources()
            .fonts()
            .pair(Font::Regular.resource_name(), regular_id)
            .pair(Font::Bold.resource_name(), bold_id);
        writer.finish();
        pdf.stream(content_id, &page.finish());
    }

    // Base-14 fonts in WinAnsiEncoding: nothing to embed, and every reader
    // has them (or a metric-compatible substitute).
    for (id, font) in [(regular_id, Font::Regular), (bold_id, Font::Bold)] {
        pdf.type1_font(id)
            .base_font(font.base_font())
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    let title = format!("{} {}", words.document_title, spec.rma);
    pdf.document_info(info_id)
        .title(TextStr(&title))
        .producer(TextStr("amiable"));
    Ok(pdf.finish())
}

/// The label itself, top to bottom: carrier band, sender and QR code,
/// addressee, order and date, RMA barcode, tracking number, deadline band.
fn draw_label(
    page: &mut Page,
    spec: &LabelSpec,
    words: &Words,
    barcode: &Barcode,
    qr: &QrMatrix,
    parcel: u32,
) {
    let full_width = BORDER_RIGHT - BORDER_LEFT;
    let middle = (BORDER_LEFT + BORDER_RIGHT) / 2.0;
    let content = Column::left(CONTENT_LEFT, CONTENT_WIDTH);

    // Carrier band, white on black; the parcel number and weight on the
    // right keep their room, the carrier and service are cut if need be.
    let band_bottom = 17.0;
    page.fill_rect(
        BORDER_LEFT,
        BORDER_TOP,
        full_width,
        band_bottom - BORDER_TOP,
    );
    page.set_fill_gray(1.0);
    let parcel_text = format!("{} {parcel}/{}", words.parcel, spec.parcel_count);
    let weight_text = words.weight(spec.weight_grams);
    let right_width = bold(11.0)
        .width(&parcel_text)
        .max(regular(8.0).width(&weight_text));
    let carrier = Column::left(CONTENT_LEFT, CONTENT_WIDTH - right_width - 4.0);
    page.text(carrier, 10.6, bold(11.0), &spec.carrier_name);
    page.text(carrier, 15.0, regular(8.0), &spec.service);
    let counts = Column::right(CONTENT_RIGHT, CONTENT_WIDTH);
    page.text(counts, 10.6, bold(11.0), &parcel_text);
    page.text(counts, 15.0, regular(8.0), &weight_text);
    page.set_fill_gray(0.0);

    // Sender on the left, QR code on the right.
    let sender_bottom = 47.0;
    let qr_left = BORDER_RIGHT - 0.5 - QR_BOX;
    page.vline(qr_left - 0.5, band_bottom, sender_bottom, HAIRLINE);
    let sender = Column::left(CONTENT_LEFT, qr_left - 2.5 - CONTENT_LEFT);
    page.text(sender, 21.0, CAPTION, words.from);
    for (index, line) in address_lines(&spec.from, 3).iter().enumerate() {
        page.text(sender, 25.0 + 3.7 * index as f32, regular(8.5), line);
    }
    draw_qr(page, qr, qr_left, band_bottom + 0.5, QR_BOX);

    // Addressee, big and bold: what the sorting centre reads.
    let addressee_bottom = 83.0;
    page.hline(BORDER_LEFT, BORDER_RIGHT, sender_bottom, RULE);
    let mut baseline = 51.3;
    page.text(content, baseline, CAPTION, words.to);
    let lines = address_lines(&spec.to, 2);
    let last = lines.len() - 1;
    for (index, line) in lines.iter().enumerate() {
        // The name, the street lines, then the postal code and city
        // (largest) and the country: (size, space above the baseline).
        let (size, leading) = match index {
            0 => (12.0, 5.5),
            _ if index == last - 1 => (14.0, 6.2),
            _ if index == last => (11.0, 5.0),
            _ => (11.0, 4.7),
        };
        baseline += leading;
        page.text(content, baseline, bold(size), line);
    }

    // Order reference and issue date.
    let details_bottom = 94.0;
    page.hline(BORDER_LEFT, BORDER_RIGHT, addressee_bottom, RULE);
    page.vline(middle, addressee_bottom, details_bottom, HAIRLINE);
    let column_width = middle - 2.5 - CONTENT_LEFT;
    for (left, caption, value) in [
        (CONTENT_LEFT, words.order, &spec.order_reference),
        (middle + 2.5, words.issued_on, &spec.issued_on),
    ] {
        let column = Column::left(left, column_width);
        page.text(column, 86.8, CAPTION, caption);
        page.text(column, 91.6, bold(9.5), value);
    }

    // RMA barcode with its human-readable text.
    let barcode_bottom = 124.0;
    page.hline(BORDER_LEFT, BORDER_RIGHT, details_bottom, HAIRLINE);
    draw_barcode(page, barcode, middle, 96.5, BARCODE_ROOM, BAR_HEIGHT);
    let centred = Column::centred(middle, CONTENT_WIDTH);
    page.text(centred, 120.5, bold(12.0), &spec.rma);

    // Tracking number, right of its caption.
    let tracking_bottom = 133.0;
    page.hline(BORDER_LEFT, BORDER_RIGHT, barcode_bottom, HAIRLINE);
    page.text(content, 129.8, regular(8.0), words.tracking);
    let caption_width = regular(8.0).width(words.tracking);
    let tracking = Column::right(CONTENT_RIGHT, CONTENT_WIDTH - caption_width - 3.0);
    page.text(tracking, 130.0, bold(11.0), &spec.tracking_number);

    // Drop-off deadline, white on black so that it is not missed.
    let deadline_height = BORDER_BOTTOM - tracking_bottom;
    page.fill_rect(BORDER_LEFT, tracking_bottom, full_width, deadline_height);
    page.set_fill_gray(1.0);
    let deadline = format!("{} {}", words.drop_off_before, spec.expires_on);
    page.text(centred, 139.4, bold(10.5), &deadline);
    page.set_fill_gray(0.0);

    let border_height = BORDER_BOTTOM - BORDER_TOP;
    page.stroke_rect(BORDER_LEFT, BORDER_TOP, full_width, border_height, RULE);
}

/// Dashed lines around the label and above the packing slip on A4.
fn draw_cut_lines(page: &mut Page, words: &Words) {
    let half = A4_HEIGHT / 2.0;
    page.set_gray(0.45);
    page.dashed_line((LABEL_WIDTH, 0.0), (LABEL_WIDTH, half));
    page.dashed_line((0.0, half), (A4_WIDTH, half));
    let centre = (LABEL_WIDTH + A4_WIDTH) / 2.0;
    page.text(
        Column::centred(centre, 90.0),
        half - 1.8,
        regular(7.0),
        words.cut_here,
    );
    page.set_gray(0.0);
}

/// How to send the parcel back, in the top-right quarter of an A4 page.
fn draw_instructions(page: &mut Page, spec: &LabelSpec, words: &Words) {
    let left = 112.0;
    let right = 203.0;
    let bottom = 143.0;
    let full = Column::left(left, right - left);
    page.text(full, 17.0, bold(14.0), words.instructions_title);
    page.text(full, 23.0, regular(9.0), &words::return_summary(spec));

    let style = regular(9.5);
    let indent = 6.0;
    let numbers = Column::left(left, indent);
    let paragraphs = Column::left(left + indent, right - left - indent);
    let leading = 4.6;
    let mut baseline = 33.0;
    let steps = words::steps(spec);
    let hint = [words.scan_to_follow.to_owned()];
    for (index, paragraph) in steps.iter().chain(&hint).enumerate() {
        let lines = style.wrap(paragraph, paragraphs.width);
        if baseline + leading * (lines.len() - 1) as f32 > bottom {
            break;
        }
        if index < steps.len() {
            page.text(numbers, baseline, bold(9.5), &format!("{}.", index + 1));
        } else {
            // The QR code hint closes the list, set apart from the steps.
            page.hline(left, right, baseline - 5.0, HAIRLINE);
            baseline += 1.5;
        }
        for line in &lines {
            page.show(paragraphs, baseline, style, line);
            baseline += leading;
        }
        baseline += 2.6;
    }
}

/// The lower half of an A4 page, to put inside the parcel: which return it
/// is (with the RMA barcode again, for the warehouse opening the parcel) and
/// what it should contain.
fn draw_packing_slip(page: &mut Page, spec: &LabelSpec, words: &Words, barcode: &Barcode) {
    let left = 12.0;
    let right = 198.0;
    let bottom = 287.0;
    let full = Column::left(left, right - left);

    // Title and hint on the left, barcode on the right.
    let title = Column::left(left, 88.0);
    page.text(title, 166.0, bold(16.0), words.packing_slip_title);
    let hint = regular(9.0).wrap(words.packing_slip_hint, title.width);
    for (line, baseline) in hint.iter().zip([172.5, 176.5]) {
        page.show(title, baseline, regular(9.0), line);
    }
    let barcode_centre = right - BARCODE_ROOM / 2.0;
    draw_barcode(page, barcode, barcode_centre, 158.0, BARCODE_ROOM, 15.0);
    let under_barcode = Column::centred(barcode_centre, BARCODE_ROOM);
    page.text(under_barcode, 179.0, bold(11.0), &spec.rma);

    // Return, order, customer and date, in four columns.
    let top = 186.0;
    page.hline(left, right, top, HAIRLINE);
    let column_width = (right - left) / 4.0;
    let columns = [
        (words.return_reference, spec.rma.as_str()),
        (words.order, spec.order_reference.as_str()),
        (words.customer, spec.from.name.as_str()),
        (words.issued_on, spec.issued_on.as_str()),
    ];
    for (index, (caption, value)) in columns.into_iter().enumerate() {
        let column = Column::left(left + column_width * index as f32, column_width - 3.0);
        page.text(column, top + 5.0, CAPTION, caption);
        page.text(column, top + 10.5, bold(10.0), value);
    }
    page.hline(left, right, top + 15.0, HAIRLINE);

    // The items, as many as fit; the last line then says how many are left.
    page.text(full, top + 24.0, bold(11.0), words.items);
    let style = regular(10.0);
    let leading = 5.5;
    let first = top + 31.0;
    let room = ((bottom - first) / leading) as usize + 1;
    if spec.items.is_empty() {
        page.text(full, first, style, words.no_items);
    }
    let shown = if spec.items.len() > room {
        room - 1
    } else {
        spec.items.len()
    };
    for (index, item) in spec.items.iter().take(shown).enumerate() {
        let baseline = first + leading * index as f32;
        page.text(full, baseline, style, &format!("•  {item}"));
    }
    if shown < spec.items.len() {
        let more = words::more_items(spec.language, spec.items.len() - shown);
        page.text(full, first + leading * shown as f32, style, &more);
    }
}

/// The address as printed lines: name, at most `street_lines` street lines
/// (extra ones are joined onto the last), postal code and city, country.
/// The last two are in capitals, as postal services ask.
fn address_lines(address: &crate::Address, street_lines: usize) -> Vec<String> {
    let mut lines = vec![address.name.clone()];
    let streets: Vec<&str> = address
        .lines
        .iter()
        .map(|line| line.trim())
        .filter(|line| !line.is_empty())
        .collect();
    if streets.len() > street_lines {
        lines.extend(
            streets[..street_lines - 1]
                .iter()
                .map(|line| line.to_string()),
        );
        lines.push(streets[street_lines - 1..].join(", "));
    } else {
        lines.extend(streets.iter().map(|line| line.to_string()));
    }
    lines.push(format!(
        "{} {}",
        address.postal_code.trim(),
        address.city.trim().to_uppercase()
    ));
    lines.push(address.country.trim().to_uppercase());
    lines
}

/// Draws `barcode` centred on `centre`, bars from `top` down `height` mm,
/// with the widest module that fits `room` mm including the quiet zones.
fn draw_barcode(page: &mut Page, barcode: &Barcode, centre: f32, top: f32, room: f32, height: f32) {
    let modules = barcode.width_with_quiet_zones() as f32;
    let module = MODULE_WIDTHS
        .into_iter()
        .find(|module| module * modules <= room)
        .unwrap_or(NARROWEST_MODULE);
    let left = centre - module * modules / 2.0;
    for (start, width) in barcode.bars() {
        page.path_rect(
            left + module * start as f32,
            top,
            module * width as f32,
            height,
        );
    }
    page.fill_path();
}

/// Draws `qr` with its quiet zone in the `side` mm square at (`left`, `top`).
fn draw_qr(page: &mut Page, qr: &QrMatrix, left: f32, top: f32, side: f32) {
    let module = side / qr.width_with_quiet_zone() as f32;
    for (column, row, width) in qr.dark_runs() {
        page.path_rect(
            left + module * column as f32,
            top + module * row as f32,
            module * width as f32,
            module,
        );
    }
    // One fill for the whole symbol, so that anti-aliasing leaves no seams
    // between touching modules.
    page.fill_path();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Address;

    #[test]
    fn longest_rma_fits_the_label() {
        assert_eq!(RMA_MAX_CHARS, 19);
        let longest = "X".repeat(RMA_MAX_CHARS);
        let barcode = Barcode::code128(&longest).unwrap();
        assert!(barcode.width_with_quiet_zones() as f32 * NARROWEST_MODULE <= BARCODE_ROOM);
    }

    #[test]
    fn extra_street_lines_are_joined_onto_the_last_one() {
        let address = Address {
            name: "Maison Colette".to_owned(),
            lines: vec![
                "Bâtiment B".to_owned(),
                " ".to_owned(),
                "12 rue de l'Église".to_owned(),
                "Quai 4".to_owned(),
            ],
            postal_code: "69002".to_owned(),
            city: "Lyon".to_owned(),
            country: "France".to_owned(),
        };
        assert_eq!(
            address_lines(&address, 2),
            [
                "Maison Colette",
                "Bâtiment B",
                "12 rue de l'Église, Quai 4",
                "69002 LYON",
                "FRANCE"
            ]
        );
    }
}
