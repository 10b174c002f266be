//! What an uploaded attachment really is, decided from its first bytes.
//!
//! Buyers and merchants attach photos and PDFs to cases. The filename and the
//! `Content-Type` the browser sent are claims made by the uploader; only the
//! content's signature ("magic bytes") decides the type amiable records and
//! serves back. Anything not recognised as one of [`ACCEPTED_TYPES`] is
//! refused, so an HTML page or an executable renamed `receipt.pdf` never
//! reaches another user's browser as a PDF.

/// A content type recognised from the bytes themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sniffed {
    /// The MIME type to store and serve, e.g. `image/png`.
    pub content_type: &'static str,
    /// The canonical file extension for that type, without a dot.
    pub extension: &'static str,
}

const JPEG: Sniffed = Sniffed {
    content_type: "image/jpeg",
    extension: "jpg",
};
const PNG: Sniffed = Sniffed {
    content_type: "image/png",
    extension: "png",
};
const WEBP: Sniffed = Sniffed {
    content_type: "image/webp",
    extension: "webp",
};
const GIF: Sniffed = Sniffed {
    content_type: "image/gif",
    extension: "gif",
};
const HEIC: Sniffed = Sniffed {
    content_type: "image/heic",
    extension: "heic",
};
const HEIF: Sniffed = Sniffed {
    content_type: "image/heif",
    extension: "heif",
};
const PDF: Sniffed = Sniffed {
    content_type: "application/pdf",
    extension: "pdf",
};

/// Every content type [`sniff`] can return.
pub const ACCEPTED_TYPES: &[&str] = &[
    JPEG.content_type,
    PNG.content_type,
    WEBP.content_type,
    GIF.content_type,
    HEIC.content_type,
    HEIF.content_type,
    PDF.content_type,
];

/// How far into the file a PDF header may start. PDF readers accept leading
/// junk before `%PDF-` (Acrobat looks within the first 1024 bytes), so real
/// files produced by some scanners and mail gateways have it.
const PDF_HEADER_WINDOW: usize = 1024;

/// The type of `bytes` by content, or `None` when it is not an accepted type.
pub fn sniff(bytes: &[u8]) -> Option<Sniffed> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(JPEG);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(PNG);
    }
    if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        return Some(WEBP);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some(GIF);
    }
    if let Some(found) = sniff_heif(bytes) {
        return Some(found);
    }
    // Images are checked first: their signature sits at offset 0, while a PDF
    // header may appear later and could be embedded in another format.
    if is_pdf(bytes) {
        return Some(PDF);
    }
    None
}

/// HEIF brands carrying HEVC-coded images (ISO/IEC 23008-12 annex B).
const HEIC_BRANDS: &[&[u8; 4]] = &[
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs",
];
/// Generic HEIF brands: image (`mif1`) and image sequence (`msf1`).
const HEIF_BRANDS: &[&[u8; 4]] = &[b"mif1", b"msf1"];
/// AV1 in HEIF (AVIF) shares the generic brands but is not an accepted type.
const AVIF_BRANDS: &[&[u8; 4]] = &[b"avif", b"avis"];

/// HEIC/HEIF: an ISO BMFF file whose first box is `ftyp` (size, `ftyp`,
/// major brand, minor version, compatible brands...).
fn sniff_heif(bytes: &[u8]) -> Option<Sniffed> {
    if bytes.len() < 12 || &bytes[4..8] != b"ftyp" {
        return None;
    }
    let box_size = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    // The header alone is 16 bytes and brands are 4 bytes each; anything else
    // (including 0 "to end of file" and 1 "64-bit size") is not a sane ftyp.
    if box_size < 16 || !box_size.is_multiple_of(4) {
        return None;
    }
    let major = brand_at(bytes, 8)?;
    // A truncated upload may end inside the box: read the brands it holds.
    let brand_list = bytes.get(16..box_size.min(bytes.len())).unwrap_or_default();
    let compatible: Vec<&[u8; 4]> = brand_list
        .chunks_exact(4)
        .filter_map(|chunk| chunk.try_into().ok())
        .collect();
    let is_in = |brands: &[&[u8; 4]], brand: &[u8; 4]| brands.contains(&brand);

    if is_in(HEIC_BRANDS, major) {
        return Some(HEIC);
    }
    if is_in(HEIF_BRANDS, major) {
        if compatible.iter().any(|brand| is_in(AVIF_BRANDS, brand)) {
            return None;
        }
        if compatible.iter().any(|brand| is_in(HEIC_BRANDS, brand)) {
            return Some(HEIC);
        }
        return Some(HEIF);
    }
    None
}

