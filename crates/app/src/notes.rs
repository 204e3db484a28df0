//! Clinical notes as FHIR DocumentReferences: drafts, signing, addenda. A signed note never
//! changes (`meridian_domain::note`).

use meridian_api::{Note, SaveNote};
use meridian_domain::access::Action;
use meridian_domain::event::DomainEvent;
use meridian_domain::note::{NoteError, NoteStatus, check_addendum, check_edit};
use meridian_domain::text;
use meridian_fhir::Resource;
use meridian_store::{Origin, Tx};
use serde_json::{Value, json};

use crate::guard::{Ctx, Target};
use crate::import::{parse, write};
use crate::{App, AppError, Result};

/// Extension recording which Meridian user wrote a note (drafts are editable by them alone).
const AUTHOR_USER_EXT: &str = "https://meridian.example.org/fhir/StructureDefinition/author-user";

fn note_error(e: NoteError) -> AppError {
    match e {
        NoteError::Signed => AppError::SignedImmutable,
        other => AppError::Validation(other.to_string()),
    }
}

pub(crate) mod base64 {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub(crate) fn encode(b: &[u8]) -> String {
        let mut s = String::with_capacity(b.len().div_ceil(3) * 4);
        for chunk in b.chunks(3) {
            let n = (u32::from(chunk[0]) << 16) | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8) | u32::from(*chunk.get(2).unwrap_or(&0));
            for i in 0..4 {
                if i <= chunk.len() {
                    s.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
                } else {
                    s.push('=');
                }
            }
        }
        s
    }

    pub(crate) fn decode(s: &str) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(s.len() / 4 * 3);
        let mut buf = 0u32;
        let mut bits = 0;
        for c in s.bytes().filter(|c| !c.is_ascii_whitespace()) {
            if c == b'=' {
                break;
            }
            let v = A.iter().position(|&a| a == c)? as u32;
            buf = (buf << 6) | v;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((buf >> bits) as u8);
                buf &= (1 << bits) - 1;
            }
        }
        Some(out)
    }
}

fn to_note(id: &str, version: i64, v: &Value) -> Note {
    let attachment = &v["content"][0]["attachment"];
    let text = attachment["data"]
        .as_str()
        .and_then(base64::decode)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_else(|| "(this note's text could not be decoded)".to_owned());
    let status = NoteStatus::from_doc_status(v["docStatus"].as_str());
    Note {
        id: id.to_owned(),
        patient_id: v["subject"]["reference"].as_str().and_then(|r| r.strip_prefix("Patient/")).unwrap_or_default().to_owned(),
        title: attachment["title"].as_str().or(v["description"].as_str()).unwrap_or("Note").to_owned(),
        text,
        status: match status {
            NoteStatus::Draft => "draft",
            NoteStatus::Signed => "signed",
        }
        .to_owned(),
        author: v["author"][0]["display"].as_str().map(str::to_owned),
        date: v["date"].as_str().map(str::to_owned),
        addendum_to: v["relatesTo"][0]["target"]["reference"].as_str().and_then(|r| r.strip_prefix("DocumentReference/")).map(str::to_owned),
        version,
    }
}

async fn read_doc(tx: &mut Tx, id: &str) -> Result<(i64, Value)> {
    let stored = tx.read("DocumentReference", id).await?.ok_or(AppError::NotFound("note"))?;
    if stored.deleted {
        return Err(AppError::Gone("note"));
    }
    let v: Value = serde_json::from_slice(stored.body.as_deref().unwrap_or_default()).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((stored.version, v))
}

fn author_user(v: &Value) -> Option<&str> {
    v["extension"].as_array()?.iter().find(|e| e["url"] == AUTHOR_USER_EXT)?["valueString"].as_str()
}

