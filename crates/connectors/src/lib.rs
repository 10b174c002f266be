//! The adapters of amiable's messaging ports that talk to the world:
//! [`smtp::SmtpMailer`] (SMTP through `lettre`: TLS or STARTTLS,
//! authentication, a connection pool), [`sms::TwilioSms`] (Twilio's
//! Programmable Messaging API, the SMS provider whose wire format this build
//! speaks) and [`http::HttpWebhooks`] (webhook calls that refuse private
//! targets unless allowed). Each is tested against a local stand-in that
//! speaks the real protocol: an SMTP server, an HTTP server.

pub mod http;
pub mod sms;
pub mod smtp;

/// Makes `ring` the process's TLS crypto provider (reqwest and lettre are built
/// without one). Calling it again does nothing.
// ring stays the provider: aws-lc-rs needs cmake and doubles the cold build.
#[allow(deprecated)]
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
