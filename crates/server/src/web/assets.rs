//! Styles, scripts and icons, compiled into the binary (no CDN, no external
//! fonts). Pages link them with a content hash (`/assets/app.css?v=1a2b…`), so
//! they can be cached for a year and a new build is fetched at once.

use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::OnceLock;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/app.css"),
    },
    // The API reference page (`/api/docs`, `openapi::reference`).
    Asset {
        name: "api-docs.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/api-docs.css"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/app.js"),
    },
    // htmx 2.0.11 (Zero-Clause BSD), from the npm package `htmx.org`, unmodified.
    Asset {
        name: "htmx.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/htmx.min.js"),
    },
    Asset {
        name: "icon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../assets/icon.svg"),
    },
];

fn hashes() -> &'static Vec<String> {
    static HASHES: OnceLock<Vec<String>> = OnceLock::new();
    HASHES.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| crate::auth::sha256_hex(&String::from_utf8_lossy(a.bytes))[..12].to_owned())
            .collect()
    })
}

/// The URL of an asset, with its content hash.
pub fn href(name: &str) -> String {
    match ASSETS.iter().position(|a| a.name == name) {
        Some(i) => format!("/assets/{name}?v={}", hashes()[i]),
        None => format!("/assets/{name}"),
    }
}

#[derive(Deserialize)]
pub struct Version {
    v: Option<String>,
}

/// `GET /assets/{name}`.
pub async fn serve(Path(name): Path<String>, Query(version): Query<Version>) -> Response {
    let Some(i) = ASSETS.iter().position(|a| a.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let asset = &ASSETS[i];
    let mut response = asset.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let immutable = version.v.as_deref() == Some(hashes()[i].as_str());
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "public, max-age=300"
        }),
    );
    response
}
