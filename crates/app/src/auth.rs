//! Credentials: random tokens, password hashes (argon2id), API keys (shown
//! once, stored as the SHA-256 of their secret), buyer access tokens
//! (HMAC-SHA256-signed, scoped to one order, short-lived) and staff sessions.
//! Which credential a request carries, and where (a header, a cookie), is the
//! adapter's business; what it is worth is decided here.

use crate::{App, Error};
use amiable_domain::access::Principal;
use amiable_domain::ids::{MerchantId, OperatorId, OrderId};
use amiable_store::ApiKey;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const API_KEY_PREFIX: &str = "amk_";
pub const BUYER_TOKEN_PREFIX: &str = "amb_";

/// 32 random bytes from the operating system.
pub fn random_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    // The OS generator failing means the machine cannot do cryptography at all.
    getrandom::fill(&mut bytes).expect("operating system random generator");
    bytes
}

/// A random token for cookies and keys (43 URL-safe characters, 256 bits).
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes())
}

pub fn sha256_hex(text: &str) -> String {
    let digest: [u8; 32] = Sha256::digest(text.as_bytes()).into();
    amiable_domain::timeline::to_hex(&digest)
}

/// Compares secrets in time independent of where they differ (`subtle`'s
/// [`ConstantTimeEq`](subtle::ConstantTimeEq)). Lengths are not secret: slices of
/// different lengths are unequal at once.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

/// An argon2id hash (PHC string) of a password, with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    use argon2::PasswordHasher;
    argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// Whether `password` matches the stored argon2id `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::PasswordVerifier;
    argon2::Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// The shortest password accepted for staff accounts.
pub const MIN_PASSWORD_LENGTH: usize = 10;

/// A new API key: the record to store and the full key, shown once.
pub struct IssuedApiKey {
    pub record: ApiKey,
    pub key: String,
}

pub fn issue_api_key(
    operator_id: OperatorId,
    merchant_id: Option<MerchantId>,
    name: &str,
    created_by: Option<String>,
) -> IssuedApiKey {
    let id = amiable_domain::timeline::to_hex(&random_bytes())[..16].to_owned();
    let secret = random_token();
    IssuedApiKey {
        record: ApiKey {
            id: id.clone(),
            operator_id,
            merchant_id,
            name: name.to_owned(),
            secret_hash: sha256_hex(&secret),
            created_by,
            created_at: amiable_domain::timeline::truncate_to_micros(Timestamp::now()),
            revoked_at: None,
        },
        key: format!("{API_KEY_PREFIX}{id}_{secret}"),
    }
}

/// `amk_<16 hex id>_<secret>` → (id, secret).
fn split_api_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix(API_KEY_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()) && !secret.is_empty())
        .then_some((id, secret))
}

/// What a buyer access token grants: one order, until `expires_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuyerClaims {
    pub operator_id: OperatorId,
    pub merchant_id: MerchantId,
    pub order_id: OrderId,
    pub expires_at: Timestamp,
}

impl BuyerClaims {
    pub fn principal(&self) -> Principal {
        Principal::Buyer {
            operator_id: self.operator_id,
            merchant_id: self.merchant_id,
            order_id: self.order_id,
        }
    }
}

/// Signs and checks buyer access tokens with a key shared by every node.
#[derive(Clone)]
pub struct BuyerTokens {
    key: [u8; 32],
}

const CLAIMS_LEN: usize = 16 * 3 + 8;

impl BuyerTokens {
    pub fn new(key: [u8; 32]) -> Self {
        BuyerTokens { key }
    }

    fn mac(&self, claims: &[u8]) -> hmac::Hmac<Sha256> {
        let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .expect("HMAC accepts any key length");
        mac.update(b"amiable buyer access v1\0");
        mac.update(claims);
        mac
    }

    pub fn mint(&self, claims: &BuyerClaims) -> String {
        let mut bytes = Vec::with_capacity(CLAIMS_LEN);
        bytes.extend_from_slice(claims.operator_id.as_bytes());
        bytes.extend_from_slice(claims.merchant_id.as_bytes());
        bytes.extend_from_slice(claims.order_id.as_bytes());
        bytes.extend_from_slice(&claims.expires_at.as_second().to_be_bytes());
        let tag = self.mac(&bytes).finalize().into_bytes();
        format!(
            "{BUYER_TOKEN_PREFIX}{}.{}",
            URL_SAFE_NO_PAD.encode(&bytes),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    pub fn verify(&self, token: &str, now: Timestamp) -> Result<BuyerClaims, Error> {
        let invalid =
            || Error::unauthenticated("auth.invalid_token", "this access link is not valid");
        let rest = token.strip_prefix(BUYER_TOKEN_PREFIX).ok_or_else(invalid)?;
        let (claims, tag) = rest.split_once('.').ok_or_else(invalid)?;
        let bytes = URL_SAFE_NO_PAD.decode(claims).map_err(|_| invalid())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid())?;
        if bytes.len() != CLAIMS_LEN {
            return Err(invalid());
        }
        self.mac(&bytes).verify_slice(&tag).map_err(|_| invalid())?;
        let id = |range: std::ops::Range<usize>| -> [u8; 16] {
            bytes[range].try_into().expect("16 bytes")
        };
        let seconds = i64::from_be_bytes(bytes[48..56].try_into().expect("8 bytes"));
        let claims = BuyerClaims {
            operator_id: OperatorId::from_bytes(id(0..16)),
            merchant_id: MerchantId::from_bytes(id(16..32)),
            order_id: OrderId::from_bytes(id(32..48)),
            expires_at: Timestamp::from_second(seconds).map_err(|_| invalid())?,
        };
        if claims.expires_at <= now {
            return Err(Error::unauthenticated(
                "auth.token_expired",
                "this access link has expired; ask for a new one",
            ));
        }
        Ok(claims)
    }
}

/// API keys recently checked, so a busy integration does not cost a read
/// per request. A revocation on this node takes effect at once; one made on
/// another node within [`API_KEY_CACHE_TTL`].
pub const API_KEY_CACHE_TTL: Duration = Duration::from_secs(5);

#[derive(Default)]
pub struct ApiKeyCache {
    entries: Mutex<HashMap<String, (ApiKey, Instant)>>,
}

impl ApiKeyCache {
    pub(crate) fn get(&self, id: &str) -> Option<ApiKey> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(id)
            .filter(|(_, at)| at.elapsed() < API_KEY_CACHE_TTL)
            .map(|(key, _)| key.clone())
    }

