//! The life of a clinical note: a draft may be edited by its author; a signed note never
//! changes again, and corrections are added as addenda that point at it.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteStatus {
    Draft,
    Signed,
}

impl NoteStatus {
    /// The FHIR `DocumentReference.docStatus` code.
    pub fn doc_status(self) -> &'static str {
        match self {
            NoteStatus::Draft => "preliminary",
            NoteStatus::Signed => "final",
        }
    }

    pub fn from_doc_status(code: Option<&str>) -> NoteStatus {
        match code {
            Some("final") | Some("amended") => NoteStatus::Signed,
            _ => NoteStatus::Draft,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    #[error("the note is signed and cannot be changed; add an addendum instead")]
    Signed,
    #[error("only the author may edit a draft note")]
    NotAuthor,
    #[error("an addendum can only be added to a signed note")]
    AddendumToDraft,
}

pub fn check_edit(status: NoteStatus, is_author: bool) -> Result<(), NoteError> {
    match (status, is_author) {
        (NoteStatus::Signed, _) => Err(NoteError::Signed),
        (NoteStatus::Draft, false) => Err(NoteError::NotAuthor),
        (NoteStatus::Draft, true) => Ok(()),
    }
}

pub fn check_addendum(target: NoteStatus) -> Result<(), NoteError> {
    match target {
        NoteStatus::Signed => Ok(()),
        NoteStatus::Draft => Err(NoteError::AddendumToDraft),
    }
}