fn brand_at(bytes: &[u8], offset: usize) -> Option<&[u8; 4]> {
    bytes.get(offset..offset + 4)?.try_into().ok()
}

/// `%PDF-` followed by a version digit within the first 1024 bytes.
fn is_pdf(bytes: &[u8]) -> bool {
    const HEADER: &[u8] = b"%PDF-";
    let window = &bytes[..bytes.len().min(PDF_HEADER_WINDOW)];
    window
        .windows(HEADER.len() + 1)
        .any(|w| w.starts_with(HEADER) && w[HEADER.len()].is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len();
        let mut out = Vec::with_capacity(size + 8);
        out.extend_from_slice(&(size as u32).to_be_bytes());
        out.extend_from_slice(b"ftyp");
        out.extend_from_slice(major);
        out.extend_from_slice(&[0, 0, 0, 0]);
        for brand in compatible {
            out.extend_from_slice(*brand);
        }
        // Start of the next box, as in a real file.
        out.extend_from_slice(&[0, 0, 0, 8]);
        out.extend_from_slice(b"meta");
        out
    }

    fn content_type(bytes: &[u8]) -> Option<&'static str> {
        sniff(bytes).map(|s| s.content_type)
    }

    #[test]
    fn jpeg() {
        let found = sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F']);
        assert_eq!(
            found,
            Some(Sniffed {
                content_type: "image/jpeg",
                extension: "jpg"
            })
        );
    }

    #[test]
    fn png() {
        let bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(
            sniff(bytes),
            Some(Sniffed {
                content_type: "image/png",
                extension: "png"
            })
        );
    }

    #[test]
    fn webp() {
        let bytes = b"RIFF\x24\0\0\0WEBPVP8 ";
        assert_eq!(
            sniff(bytes),
            Some(Sniffed {
                content_type: "image/webp",
                extension: "webp"
            })
        );
    }

    #[test]
    fn riff_that_is_not_webp_is_refused() {
        assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"RIFF\x24\0\0\0AVI LIST"), None);
    }

    #[test]
    fn gif_both_versions() {
        assert_eq!(content_type(b"GIF87a\x01\0\x01\0"), Some("image/gif"));
        assert_eq!(content_type(b"GIF89a\x01\0\x01\0"), Some("image/gif"));
        assert_eq!(sniff(b"GIF89a").map(|s| s.extension), Some("gif"));
        assert_eq!(sniff(b"GIF88a\x01\0"), None);
    }

    #[test]
    fn heic_by_major_brand() {
        for major in HEIC_BRANDS {
            let found = sniff(&ftyp(major, &[b"mif1", b"heic"]));
            assert_eq!(
                found,
                Some(Sniffed {
                    content_type: "image/heic",
                    extension: "heic"
                })
            );
        }
    }

    #[test]
    fn heif_generic_brands() {
        assert_eq!(
            sniff(&ftyp(b"mif1", &[b"mif1"])),
            Some(Sniffed {
                content_type: "image/heif",
                extension: "heif"
            })
        );
        assert_eq!(
            content_type(&ftyp(b"msf1", &[b"msf1", b"iso8"])),
            Some("image/heif")
        );
    }

    #[test]
    fn generic_brand_with_hevc_compatible_brand_is_heic() {
        assert_eq!(
            content_type(&ftyp(b"mif1", &[b"mif1", b"heic"])),
            Some("image/heic")
        );
    }

    #[test]
    fn other_iso_bmff_files_are_refused() {
        // MP4 video, QuickTime, AVIF (which also lists mif1).
        assert_eq!(sniff(&ftyp(b"isom", &[b"isom", b"mp41"])), None);
        assert_eq!(sniff(&ftyp(b"qt  ", &[b"qt  "])), None);
        assert_eq!(sniff(&ftyp(b"avif", &[b"avif", b"mif1", b"miaf"])), None);
        assert_eq!(sniff(&ftyp(b"mif1", &[b"mif1", b"avif"])), None);
    }

    #[test]
    fn ftyp_with_insane_box_size_is_refused() {
        let mut bytes = ftyp(b"heic", &[b"mif1"]);
        bytes[..4].copy_from_slice(&0u32.to_be_bytes());
        assert_eq!(sniff(&bytes), None);
        bytes[..4].copy_from_slice(&1u32.to_be_bytes());
        assert_eq!(sniff(&bytes), None);
        bytes[..4].copy_from_slice(&18u32.to_be_bytes());
        assert_eq!(sniff(&bytes), None);
    }

    #[test]
    fn ftyp_box_larger_than_input_still_reads_major_brand() {
        let mut bytes = ftyp(b"heic", &[]);
        bytes.truncate(12);
        assert_eq!(content_type(&bytes), Some("image/heic"));
    }

    #[test]
    fn pdf_at_start() {
        let found = sniff(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj");
        assert_eq!(
            found,
            Some(Sniffed {
                content_type: "application/pdf",
                extension: "pdf"
            })
        );
        assert_eq!(content_type(b"%PDF-2.0\n"), Some("application/pdf"));
    }

    #[test]
    fn pdf_after_leading_junk_within_1024_bytes() {
        let mut bytes = vec![b' '; 1000];
        bytes.extend_from_slice(b"%PDF-1.4\n");
        assert_eq!(content_type(&bytes), Some("application/pdf"));
        // The header must end inside the window, with its version digit.
        let mut bytes = vec![b' '; PDF_HEADER_WINDOW - 6];
        bytes.extend_from_slice(b"%PDF-1.4\n");
        assert_eq!(content_type(&bytes), Some("application/pdf"));
    }

    #[test]
    fn pdf_header_beyond_1024_bytes_is_refused() {
        let mut bytes = vec![b' '; PDF_HEADER_WINDOW];
        bytes.extend_from_slice(b"%PDF-1.4\n");
        assert_eq!(sniff(&bytes), None);
        let mut bytes = vec![b' '; PDF_HEADER_WINDOW - 5];
        bytes.extend_from_slice(b"%PDF-1.4\n");
        assert_eq!(sniff(&bytes), None);
    }

    #[test]
    fn truncated_headers_are_refused() {
        assert_eq!(sniff(&[0xFF, 0xD8]), None);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a"), None);
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEB"), None);
        assert_eq!(sniff(b"RIFF"), None);
        assert_eq!(sniff(b"GIF89"), None);
        assert_eq!(sniff(b"\0\0\0\x18ftyphei"), None);
        assert_eq!(sniff(b"\0\0\0\x18fty"), None);
        assert_eq!(sniff(b"%PDF"), None);
        assert_eq!(sniff(b"%PDF-"), None);
    }

    #[test]
    fn html_named_pdf_is_refused() {
        let html = b"<!DOCTYPE html>\n<html><head><title>Invoice.pdf</title></head>\
            <body><script>alert(document.cookie)</script></body></html>";
        assert_eq!(sniff(html), None);
    }

    #[test]
    fn empty_input_is_refused() {
        assert_eq!(sniff(&[]), None);
    }

    #[test]
    fn zip_is_refused() {
        assert_eq!(sniff(b"PK\x03\x04\x14\0\0\0\x08\0"), None);
        assert_eq!(sniff(b"PK\x05\x06\0\0\0\0"), None);
    }

    #[test]
    fn exe_is_refused() {
        let mut exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF\0\0".to_vec();
        exe.extend_from_slice(b"This program cannot be run in DOS mode.");
        assert_eq!(sniff(&exe), None);
    }

    #[test]
    fn every_result_is_an_accepted_type() {
        let samples: Vec<Vec<u8>> = vec![
            vec![0xFF, 0xD8, 0xFF],
            b"\x89PNG\r\n\x1a\n".to_vec(),
            b"RIFF\0\0\0\0WEBP".to_vec(),
            b"GIF89a".to_vec(),
            ftyp(b"heic", &[]),
            ftyp(b"mif1", &[]),
            b"%PDF-1.7".to_vec(),
        ];
        let mut seen: Vec<&str> = samples.iter().filter_map(|s| content_type(s)).collect();
        assert_eq!(seen.len(), samples.len());
        seen.sort_unstable();
        seen.dedup();
        let mut accepted = ACCEPTED_TYPES.to_vec();
        accepted.sort_unstable();
        assert_eq!(seen, accepted);
    }
}
