//! The verifiable timeline: each case's events form a SHA-256 hash chain.
//!
//! `hash(n) = SHA-256(hash(n-1) ‖ canonical_json(envelope(n)))`, with 32 zero
//! bytes before the first event. The envelope holds everything that gives an
//! event its meaning — case, tenancy, sequence, type and schema version,
//! actor, instant and payload — so altering any stored column breaks the
//! chain from that event on.

use crate::canonical::{NonIntegerNumber, to_canonical_json, write_string};
use jiff::Timestamp;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The hash before a case's first event.
pub const GENESIS_HASH: [u8; 32] = [0; 32];

/// One stored event, as the chain sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainedEvent<'a> {
    pub case_id: &'a str,
    pub operator_id: &'a str,
    pub merchant_id: &'a str,
    pub seq: i64,
    pub event_type: &'a str,
    pub schema_version: i64,
    pub actor: &'a Value,
    /// Microseconds since the Unix epoch, UTC.
    pub recorded_at_micros: i64,
    pub payload: &'a Value,
}

impl ChainedEvent<'_> {
    /// The canonical bytes that are hashed.
    pub fn canonical(&self) -> Result<String, NonIntegerNumber> {
        Ok(self.envelope(
            &to_canonical_json(self.actor)?,
            &to_canonical_json(self.payload)?,
        ))
    }

    /// The canonical envelope from the already-canonical actor and payload:
    /// the members of RFC 8785 in their sorted order, written directly.
    fn envelope(&self, actor: &str, payload: &str) -> String {
        let mut out = String::with_capacity(256 + actor.len() + payload.len());
        out.push_str("{\"actor\":");
        out.push_str(actor);
        out.push_str(",\"case_id\":");
        write_string(self.case_id, &mut out);
        out.push_str(",\"event_type\":");
        write_string(self.event_type, &mut out);
        out.push_str(",\"merchant_id\":");
        write_string(self.merchant_id, &mut out);
        out.push_str(",\"operator_id\":");
        write_string(self.operator_id, &mut out);
        out.push_str(",\"payload\":");
        out.push_str(payload);
        out.push_str(&format!(
            ",\"recorded_at_micros\":{},\"schema_version\":{},\"seq\":{}}}",
            self.recorded_at_micros, self.schema_version, self.seq
        ));
        out
    }

    pub fn hash(&self, previous: &[u8; 32]) -> Result<[u8; 32], NonIntegerNumber> {
        Ok(Self::digest(previous, &self.canonical()?))
    }

    /// The hash when the caller already holds the canonical actor and payload
    /// (the writer does: it stores exactly those strings).
    pub fn hash_canonical(&self, previous: &[u8; 32], actor: &str, payload: &str) -> [u8; 32] {
        Self::digest(previous, &self.envelope(actor, payload))
    }

    fn digest(previous: &[u8; 32], canonical: &str) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(previous);
        hasher.update(canonical.as_bytes());
        hasher.finalize().into()
    }
}

/// Microseconds since the epoch: the precision amiable stores instants at.
pub fn to_micros(instant: Timestamp) -> i64 {
    instant.as_microsecond()
}

/// The instant at the precision amiable stores (microseconds).
pub fn truncate_to_micros(instant: Timestamp) -> Timestamp {
    from_micros(to_micros(instant)).unwrap_or(instant)
}

pub fn from_micros(micros: i64) -> Option<Timestamp> {
    Timestamp::from_microsecond(micros).ok()
}

pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[(byte >> 4) as usize] as char);
        out.push(DIGITS[(byte & 0x0f) as usize] as char);
    }
    out
}

pub fn from_hex(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, chunk) in hex.as_bytes().chunks(2).enumerate() {
        let pair = std::str::from_utf8(chunk).ok()?;
        out[i] = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

/// Where a chain stops being what it claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// Sequence numbers must run 1, 2, 3… without gaps.
    SequenceGap { expected: i64, found: i64 },
    /// The stored previous hash is not the hash of the event before.
    PreviousMismatch { seq: i64 },
    /// The stored hash is not the hash of the stored content.
    HashMismatch { seq: i64 },
    /// A column cannot be read back into the envelope.
    Unreadable { seq: i64, detail: String },
}

/// A stored event with its stored hashes, for verification.
pub struct StoredLink<'a> {
    pub event: ChainedEvent<'a>,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

