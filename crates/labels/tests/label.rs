//! Return labels as a person and a scanner see them: the PDF bytes, then the
//! page rasterised by poppler and read back by zbar.

use std::path::{Path, PathBuf};
use std::process::Command;

use amiable_labels::{Address, LabelError, LabelSpec, Language, PageSize, render};

const RMA: &str = "RMA-7K3Q9P2X";
const QR_PAYLOAD: &str = "https://retours.maison-colette.fr/cas/RMA-7K3Q9P2X";

fn sample(language: Language) -> LabelSpec {
    LabelSpec {
        rma: RMA.to_owned(),
        // A UPU S10 number, as the local carrier issues them (check digit 9, UPU S10 §5.2).
        tracking_number: "CR473124829FR".to_owned(),
        carrier_name: "Colissimo".to_owned(),
        service: "Retour prépayé".to_owned(),
        from: Address {
            name: "Élodie Martin".to_owned(),
            lines: vec![
                "Appartement 3, escalier B".to_owned(),
                "8 avenue Jean-Jaurès".to_owned(),
            ],
            postal_code: "31000".to_owned(),
            city: "Toulouse".to_owned(),
            country: "France".to_owned(),
        },
        to: Address {
            name: "Maison Colette — Service retours".to_owned(),
            lines: vec!["12 rue de l'Église".to_owned(), "Entrepôt C".to_owned()],
            postal_code: "69002".to_owned(),
            city: "Lyon".to_owned(),
            country: "France".to_owned(),
        },
        weight_grams: 1250,
        parcel_count: 1,
        order_reference: "CMD-2026-001042".to_owned(),
        issued_on: "12/05/2026".to_owned(),
        expires_on: "26/05/2026".to_owned(),
        items: vec![
            "2 × T-shirt lin bleu (taille M)".to_owned(),
            "1 × Pull col roulé « Écume », laine mérinos".to_owned(),
            "1 × Foulard en soie imprimé œillets — 45 €".to_owned(),
        ],
        qr_payload: QR_PAYLOAD.to_owned(),
        language,
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[test]
fn same_input_gives_the_same_bytes() {
    for size in [PageSize::A6, PageSize::A4] {
        let first = render(&sample(Language::Fr), size).unwrap();
        let second = render(&sample(Language::Fr), size).unwrap();
        assert_eq!(first, second, "{size:?}");
        assert!(first.starts_with(b"%PDF-"));
        assert!(first.ends_with(b"%%EOF\n") || first.ends_with(b"%%EOF"));
    }
    assert_ne!(
        render(&sample(Language::Fr), PageSize::A6).unwrap(),
        render(&sample(Language::En), PageSize::A6).unwrap()
    );
}

#[test]
fn page_sizes_are_a6_and_a4_in_points() {
    let a6 = render(&sample(Language::Fr), PageSize::A6).unwrap();
    assert!(contains(&a6, b"/MediaBox [0 0 297.64 419.53]"));
    let a4 = render(&sample(Language::Fr), PageSize::A4).unwrap();
    assert!(contains(&a4, b"/MediaBox [0 0 595.28 841.89]"));
}

#[test]
fn standard_fonts_are_referenced_not_embedded() {
    let pdf = render(&sample(Language::Fr), PageSize::A6).unwrap();
    assert!(contains(&pdf, b"/BaseFont /Helvetica\n") || contains(&pdf, b"/BaseFont /Helvetica "));
    assert!(contains(&pdf, b"/BaseFont /Helvetica-Bold"));
    assert!(contains(&pdf, b"/Encoding /WinAnsiEncoding"));
    assert!(!contains(&pdf, b"/FontFile"));
}

#[test]
fn document_info_names_the_label_and_amiable() {
    let pdf = render(&sample(Language::Fr), PageSize::A6).unwrap();
    assert!(contains(&pdf, b"/Producer (amiable)"));
    // Non-ASCII titles are written as UTF-16BE with a byte order mark.
    let title: String = "Étiquette retour RMA-7K3Q9P2X"
        .encode_utf16()
        .map(|unit| format!("{unit:04X}"))
        .collect();
    let text = String::from_utf8_lossy(&pdf).to_uppercase();
    assert!(
        text.contains(&format!("/TITLE <FEFF{title}>")),
        "title missing"
    );
}

#[test]
fn one_page_per_parcel() {
    let mut spec = sample(Language::Fr);
    spec.parcel_count = 3;
    let pdf = render(&spec, PageSize::A6).unwrap();
    assert!(contains(&pdf, b"/Count 3"));
}

#[test]
fn rma_that_a_scanner_could_not_read_back_is_refused() {
    for rma in ["", "RMA 7K3Q", "RMA-É7K3Q", "RMA-7K3Q\u{0106}12"] {
        let mut spec = sample(Language::Fr);
        spec.rma = rma.to_owned();
        let error = render(&spec, PageSize::A6).unwrap_err();
        assert!(
            matches!(error, LabelError::UnencodableRma { .. }),
            "{rma:?}: {error}"
        );
    }
    let mut spec = sample(Language::Fr);
    spec.rma = "RMA-0123456789ABCDEFGH".to_owned();
    assert!(matches!(
        render(&spec, PageSize::A4),
        Err(LabelError::RmaTooLong {
            len: 22,
            max: 19,
            ..
        })
    ));
}

#[test]
fn other_unprintable_specs_are_refused() {
    let mut spec = sample(Language::En);
    spec.qr_payload = "https://example.fr/".repeat(10);
    assert!(matches!(
        render(&spec, PageSize::A6),
        Err(LabelError::QrPayloadTooLong { .. })
    ));
    let mut spec = sample(Language::En);
    spec.qr_payload.clear();
    assert!(matches!(
        render(&spec, PageSize::A6),
        Err(LabelError::EmptyQrPayload)
    ));
    let mut spec = sample(Language::En);
    spec.parcel_count = 0;
    assert!(matches!(
        render(&spec, PageSize::A6),
        Err(LabelError::ParcelCount { count: 0, .. })
    ));
    let mut spec = sample(Language::En);
    spec.weight_grams = 0;
    assert!(matches!(
        render(&spec, PageSize::A6),
        Err(LabelError::ZeroWeight)
    ));
}

/// Whether `program` can be started at all.
fn installed(program: &str) -> bool {
    Command::new(program).arg("-v").output().is_ok()
}

/// Runs `program` and returns its standard output, failing the test with its
/// standard error if it does not succeed.
fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("{program} could not start: {error}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("tool output is UTF-8")
}

/// Decodes the symbols of one kind zbar finds in `png`, one per line.
fn scan(png: &Path, symbology: &str) -> Vec<String> {
    let enable = format!("-S{symbology}.enable");
    let png = png.to_str().expect("temporary path is UTF-8");
    run("zbarimg", &["--quiet", "--raw", "-Sdisable", &enable, png])
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Writes `pdf` to a fresh directory under `name`, returning its path.
fn write_pdf(name: &str, pdf: &[u8]) -> PathBuf {
    let directory = Path::new(env!("CARGO_TARGET_TMPDIR")).join("labels");
    std::fs::create_dir_all(&directory).unwrap();
    let path = directory.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    path
}

/// Rasterises the first page of `pdf` at `dpi`, as a label printer or an
/// office printer would print it, into `name`-1.png beside it. `area` keeps
/// only `(x, y, width, height)`, in millimetres from the top-left corner.
fn rasterise(pdf: &Path, name: &str, dpi: u32, area: Option<(u32, u32, u32, u32)>) -> PathBuf {
    let directory = pdf.parent().unwrap();
    let png = directory.join(format!("{name}-1.png"));
    let _ = std::fs::remove_file(&png);
    let prefix = directory.join(name);
    let mut args: Vec<String> = vec!["-r".to_owned(), dpi.to_string()];
    args.extend(["-png", "-f", "1", "-l", "1"].map(str::to_owned));
    if let Some((x, y, width, height)) = area {
        let pixels = |mm: u32| (mm * dpi * 10 / 254).to_string();
        for (flag, mm) in [("-x", x), ("-y", y), ("-W", width), ("-H", height)] {
            args.push(flag.to_owned());
            args.push(pixels(mm));
        }
    }
    args.push(pdf.to_str().unwrap().to_owned());
    args.push(prefix.to_str().unwrap().to_owned());
    run(
        "pdftoppm",
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    png
}

#[test]
fn printed_label_scans_back_to_the_rma_and_the_case_link() {
    let tools = ["pdftoppm", "pdftotext", "zbarimg"];
    if let Some(missing) = tools.iter().find(|tool| !installed(tool)) {
        if std::env::var("AMIABLE_REQUIRE_LABEL_TOOLS").as_deref() == Ok("1") {
            panic!("{missing} is not installed and AMIABLE_REQUIRE_LABEL_TOOLS=1");
        }
        eprintln!("skipped: pdftoppm/zbarimg not installed ({missing} is missing)");
        return;
    }

    for (name, language, size) in [
        ("label-a6-fr", Language::Fr, PageSize::A6),
        ("label-a4-fr", Language::Fr, PageSize::A4),
        ("label-a6-en", Language::En, PageSize::A6),
    ] {
        let spec = sample(language);
        let pdf = write_pdf(name, &render(&spec, size).unwrap());
        let png = rasterise(&pdf, name, 200, None);

        // zbar reports identical symbols once, so on A4 the label (top-left
        // quarter) and the packing slip (lower half) are scanned apart.
        assert_eq!(scan(&png, "code128"), [RMA], "{name}");
        assert_eq!(scan(&png, "qrcode"), [QR_PAYLOAD], "{name}");
        if size == PageSize::A4 {
            let label = rasterise(&pdf, &format!("{name}-label"), 200, Some((0, 0, 105, 148)));
            assert_eq!(scan(&label, "code128"), [RMA], "{name} label");
            assert_eq!(scan(&label, "qrcode"), [QR_PAYLOAD], "{name} label");
            let slip = rasterise(&pdf, &format!("{name}-slip"), 200, Some((0, 149, 210, 148)));
            assert_eq!(scan(&slip, "code128"), [RMA], "{name} packing slip");
        }

        // The barcode and the QR code also read from coarser and finer prints.
        if size == PageSize::A6 {
            for dpi in [150, 300] {
                let png = rasterise(&pdf, &format!("{name}-{dpi}dpi"), dpi, None);
                assert_eq!(scan(&png, "code128"), [RMA], "{name} at {dpi} dpi");
                assert_eq!(scan(&png, "qrcode"), [QR_PAYLOAD], "{name} at {dpi} dpi");
            }
        }

        // The words come out of the PDF as they went in, accents included.
        let text = run("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
        let expected_words: &[&str] = match language {
            Language::Fr => &[
                "Élodie Martin",
                "12 rue de l'Église",
                "Maison Colette — Service retours",
                "69002 LYON",
                "1,250 kg",
                "Colis 1/1",
                "EXPÉDITEUR",
                "DESTINATAIRE",
                "À déposer avant le 26/05/2026",
                "Retour prépayé",
            ],
            Language::En => &[
                "FROM",
                "TO",
                "1.250 kg",
                "Parcel 1/1",
                "Drop off before 26/05/2026",
            ],
        };
        for words in expected_words {
            assert!(
                text.contains(words),
                "{name}: {words:?} missing from\n{text}"
            );
        }
        if size == PageSize::A4 {
            for words in [
                "Pull col roulé « Écume », laine mérinos",
                "œillets — 45 €",
                "Bon de retour",
            ] {
                assert!(
                    text.contains(words),
                    "{name}: {words:?} missing from\n{text}"
                );
            }
        }
    }
}