async fn store_doc(tx: &mut Tx, ctx: &mut Ctx, doc: &Value, base: Option<i64>) -> Result<(String, i64, Value)> {
    let mut r = parse(&serde_json::to_vec(doc).map_err(|e| AppError::Internal(e.to_string()))?)?;
    let version = write(tx, ctx, &mut r, base, Origin::Local).await?;
    let Resource::DocumentReference(_) = &r else { return Err(AppError::Internal("built a non-DocumentReference".into())) };
    let id = r.id().unwrap_or_default().to_owned();
    let v = serde_json::to_value(&r).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((id, version, v))
}

impl App {
    /// Creates or updates a draft note. Editing a signed note is refused
    /// ([`AppError::SignedImmutable`]); a stale `base_version` is a conflict.
    pub async fn save_note(&self, token: &str, req: &SaveNote) -> Result<Note> {
        let title = text::short("title", &req.title).map_err(|e| AppError::Validation(e.to_string()))?;
        if req.id.is_some() && req.base_version.is_none() {
            return Err(AppError::Validation("saving an existing note needs the version it was opened at".into()));
        }
        text::body("note", &req.text).map_err(|e| AppError::Validation(e.to_string()))?;
        let target = match &req.id {
            Some(id) => Target::resource("DocumentReference", id, Some(&req.patient_id)),
            None => Target::patient(&req.patient_id),
        };
        if let Some(id) = &req.id {
            if self.patient_of(token, "DocumentReference", id).await?.is_some_and(|p| p != req.patient_id) {
                return Err(AppError::Validation("the note belongs to another patient".into()));
            }
        }
        self.audited(token, Action::WriteNote, target, async |tx: &mut Tx, ctx: &mut Ctx| {
            let (base, mut doc) = match &req.id {
                Some(id) => {
                    let (version, v) = read_doc(tx, id).await?;
                    let status = NoteStatus::from_doc_status(v["docStatus"].as_str());
                    check_edit(status, author_user(&v) == Some(ctx.session.user_id.as_str())).map_err(note_error)?;
                    if req.base_version.is_some_and(|b| b != version) {
                        return Err(AppError::Conflict("note"));
                    }
                    (Some(version), v)
                }
                None => (None, json!({
                    "resourceType": "DocumentReference",
                    "status": "current",
                    "type": {"coding": [{"system": "http://loinc.org", "code": "11506-3", "display": "Progress note"}]},
                    "category": [{"coding": [{"system": "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category", "code": "clinical-note", "display": "Clinical Note"}]}],
                    "subject": {"reference": format!("Patient/{}", req.patient_id)},
                    "extension": [{"url": AUTHOR_USER_EXT, "valueString": ctx.session.user_id}],
                    "author": [author_ref(ctx)],
                })),
            };
            doc["docStatus"] = json!("preliminary");
            doc["date"] = json!(ctx.now.to_rfc3339());
            doc["description"] = json!(title);
            doc["content"] = json!([{"attachment": {"contentType": "text/plain; charset=utf-8", "data": base64::encode(req.text.as_bytes()), "title": title}}]);
            let (id, version, v) = store_doc(tx, ctx, &doc, base).await?;
            ctx.events.push(DomainEvent::NoteSaved { patient_id: req.patient_id.clone(), note_id: id.clone() });
            ctx.created = Some(("DocumentReference".into(), id.clone(), Some(req.patient_id.clone())));
            Ok(to_note(&id, version, &v))
        })
        .await
    }

