//! The vector files' JSON schema (documented in test-vectors/README.md).

use super::*;

// ---------------------------------------------------------------------------
// The JSON schema (documented in test-vectors/README.md).

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(super) struct VectorFile {
    pub(super) format: String,
    pub(super) description: String,
    pub(super) generated_by: String,
    pub(super) vectors: Vec<Vector>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(super) struct Vector {
    pub(super) name: String,
    pub(super) description: String,
    pub(super) expect_fail: bool,
    pub(super) expected: Expected,
    pub(super) rule: String,
    pub(super) keys: String,
    pub(super) cookie_name: String,
    pub(super) size_limit: usize,
    pub(super) clock_skew: u64,
    pub(super) now: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) payload_cbor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) payload: Option<PayloadJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) sealed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) cookies: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) cookie_header: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) resealed_on_save: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Expected {
    Ok,
    Invalid,
    Expired,
}

/// The payload in readable form. `payload-cbor` is the exact plaintext; this
/// is what it decodes to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(super) struct PayloadJson {
    pub(super) issued_at: u64,
    pub(super) expires_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) idle_deadline: Option<u64>,
    pub(super) id: String,
    pub(super) data: serde_json::Map<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) flashes: Option<BTreeMap<String, Vec<serde_json::Value>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) max_age: Option<u64>,
}

pub(super) fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Integer(i) => {
            let i = i128::from(*i);
            match u64::try_from(i) {
                Ok(u) => json!(u),
                Err(_) => json!(i64::try_from(i).unwrap()),
            }
        }
        Value::Float(f) => json!(f),
        Value::Text(s) => json!(s),
        Value::Bool(b) => json!(b),
        Value::Null => serde_json::Value::Null,
        Value::Array(items) => items.iter().map(to_json).collect(),
        Value::Map(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.as_text().unwrap().to_owned(), to_json(v)))
                .collect(),
        ),
        other => panic!("no JSON form for {other:?}"),
    }
}

pub(super) fn from_json(value: &serde_json::Value) -> Value {
    Value::serialized(value).unwrap()
}

pub(super) fn payload_json(p: &Payload) -> PayloadJson {
    PayloadJson {
        issued_at: p.issued_at,
        expires_at: p.expires_at,
        idle_deadline: p.idle_deadline,
        id: hex::encode(p.id),
        data: p
            .data
            .iter()
            .map(|(k, v)| (k.clone(), to_json(v)))
            .collect(),
        flashes: (!p.flashes.is_empty()).then(|| {
            p.flashes
                .iter()
                .map(|(k, v)| (k.clone(), v.iter().map(to_json).collect()))
                .collect()
        }),
        max_age: p.max_age,
    }
}
