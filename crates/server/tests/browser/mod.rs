//! A browser without JavaScript for the web tests: cookies kept, redirects
//! not followed, forms posted urlencoded or multipart, pages read whole; and
//! the steps most tests start with (an order, a buyer who looked it up).

#![allow(dead_code)]

use super::common::{Who, World};
use serde_json::json;
use std::collections::BTreeMap;

/// A browser without JavaScript: keeps cookies, never follows redirects.
pub struct Browser<'a> {
    pub world: &'a World,
    pub client: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    pub lang: &'static str,
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub content_type: String,
    pub text: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Page {
    /// The token of the page's first form.
    pub fn csrf(&self) -> String {
        let at = self
            .text
            .find("name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("no form token in {}", self.text));
        let rest = &self.text[at + 19..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    pub fn has(&self, needle: &str) -> bool {
        self.text.contains(needle)
    }

    /// The value of the first field named `name` (`name="due_at" … value="…"`).
    pub fn value_of(&self, name: &str) -> String {
        let at = self
            .text
            .find(&format!("name=\"{name}\""))
            .unwrap_or_else(|| panic!("no field {name}"));
        let rest = &self.text[at..];
        let at = rest.find("value=\"").expect("a value") + 7;
        rest[at..at + rest[at..].find('"').unwrap()].to_owned()
    }

    /// The value of the hidden `version` field (the case version the forms carry).
    pub fn version(&self) -> String {
        let at = self
            .text
            .find("name=\"version\" value=\"")
            .expect("a version field");
        let rest = &self.text[at + 22..];
        rest[..rest.find('"').unwrap()].to_owned()
    }
}

impl<'a> Browser<'a> {
    pub fn new(world: &'a World) -> Self {
        Browser {
            world,
            client: {
                amiable_connectors::install_crypto_provider();
                reqwest::Client::builder()
            }
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
            cookies: BTreeMap::new(),
            lang: "fr-FR,fr;q=0.9",
        }
    }

    /// A staff member's browser, signed in (the session is made in the store).
    pub fn staff(world: &'a World, role: &str) -> Self {
        let mut browser = Browser::new(world);
        let session = &world.sessions[role];
        let (name, value) = session.cookie.split_once('=').unwrap();
        browser.cookies.insert(name.to_owned(), value.to_owned());
        browser
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn send(&mut self, builder: reqwest::RequestBuilder) -> Page {
        let builder = builder
            .header("cookie", self.cookie_header())
            .header("accept", "text/html")
            .header("accept-language", self.lang);
        let response = builder.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for value in headers.get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let location = headers
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        let content_type = headers
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let text = response.text().await.unwrap_or_default();
        assert!(status < 500, "server error {status}: {text}");
        Page {
            status,
            location,
            content_type,
            text,
            headers,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let builder = self.client.get(format!("{}{path}", self.world.base));
        self.send(builder).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let builder = self
            .client
            .post(format!("{}{path}", self.world.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(builder).await
    }

    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: Vec<(&str, &str, Vec<u8>)>,
    ) -> Page {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        for (field, name, bytes) in files {
            form = form.part(
                field.to_owned(),
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
            );
        }
        let builder = self
            .client
            .post(format!("{}{path}", self.world.base))
            .multipart(form);
        self.send(builder).await
    }

    /// Follows a redirect answer.
    pub async fn follow(&mut self, page: &Page) -> Page {
        let location = page
            .location
            .as_deref()
            .unwrap_or_else(|| panic!("not a redirect: {} {}", page.status, page.text));
        self.get(location).await
    }
}

pub fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// An order of the test merchant: two jumpers at 45 € and a personalised candle.
pub async fn order(world: &World, number: &str, email: &str) -> String {
    let mut body = World::order_body(Some(world.merchant_id), number);
    body["order"]["buyer"]["email"] = json!(email);
    let reply = world.post("/api/v1/orders", &Who::OperatorKey, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["order"]["id"].as_str().unwrap().to_owned()
}

/// A buyer who looked their order up; returns the order page's path.
pub async fn buyer_of(browser: &mut Browser<'_>, number: &str, email: &str) -> String {
    let form = browser.get("/suivi").await;
    assert_eq!(form.status, 200);
    let csrf = form.csrf();
    let answer = browser
        .post(
            "/suivi",
            &[
                ("csrf", &csrf),
                ("operator", "marche"),
                ("order_number", number),
                ("email", email),
            ],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.text);
    answer.location.unwrap()
}