    /// Signs a draft (physicians). From then on the note is immutable.
    pub async fn sign_note(&self, token: &str, note_id: &str, base_version: i64) -> Result<Note> {
        let patient = self.patient_of(token, "DocumentReference", note_id).await?.ok_or(AppError::NotFound("note"))?;
        self.audited(token, Action::SignNote, Target::resource("DocumentReference", note_id, Some(&patient)), async |tx: &mut Tx, ctx: &mut Ctx| {
            let (version, mut v) = read_doc(tx, note_id).await?;
            if NoteStatus::from_doc_status(v["docStatus"].as_str()) == NoteStatus::Signed {
                return Err(AppError::SignedImmutable);
            }
            if version != base_version {
                return Err(AppError::Conflict("note"));
            }
            v["docStatus"] = json!("final");
            v["authenticator"] = author_ref(ctx);
            v["date"] = json!(ctx.now.to_rfc3339());
            let (id, version, v) = store_doc(tx, ctx, &v, Some(version)).await?;
            ctx.events.push(DomainEvent::NoteSigned { patient_id: patient.clone(), note_id: id.clone() });
            Ok(to_note(&id, version, &v))
        })
        .await
    }

    /// Starts an addendum to a signed note: a new draft that points at it (`relatesTo` appends).
    pub async fn add_addendum(&self, token: &str, note_id: &str, text_body: &str) -> Result<Note> {
        text::body("addendum", text_body).map_err(|e| AppError::Validation(e.to_string()))?;
        let patient = self.patient_of(token, "DocumentReference", note_id).await?.ok_or(AppError::NotFound("note"))?;
        self.audited(token, Action::WriteNote, Target::resource("DocumentReference", note_id, Some(&patient)), async |tx: &mut Tx, ctx: &mut Ctx| {
            let (_, target) = read_doc(tx, note_id).await?;
            check_addendum(NoteStatus::from_doc_status(target["docStatus"].as_str())).map_err(note_error)?;
            let title = format!("Addendum to {}", target["description"].as_str().unwrap_or("note"));
            let doc = json!({
                "resourceType": "DocumentReference",
                "status": "current",
                "docStatus": "preliminary",
                "type": target["type"],
                "subject": {"reference": format!("Patient/{patient}")},
                "extension": [{"url": AUTHOR_USER_EXT, "valueString": ctx.session.user_id}],
                "author": [author_ref(ctx)],
                "date": ctx.now.to_rfc3339(),
                "description": title,
                "relatesTo": [{"code": "appends", "target": {"reference": format!("DocumentReference/{note_id}")}}],
                "content": [{"attachment": {"contentType": "text/plain; charset=utf-8", "data": base64::encode(text_body.as_bytes()), "title": title}}],
            });
            let (id, version, v) = store_doc(tx, ctx, &doc, None).await?;
            ctx.created = Some(("DocumentReference".into(), id.clone(), Some(patient.clone())));
            Ok(to_note(&id, version, &v))
        })
        .await
    }

    /// A patient's notes, newest first.
    pub async fn notes(&self, token: &str, patient_id: &str) -> Result<Vec<Note>> {
        self.audited(token, Action::ReadNotes, Target::patient(patient_id), async |tx: &mut Tx, _ctx: &mut Ctx| {
            let mut out = Vec::new();
            for s in tx.patient_resources(patient_id, "DocumentReference").await? {
                if let Some(v) = s.body.as_deref().and_then(|b| serde_json::from_slice::<Value>(b).ok()) {
                    out.push(to_note(&s.id, s.version, &v));
                }
            }
            out.sort_by(|a, b| b.date.cmp(&a.date));
            Ok(out)
        })
        .await
    }

    /// One note.
    pub async fn note(&self, token: &str, note_id: &str) -> Result<Note> {
        let patient = self.patient_of(token, "DocumentReference", note_id).await?.ok_or(AppError::NotFound("note"))?;
        self.audited(token, Action::ReadNotes, Target::resource("DocumentReference", note_id, Some(&patient)), async |tx: &mut Tx, _ctx: &mut Ctx| {
            let (version, v) = read_doc(tx, note_id).await?;
            Ok(to_note(note_id, version, &v))
        })
        .await
    }
}

fn author_ref(ctx: &Ctx) -> Value {
    match &ctx.session.practitioner_id {
        Some(p) => json!({"reference": format!("Practitioner/{p}"), "display": ctx.session.display_name}),
        None => json!({"display": ctx.session.display_name}),
    }
}