    pub(crate) fn put(&self, key: ApiKey) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= 10_000 {
            entries.retain(|_, (_, at)| at.elapsed() < API_KEY_CACHE_TTL);
        }
        entries.insert(key.id.clone(), (key, Instant::now()));
    }

    pub fn forget(&self, id: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }
}

/// The principal of an API key (`amk_<id>_<secret>`): its record, looked up by id
/// (cached a few seconds), and the SHA-256 of the secret compared in constant time.
pub async fn api_key_principal(app: &App, key: &str) -> Result<Principal, Error> {
    let invalid = || Error::unauthenticated("auth.invalid_token", "this API key is not valid");
    let (id, secret) = split_api_key(key).ok_or_else(invalid)?;
    let record = match app.api_keys().get(id) {
        Some(record) => record,
        None => {
            let record = app.store().api_key(id).await?.ok_or_else(invalid)?;
            app.api_keys().put(record.clone());
            record
        }
    };
    if !constant_time_eq(sha256_hex(secret).as_bytes(), record.secret_hash.as_bytes()) {
        return Err(invalid());
    }
    if record.revoked_at.is_some() {
        return Err(Error::unauthenticated(
            "apikey.revoked",
            "this API key was revoked",
        ));
    }
    Ok(Principal::ApiKey {
        key_id: record.id,
        operator_id: record.operator_id,
        merchant_id: record.merchant_id,
    })
}

/// The principal of a buyer access token (`amb_…`).
pub fn buyer_principal(app: &App, token: &str) -> Result<Principal, Error> {
    Ok(app
        .buyer_tokens()
        .verify(token, Timestamp::now())?
        .principal())
}

/// How long a buyer's access token from the order lookup lasts.
pub const BUYER_LOOKUP_TTL: SignedDuration = SignedDuration::from_hours(2);
/// How long a link minted by staff to be emailed lasts.
pub const BUYER_LINK_TTL: SignedDuration = SignedDuration::from_hours(7 * 24);
/// How long a staff session lasts.
pub const SESSION_TTL: SignedDuration = SignedDuration::from_hours(12);

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(expires_at: Timestamp) -> BuyerClaims {
        BuyerClaims {
            operator_id: OperatorId::from_bytes([1; 16]),
            merchant_id: MerchantId::from_bytes([2; 16]),
            order_id: OrderId::from_bytes([3; 16]),
            expires_at,
        }
    }

    #[test]
    fn buyer_tokens_round_trip_and_reject_tampering() {
        let tokens = BuyerTokens::new([7; 32]);
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let expires = Timestamp::from_second(1_800_003_600).unwrap();
        let token = tokens.mint(&claims(expires));
        assert_eq!(tokens.verify(&token, now).unwrap(), claims(expires));
        // Another key, a flipped character, an expired token: all refused.
        assert!(BuyerTokens::new([8; 32]).verify(&token, now).is_err());
        let mut chars: Vec<char> = token.chars().collect();
        let i = BUYER_TOKEN_PREFIX.len() + 3;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        let tampered: String = chars.into_iter().collect();
        assert_eq!(
            tokens.verify(&tampered, now).unwrap_err().code,
            "auth.invalid_token"
        );
        let late = Timestamp::from_second(1_800_003_601).unwrap();
        assert_eq!(
            tokens.verify(&token, late).unwrap_err().code,
            "auth.token_expired"
        );
        assert!(tokens.verify("amb_", now).is_err());
        assert!(tokens.verify("amb_x.y", now).is_err());
    }

    #[test]
    fn constant_time_eq_compares_whole_slices() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret "));
        assert!(!constant_time_eq(b"", b"x"));
    }

    #[test]
    fn api_keys_split_and_hash() {
        let issued = issue_api_key(OperatorId::from_bytes([1; 16]), None, "shop", None);
        let (id, secret) = split_api_key(&issued.key).unwrap();
        assert_eq!(id, issued.record.id);
        assert_eq!(sha256_hex(secret), issued.record.secret_hash);
        assert!(split_api_key("amk_short_x").is_none());
        assert!(split_api_key("amk_0123456789abcdef_").is_none());
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterx", &hash));
        assert!(!verify_password("x", "not a hash"));
    }
}
