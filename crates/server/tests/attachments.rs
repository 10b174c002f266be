//! Attachments through real HTTP, on SQLite and PostgreSQL: multipart
//! uploads typed by their content and stored once under their SHA-256, every
//! refusal leaving the timeline untouched, and downloads that only ever serve
//! a file of the case asked for.

mod common;

use common::{Reply, Who, World, worlds};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The harness's upload limit (`config_for`).
const MAX_UPLOAD: usize = 256 * 1024;

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A minimal PNG, then `tag` so each test has its own bytes.
fn png(tag: &str) -> Vec<u8> {
    let mut bytes = common::png();
    bytes.extend_from_slice(tag.as_bytes());
    bytes
}

/// A minimal JFIF header.
fn jpeg(tag: &str) -> Vec<u8> {
    let mut bytes = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    ];
    bytes.extend_from_slice(tag.as_bytes());
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

fn pdf(tag: &str) -> Vec<u8> {
    format!(
        "%PDF-1.7\n% {tag}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    .into_bytes()
}

fn file_part(bytes: Vec<u8>, filename: &str) -> Part {
    Part::bytes(bytes).file_name(filename.to_owned())
}

fn upload_path(case_id: &str) -> String {
    format!("/api/v1/cases/{case_id}/attachments")
}

async fn upload(world: &World, case_id: &str, who: &Who, form: Form) -> Reply {
    World::send(
        world
            .request("POST", &upload_path(case_id), who)
            .multipart(form),
    )
    .await
}

/// Every file under `dir`, recursively (temporary files included).
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found.sort();
    found
}

async fn new_case(world: &World, number: &str) -> (String, String) {
    let order = world.order_at(world.merchant_id, number).await;
    let case_id = world.case_on(&order, &Who::OperatorKey).await;
    (order, case_id)
}

