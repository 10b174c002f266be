//! Webhook calls over HTTP(S), with `reqwest`.
//!
//! A call to a target that resolves to a private, loopback or link-local
//! address is refused before connecting unless the configuration allows it
//! (SSRF); the connection then goes to the very address that was checked
//! (pinned), so a DNS answer that changes in between cannot redirect it.
//! Redirects are not followed. 2xx is success; `410 Gone` tells the subscriber
//! wants no more; anything else is tried again later.

use amiable_app::notifications::webhooks::is_private_ip;
use amiable_app::ports::messaging::{OutgoingWebhook, SendError, SendFuture, Sent, WebhookClient};
use std::time::Duration;

/// How long one call may take.
pub const TIMEOUT: Duration = Duration::from_secs(15);

pub struct HttpWebhooks {
    client: reqwest::Client,
}

impl HttpWebhooks {
    pub fn new() -> Result<Self, String> {
        crate::install_crypto_provider();
        Ok(HttpWebhooks {
            client: builder().build().map_err(|e| e.to_string())?,
        })
    }
}

fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
}

/// The host and port of a URL (`https://user@host:port/path`).
fn host_port(url: &str) -> Option<(String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let default = if scheme.eq_ignore_ascii_case("https") {
        443
    } else {
        80
    };
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, rest) = v6.split_once(']')?;
        let port = rest
            .strip_prefix(':')
            .map_or(Some(default), |p| p.parse().ok())?;
        return Some((host.to_owned(), port));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Some((host.to_owned(), port.parse().ok()?)),
        None => Some((authority.to_owned(), default)),
    }
}

impl WebhookClient for HttpWebhooks {
    fn post<'a>(&'a self, call: &'a OutgoingWebhook) -> SendFuture<'a> {
        Box::pin(async move {
            let client = if call.public_only {
                let (host, port) = host_port(&call.url)
                    .ok_or_else(|| SendError::permanent("the endpoint's URL has no host"))?;
                let addresses: Vec<_> = tokio::net::lookup_host((host.as_str(), port))
                    .await
                    .map_err(|e| SendError::temporary(format!("cannot resolve {host}: {e}")))?
                    .collect();
                let Some(first) = addresses.first().copied() else {
                    return Err(SendError::temporary(format!("{host} has no address")));
                };
                if addresses.iter().any(|a| is_private_ip(a.ip())) {
                    return Err(SendError::permanent(format!(
                        "{host} resolves to a private address; refused"
                    )));
                }
                builder()
                    .resolve(&host, first)
                    .build()
                    .map_err(|e| SendError::temporary(e.to_string()))?
            } else {
                self.client.clone()
            };
            let mut request = client.post(&call.url).body(call.body.clone());
            for (name, value) in &call.headers {
                request = request.header(name, value);
            }
            let response = request
                .send()
                .await
                .map_err(|e| SendError::temporary(format!("cannot call the endpoint: {e}")))?;
            let status = response.status().as_u16();
            let text: String = response
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect();
            match status {
                200..=299 => Ok(Sent {
                    transport: "http".into(),
                    status_code: Some(status),
                    detail: (!text.is_empty()).then_some(text),
                }),
                410 => Err(SendError::Gone),
                _ => Err(SendError::Temporary {
                    status_code: Some(status),
                    detail: format!("HTTP {status}: {text}"),
                }),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::host_port;

    #[test]
    fn host_and_port_of_urls() {
        assert_eq!(
            host_port("https://example.com/hook"),
            Some(("example.com".into(), 443))
        );
        assert_eq!(
            host_port("http://127.0.0.1:8080/x?y"),
            Some(("127.0.0.1".into(), 8080))
        );
        assert_eq!(
            host_port("https://u:p@[::1]:9000/"),
            Some(("::1".into(), 9000))
        );
        assert_eq!(host_port("nope"), None);
    }
}