/// Walks one case's events in sequence order and checks every link;
/// returns the hash of the last event.
pub fn verify_chain<'a>(
    links: impl IntoIterator<Item = StoredLink<'a>>,
) -> Result<[u8; 32], ChainBreak> {
    let mut previous = GENESIS_HASH;
    for (expected_seq, link) in (1..).zip(links) {
        let seq = link.event.seq;
        if seq != expected_seq {
            return Err(ChainBreak::SequenceGap {
                expected: expected_seq,
                found: seq,
            });
        }
        if from_hex(link.prev_hash) != Some(previous) {
            return Err(ChainBreak::PreviousMismatch { seq });
        }
        let computed = link
            .event
            .hash(&previous)
            .map_err(|e| ChainBreak::Unreadable {
                seq,
                detail: e.to_string(),
            })?;
        if from_hex(link.hash) != Some(computed) {
            return Err(ChainBreak::HashMismatch { seq });
        }
        previous = computed;
    }
    Ok(previous)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event<'a>(seq: i64, actor: &'a Value, payload: &'a Value) -> ChainedEvent<'a> {
        ChainedEvent {
            case_id: "c",
            operator_id: "o",
            merchant_id: "m",
            seq,
            event_type: "message_posted",
            schema_version: 1,
            actor,
            recorded_at_micros: 1_700_000_000_000_000 + seq,
            payload,
        }
    }

    #[test]
    fn a_chain_verifies_and_any_change_breaks_it() {
        let actor = json!({"kind": "buyer"});
        let payloads: Vec<Value> = (1..=3)
            .map(|i| json!({"body": format!("message {i}")}))
            .collect();
        let mut hashes = vec![to_hex(&GENESIS_HASH)];
        let mut previous = GENESIS_HASH;
        for (i, payload) in payloads.iter().enumerate() {
            previous = event(i as i64 + 1, &actor, payload)
                .hash(&previous)
                .unwrap();
            hashes.push(to_hex(&previous));
        }
        let links = |payloads: &'_ [Value]| -> Vec<(i64, Value)> {
            payloads
                .iter()
                .enumerate()
                .map(|(i, p)| (i as i64 + 1, p.clone()))
                .collect()
        };
        let check = |items: &[(i64, Value)]| {
            verify_chain(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, (seq, payload))| StoredLink {
                        event: event(*seq, &actor, payload),
                        prev_hash: &hashes[i],
                        hash: &hashes[i + 1],
                    }),
            )
        };
        assert_eq!(check(&links(&payloads)), Ok(previous));

        let mut altered = links(&payloads);
        altered[1].1 = json!({"body": "message modifié"});
        assert_eq!(check(&altered), Err(ChainBreak::HashMismatch { seq: 2 }));

        let mut gap = links(&payloads);
        gap[2].0 = 4;
        assert_eq!(
            check(&gap),
            Err(ChainBreak::SequenceGap {
                expected: 3,
                found: 4
            })
        );
    }

    #[test]
    fn key_order_does_not_change_the_hash() {
        let actor = json!({"kind": "merchant_user", "id": "u1"});
        let a: Value = serde_json::from_str(r#"{"x":1,"y":{"b":2,"a":3}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"y":{"a":3,"b":2},"x":1}"#).unwrap();
        assert_eq!(
            event(1, &actor, &a).hash(&GENESIS_HASH),
            event(1, &actor, &b).hash(&GENESIS_HASH)
        );
    }

    #[test]
    fn the_direct_envelope_is_the_canonical_json_of_the_envelope() {
        let actor = json!({"kind": "merchant_user", "id": "agent \"1\""});
        let payload = json!({"body": "Réponse\n😀", "n": [1, -2]});
        let event = ChainedEvent {
            case_id: "c\\1",
            ..event(7, &actor, &payload)
        };
        let as_value = to_canonical_json(&json!({
            "actor": actor, "case_id": event.case_id, "event_type": event.event_type,
            "merchant_id": event.merchant_id, "operator_id": event.operator_id, "payload": payload,
            "recorded_at_micros": event.recorded_at_micros, "schema_version": event.schema_version, "seq": event.seq,
        }))
        .unwrap();
        assert_eq!(event.canonical().unwrap(), as_value);
        let direct = event.hash_canonical(
            &GENESIS_HASH,
            &to_canonical_json(&actor).unwrap(),
            &to_canonical_json(&payload).unwrap(),
        );
        assert_eq!(Some(direct), event.hash(&GENESIS_HASH).ok());
    }

    #[test]
    fn hex_round_trips() {
        let bytes: [u8; 32] = std::array::from_fn(|i| (i * 7) as u8);
        assert_eq!(from_hex(&to_hex(&bytes)), Some(bytes));
        assert_eq!(from_hex("zz"), None);
    }
}