fn field_codes(reply: &Reply) -> Vec<(String, String)> {
    reply.body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap().to_owned(),
                        e["code"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_and_pdfs_are_stored_under_their_hash() {
    for world in worlds().await {
        let (_, case_id) = new_case(&world, "PJ-1").await;
        let files = [
            (png("photo"), "photo.png", "image/png"),
            (jpeg("colis"), "colis abîmé.jpg", "image/jpeg"),
            (pdf("facture"), "facture.pdf", "application/pdf"),
        ];
        for (bytes, filename, content_type) in files {
            let before = world.counts().await;
            let sha = hex_sha256(&bytes);
            let reply = upload(
                &world,
                &case_id,
                &Who::MerchantAgent,
                Form::new().part("file", file_part(bytes.clone(), filename)),
            )
            .await;
            assert_eq!(
                reply.status, 201,
                "{}: {filename}: {}",
                world.name, reply.body
            );
            let events = reply.body["events"].as_array().unwrap();
            assert_eq!(events.len(), 1);
            assert_eq!(events[0]["type"], "attachment_added");
            let data = &events[0]["data"];
            assert_eq!(data["attachment"]["sha256"], json!(sha), "{data}");
            assert_eq!(data["attachment"]["content_type"], content_type);
            assert_eq!(data["attachment"]["filename"], filename);
            assert_eq!(data["attachment"]["size_bytes"], json!(bytes.len()));
            assert_eq!(data["visibility"], "public");
            assert_eq!(
                reply.headers["etag"],
                format!("\"{}\"", reply.body["version"]).as_str()
            );
            let (o, c, e) = world.counts().await;
            assert_eq!((o, c, e), (before.0, before.1, before.2 + 1));

            // On disk at ab/cd/<hash>, byte for byte.
            let path = world
                .attachments_dir()
                .join(&sha[0..2])
                .join(&sha[2..4])
                .join(&sha);
            assert_eq!(std::fs::read(&path).unwrap(), bytes, "{}", path.display());
        }

        // The same bytes again (on another case, by another caller): one more event, still one file.
        let (order, other_case) = new_case(&world, "PJ-2").await;
        let before_files = files_under(&world.attachments_dir());
        assert_eq!(before_files.len(), 3, "{before_files:?}");
        let buyer = Who::Buyer(world.buyer_token(&order).await);
        let bytes = png("photo");
        for (case, who) in [(&case_id, &Who::MerchantAgent), (&other_case, &buyer)] {
            let reply = upload(
                &world,
                case,
                who,
                Form::new().part("file", file_part(bytes.clone(), "encore.png")),
            )
            .await;
            assert_eq!(reply.status, 201, "{}", reply.body);
            assert_eq!(
                reply.body["events"][0]["data"]["attachment"]["sha256"],
                json!(hex_sha256(&bytes))
            );
        }
        assert_eq!(files_under(&world.attachments_dir()), before_files);
        let timeline = world
            .get(&format!("/api/v1/cases/{case_id}"), &Who::MerchantAgent)
            .await;
        let added = timeline.body["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "attachment_added")
            .count();
        assert_eq!(added, 4);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_content_decides_the_type_not_the_name() {
    for world in worlds().await {
        let (_, case_id) = new_case(&world, "PJ-10").await;
        let before = world.counts().await;
        let refused: [(&[u8], &str, &str); 5] = [
            (
                b"<html><script>alert(1)</script></html>",
                "photo.png",
                "image/png",
            ),
            (
                b"MZ\x90\x00\x03 not a picture",
                "facture.pdf",
                "application/pdf",
            ),
            (b"GIF88a not quite", "anim.gif", "image/gif"),
            (b"%PDF-x without a version", "doc.pdf", "application/pdf"),
            (b"", "vide.png", "image/png"),
        ];
        for (bytes, filename, mime) in refused {
            let part = Part::bytes(bytes.to_vec())
                .file_name(filename)
                .mime_str(mime)
                .unwrap();
            let reply = upload(
                &world,
                &case_id,
                &Who::MerchantAgent,
                Form::new().part("file", part),
            )
            .await;
            assert_eq!(reply.status, 415, "{filename}: {}", reply.body);
            assert_eq!(reply.body["code"], "attachment.type_not_allowed");
            assert_eq!(
                field_codes(&reply),
                vec![("file".into(), "attachment.type_not_allowed".into())]
            );
        }
        assert_eq!(world.counts().await, before, "{}", world.name);
        assert!(
            files_under(&world.attachments_dir()).is_empty(),
            "a refused file was stored"
        );

        // A PNG called invoice.pdf and sent as a PDF is a PNG.
        let bytes = png("déguisé");
        let part = Part::bytes(bytes.clone())
            .file_name("facture.pdf")
            .mime_str("application/pdf")
            .unwrap();
        let reply = upload(
            &world,
            &case_id,
            &Who::MerchantAgent,
            Form::new().part("file", part),
        )
        .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        assert_eq!(
            reply.body["events"][0]["data"]["attachment"]["content_type"],
            "image/png"
        );
        let sha = hex_sha256(&bytes);
        let file = World::send_raw(world.request(
            "GET",
            &format!("/api/v1/cases/{case_id}/attachments/{sha}"),
            &Who::MerchantAgent,
        ))
        .await;
        assert_eq!(file.headers["content-type"], "image/png");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_over_the_limit_are_refused_whole() {
    for world in worlds().await {
        let (_, case_id) = new_case(&world, "PJ-20").await;
        let before = world.counts().await;
        // Just over the limit (the request itself is under the body cap), then far over it.
        for size in [MAX_UPLOAD + 1, MAX_UPLOAD + 40 * 1024, 2 * 1024 * 1024] {
            let mut bytes = png("gros");
            bytes.resize(size, 0);
            let reply = upload(
                &world,
                &case_id,
                &Who::MerchantAgent,
                Form::new().part("file", file_part(bytes, "gros.png")),
            )
            .await;
            assert_eq!(reply.status, 413, "{size}: {}", reply.body);
            assert_eq!(reply.body["code"], "attachment.too_large", "{size}");
            assert_eq!(world.counts().await, before, "{}: {size}", world.name);
        }
        assert!(files_under(&world.attachments_dir()).is_empty());
        // Exactly at the limit is fine.
        let mut bytes = png("juste");
        bytes.resize(MAX_UPLOAD, 7);
        let reply = upload(
            &world,
            &case_id,
            &Who::MerchantAgent,
            Form::new().part("file", file_part(bytes.clone(), "juste.png")),
        )
        .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        assert_eq!(
            reply.body["events"][0]["data"]["attachment"]["size_bytes"],
            json!(MAX_UPLOAD)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_too_large_answer_states_the_real_limit() {
    let mut wrong = Vec::new();
    for world in worlds().await {
        let (_, case_id) = new_case(&world, "PJ-21").await;
        let mut bytes = png("gros");
        bytes.resize(MAX_UPLOAD + 1, 0);
        let reply = upload(
            &world,
            &case_id,
            &Who::MerchantAgent,
            Form::new().part("file", file_part(bytes, "gros.png")),
        )
        .await;
        assert_eq!(reply.status, 413, "{}", reply.body);
        assert_eq!(reply.body["max_bytes"], json!(MAX_UPLOAD), "{}", reply.body);
        // 256 KiB is not "0 MiB".
        let detail = reply.body["detail"].as_str().unwrap();
        if detail.contains(" 0 MiB") {
            wrong.push(format!(
                "{}: the detail understates the limit: {detail}",
                world.name
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_uploads_are_refused_and_change_nothing() {
    for world in worlds().await {
        let (_, case_id) = new_case(&world, "PJ-30").await;
        let before = world.counts().await;
        let agent = Who::MerchantAgent;

        let reply = upload(
            &world,
            &case_id,
            &agent,
            Form::new().text("visibility", "public"),
        )
        .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(reply.body["code"], "attachment.missing_file");
        assert_eq!(
            field_codes(&reply),
            vec![("file".into(), "attachment.missing_file".into())]
        );

        // No part at all (not even valid multipart: a body has at least one part).
        let reply = upload(&world, &case_id, &agent, Form::new()).await;
        assert!(
            matches!(
                reply.body["code"].as_str(),
                Some("attachment.missing_file" | "request.unreadable")
            ),
            "{}",
            reply.body
        );

        // The file under another name is an unknown part, not a file.
        let reply = upload(
            &world,
            &case_id,
            &agent,
            Form::new().part("photo", file_part(png("x"), "x.png")),
        )
        .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(
            field_codes(&reply),
            vec![("photo".into(), "field.unknown".into())]
        );

        let form = Form::new()
            .part("file", file_part(png("x"), "x.png"))
            .text("comment", "voilà");
        let reply = upload(&world, &case_id, &agent, form).await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(
            field_codes(&reply),
            vec![("comment".into(), "field.unknown".into())]
        );

        for visibility in ["secret", "PUBLIC", ""] {
            let form = Form::new()
                .text("visibility", visibility)
                .part("file", file_part(png("x"), "x.png"));
            let reply = upload(&world, &case_id, &agent, form).await;
            assert_eq!(reply.status, 422, "{visibility}: {}", reply.body);
            assert_eq!(
                field_codes(&reply),
                vec![("visibility".into(), "field.unknown_value".into())]
            );
        }

        let form = Form::new()
            .part("file", file_part(png("x"), "x.png"))
            .text("expected_version", "deux");
        let reply = upload(&world, &case_id, &agent, form).await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(
            field_codes(&reply),
            vec![("expected_version".into(), "case.version_invalid".into())]
        );

        // A stale version: a conflict.
        let form = Form::new()
            .part("file", file_part(png("x"), "x.png"))
            .text("expected_version", "7");
        let reply = upload(&world, &case_id, &agent, form).await;
        assert_eq!(reply.status, 409, "{}", reply.body);
        assert_eq!(reply.body["code"], "case.version_conflict");

        // Not multipart at all.
        let reply = world
            .post(
                &upload_path(&case_id),
                &agent,
                &json!({"file": "iVBORw0KGgo="}),
            )
            .await;
        assert_eq!(reply.status, 415, "{}", reply.body);
        assert_eq!(reply.body["code"], "request.unsupported_media_type");
        let reply = World::send(
            world
                .request("POST", &upload_path(&case_id), &agent)
                .header("content-type", "image/png")
                .body(png("brut")),
        )
        .await;
        assert_eq!(reply.status, 415, "{}", reply.body);
        // Multipart in name only.
        let reply = World::send(
            world
                .request("POST", &upload_path(&case_id), &agent)
                .header("content-type", "multipart/form-data; boundary=frontiere")
                .body("ceci n'est pas du multipart"),
        )
        .await;
        assert!(matches!(reply.status, 400 | 422), "{}", reply.body);

        // A buyer cannot file an internal document.
        let order = world.order_at(world.merchant_id, "PJ-31").await;
        let buyer_case = world.case_on(&order, &Who::OperatorKey).await;
        let buyer = Who::Buyer(world.buyer_token(&order).await);
        let before_buyer = world.counts().await;
        let form = Form::new()
            .text("visibility", "internal")
            .part("file", file_part(png("x"), "x.png"));
        let reply = upload(&world, &buyer_case, &buyer, form).await;
        assert_eq!(reply.status, 403, "{}", reply.body);
        assert_eq!(world.counts().await, before_buyer);

        // An unknown case, or one out of reach.
        let neighbour = world.order_at(world.other_merchant_id, "PJ-32").await;
        let neighbour_case = world.case_on(&neighbour, &Who::OperatorKey).await;
        let before_all = world.counts().await;
        for target in [
            neighbour_case.as_str(),
            "00000000-0000-0000-0000-000000000000",
            "pas-un-id",
        ] {
            let reply = upload(
                &world,
                target,
                &agent,
                Form::new().part("file", file_part(png("x"), "x.png")),
            )
            .await;
            assert_eq!(reply.status, 404, "{target}: {}", reply.body);
        }
        assert_eq!(world.counts().await, before_all);
        // Over the whole test, only the openings of the two later cases were recorded.
        assert_eq!(before_all.2, before.2 + 2, "{}", world.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_serve_the_bytes_of_this_case_only() {
    for world in worlds().await {
        let (order, case_id) = new_case(&world, "PJ-40").await;
        let (_, other_case) = new_case(&world, "PJ-41").await;
        let bytes = jpeg("téléchargement");
        let sha = hex_sha256(&bytes);
        let reply = upload(
            &world,
            &case_id,
            &Who::MerchantAgent,
            Form::new().part(
                "file",
                file_part(bytes.clone(), "../../colis \"abîmé\".jpg"),
            ),
        )
        .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        // The recorded name has no path.
        assert_eq!(
            reply.body["events"][0]["data"]["attachment"]["filename"],
            "colis \"abîmé\".jpg"
        );
        let other_bytes = pdf("autre dossier");
        let other_sha = hex_sha256(&other_bytes);
        let reply = upload(
            &world,
            &other_case,
            &Who::MerchantAgent,
            Form::new().part("file", file_part(other_bytes, "autre.pdf")),
        )
        .await;
        assert_eq!(reply.status, 201, "{}", reply.body);

        let buyer = Who::Buyer(world.buyer_token(&order).await);
        for who in [Who::MerchantAgent, Who::OperatorAdmin, buyer.clone()] {
            let response = world
                .request(
                    "GET",
                    &format!("/api/v1/cases/{case_id}/attachments/{sha}"),
                    &who,
                )
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{who:?}");
            let headers = response.headers().clone();
            assert_eq!(headers["content-type"], "image/jpeg");
            assert_eq!(headers["x-content-type-options"], "nosniff");
            let disposition = headers["content-disposition"].to_str().unwrap();
            assert!(
                disposition.starts_with("inline; filename=\""),
                "{disposition}"
            );
            assert!(disposition.contains("colis"), "{disposition}");
            assert!(disposition.ends_with(".jpg\""), "{disposition}");
            assert_eq!(
                disposition.matches('"').count(),
                2,
                "quotes in the name are neutralised: {disposition}"
            );
            assert!(disposition.is_ascii());
            assert!(
                headers["content-security-policy"]
                    .to_str()
                    .unwrap()
                    .contains("sandbox")
            );
            assert_eq!(response.bytes().await.unwrap().to_vec(), bytes);
        }

        // Unknown, another case's, malformed, or a path: not found, never a file.
        let missing = hex_sha256(b"jamais");
        let bad = [
            missing,
            other_sha.clone(),
            sha.to_uppercase(),
            sha[..63].to_owned(),
            "..%2F..%2F..%2Fetc%2Fpasswd".to_owned(),
            "%2e%2e%2f%2e%2e%2fetc%2fpasswd".to_owned(),
            "..%5C..%5Cwindows%5Cwin.ini".to_owned(),
            format!("..%2F{}", sha),
        ];
        for candidate in &bad {
            let path = format!("/api/v1/cases/{case_id}/attachments/{candidate}");
            let reply = world.get(&path, &Who::OperatorAdmin).await;
            assert_eq!(reply.status, 404, "{candidate}: {}", reply.body);
            assert!(
                reply.headers["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("application/problem+json")
            );
        }
        let reply = world
            .get(
                &format!("/api/v1/cases/{case_id}/attachments/../../../etc/passwd"),
                &Who::OperatorAdmin,
            )
            .await;
        assert_eq!(reply.status, 404, "{}", reply.body);
        // The other case's file is served from its own case.
        let reply = World::send_raw(world.request(
            "GET",
            &format!("/api/v1/cases/{other_case}/attachments/{other_sha}"),
            &Who::MerchantAgent,
        ))
        .await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.headers["content-type"], "application/pdf");
        // A buyer of another order reaches neither.
        let stranger = Who::Buyer(
            world
                .buyer_token(&world.order_at(world.merchant_id, "PJ-42").await)
                .await,
        );
        let reply = world
            .get(
                &format!("/api/v1/cases/{case_id}/attachments/{sha}"),
                &stranger,
            )
            .await;
        assert_eq!(reply.status, 404, "{}", reply.body);
        let _: Option<Value> = None;
    }
}
