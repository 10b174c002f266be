//! Text documents as a reader gets them: the words poppler extracts from the
//! PDF, accents and line breaks included, and the page numbers.

use std::path::{Path, PathBuf};
use std::process::Command;

use amiable_labels::{Block, CellAlign, Document, Language, Table, TableColumn, render_document};

const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn dossier() -> Document {
    let mut blocks = vec![
        Block::Heading("Historique".to_owned()),
        Block::Subheading("3 déc. 2026 à 14:05 — Client — Message".to_owned()),
        Block::Quote(
            "Bonjour,\n\nLe pull « Écume » est arrivé déchiré.\nMerci de me rembourser 45 €."
                .to_owned(),
        ),
        Block::Note("Échange privé avec le médiateur (Client)".to_owned()),
        Block::Heading("Pièces".to_owned()),
        Block::Table(Table {
            columns: vec![
                TableColumn {
                    title: "Fichier".to_owned(),
                    share: 3,
                    align: CellAlign::Left,
                },
                TableColumn {
                    title: "Taille".to_owned(),
                    share: 1,
                    align: CellAlign::Right,
                },
            ],
            rows: vec![vec![
                format!("photo-colis.jpg\nSHA-256 {HASH}"),
                "12 Ko".to_owned(),
            ]],
        }),
        Block::Field {
            label: "Motivation".to_owned(),
            value: "Le transporteur a reconnu l'avarie ; œuvre de Zoë, 東京.".to_owned(),
        },
    ];
    // Enough text for a second page.
    blocks.extend(
        (1..=80).map(|n| Block::Paragraph(format!("Paragraphe de remplissage numéro {n}."))),
    );
    blocks.push(Block::Heading("Intégrité".to_owned()));
    blocks.push(Block::Paragraph(format!("Dernière empreinte : {HASH}")));
    Document {
        title: "Dossier 1A2B3C4D".to_owned(),
        metadata: vec![("Boutique".to_owned(), "Maison Colette".to_owned())],
        blocks,
        footer: "Dossier 1A2B3C4D — Le Marché des Créateurs".to_owned(),
        language: Language::Fr,
    }
}

fn installed(program: &str) -> bool {
    Command::new(program).arg("-v").output().is_ok()
}

fn write_pdf(name: &str, pdf: &[u8]) -> PathBuf {
    let directory = Path::new(env!("CARGO_TARGET_TMPDIR")).join("documents");
    std::fs::create_dir_all(&directory).unwrap();
    let path = directory.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    path
}

fn pdftotext(pdf: &Path, page: Option<u32>) -> String {
    let mut args: Vec<String> = Vec::new();
    if let Some(page) = page {
        args.extend([
            "-f".to_owned(),
            page.to_string(),
            "-l".to_owned(),
            page.to_string(),
        ]);
    }
    args.push(pdf.to_str().unwrap().to_owned());
    args.push("-".to_owned());
    let output = Command::new("pdftotext").args(&args).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn the_words_read_back_from_the_pdf_as_they_went_in() {
    let bytes = render_document(&dossier()).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert_eq!(bytes, render_document(&dossier()).unwrap());
    if !installed("pdftotext") {
        if std::env::var("AMIABLE_REQUIRE_LABEL_TOOLS").as_deref() == Ok("1") {
            panic!("pdftotext is not installed and AMIABLE_REQUIRE_LABEL_TOOLS=1");
        }
        eprintln!("skipped: pdftotext is not installed");
        return;
    }
    let pdf = write_pdf("dossier-fr", &bytes);
    let text = pdftotext(&pdf, None);
    for words in [
        "Dossier 1A2B3C4D",
        "Maison Colette",
        "3 déc. 2026 à 14:05 — Client — Message",
        "Le pull « Écume » est arrivé déchiré.",
        "Merci de me rembourser 45 €.",
        "Échange privé avec le médiateur (Client)",
        "photo-colis.jpg",
        HASH,
        // Outside Windows-1252: a question mark, the rest kept.
        "œuvre de Zoë, ??.",
        "Dossier 1A2B3C4D — Le Marché des Créateurs",
    ] {
        assert!(text.contains(words), "{words:?} missing from\n{text}");
    }
    // A message's line breaks stay line breaks.
    assert!(!text.contains("Bonjour, Le pull"), "{text}");

    let pages = text.matches("page 1 / ").count();
    assert_eq!(pages, 1, "{text}");
    let last = text
        .lines()
        .filter_map(|line| line.trim().strip_prefix("page "))
        .next_back()
        .unwrap();
    let (number, count) = last.split_once(" / ").unwrap();
    assert_eq!(number, count, "the last page is numbered N / N");
    assert!(count.parse::<u32>().unwrap() >= 2);
    let page_two = pdftotext(&pdf, Some(2));
    assert!(
        page_two.contains(&format!("page 2 / {count}")),
        "{page_two}"
    );
}
