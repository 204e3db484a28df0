//! Integration tests for meridian-fhir: the R4 example corpus, errors, helpers.

mod corpus;
mod errors;
mod helpers;
mod lossless;

use std::collections::BTreeMap;

use serde_json::value::RawValue;

/// A JSON tree that keeps number text, so `1.50` and `1.5` compare unequal.
#[derive(Debug, PartialEq)]
pub(crate) enum Exact {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<Exact>),
    Obj(BTreeMap<String, Exact>),
}

pub(crate) fn exact(text: &str) -> Exact {
    let raw: &RawValue = serde_json::from_str(text).expect("valid JSON");
    exact_raw(raw)
}

fn exact_raw(raw: &RawValue) -> Exact {
    let t = raw.get();
    match t.as_bytes()[0] {
        b'{' => {
            let m: BTreeMap<String, &RawValue> = serde_json::from_str(t).expect("object");
            Exact::Obj(m.into_iter().map(|(k, v)| (k, exact_raw(v))).collect())
        }
        b'[' => {
            let v: Vec<&RawValue> = serde_json::from_str(t).expect("array");
            Exact::Arr(v.into_iter().map(exact_raw).collect())
        }
        b'"' => Exact::Str(serde_json::from_str(t).expect("string")),
        b't' => Exact::Bool(true),
        b'f' => Exact::Bool(false),
        b'n' => Exact::Null,
        _ => Exact::Num(t.to_owned()),
    }
}
