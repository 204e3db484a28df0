//! [`ClientError`]: what failed (the interaction), why (a [`ClientErrorKind`]), and whether
//! trying again can help.
//!
//! Nothing here carries a URL, a request body or a resource: search URLs hold identifiers and
//! names, bodies hold the record. The one piece of server text kept is an OperationOutcome's
//! `diagnostics`, which interface staff need to fix a rejected message; servers may echo input
//! there, so each text is cut to [`MAX_DIAGNOSTICS_CHARS`] characters.

use std::fmt;
use std::time::Duration;

use meridian_fhir::OperationOutcome;

/// The longest OperationOutcome text kept per issue, in characters.
pub const MAX_DIAGNOSTICS_CHARS: usize = 200;

/// An error from one FHIR or token interaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fhir {interaction}: {kind}")]
pub struct ClientError {
    /// Why it failed.
    pub kind: ClientErrorKind,
    /// The interaction that failed: `read`, `search`, `update`, `token`, ...
    pub interaction: &'static str,
}

impl ClientError {
    pub(crate) fn new(interaction: &'static str, kind: ClientErrorKind) -> Self {
        Self { kind, interaction }
    }

    /// Whether the same request may succeed later: network failures, timeouts, and the
    /// statuses 408, 429, 500, 502, 503 and 504. Conflicts and rejections need a change first.
    pub fn is_retryable(&self) -> bool {
        match &self.kind {
            ClientErrorKind::Network { .. } | ClientErrorKind::Timeout { .. } => true,
            ClientErrorKind::Server { status, .. } => {
                matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
            }
            _ => false,
        }
    }

    /// How long the server asked us to wait (`Retry-After` in seconds), if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match &self.kind {
            ClientErrorKind::Server { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The server's OperationOutcome, if the failure came with one.
    pub fn outcome(&self) -> Option<&OutcomeSummary> {
        match &self.kind {
            ClientErrorKind::Server { outcome, .. }
            | ClientErrorKind::Conflict { outcome, .. }
            | ClientErrorKind::Rejected { outcome, .. } => outcome.as_ref(),
            _ => None,
        }
    }

    /// The HTTP status of the FHIR server's answer, for the kinds that have one.
    pub fn status(&self) -> Option<u16> {
        match &self.kind {
            ClientErrorKind::Server { status, .. }
            | ClientErrorKind::Conflict { status, .. }
            | ClientErrorKind::Rejected { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Why an interaction failed. Carries no patient data and no URLs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientErrorKind {
    /// No usable connection: refused, reset, closed early, name not resolved. Retryable.
    #[error("network failure: {reason} (is the server up and reachable?)")]
    Network { reason: String },
    /// No complete answer within the endpoint's timeout. Retryable.
    #[error(
        "no complete answer within {}s (the server may be overloaded; raise `Endpoint::timeout` for slow servers)",
        after.as_secs_f32()
    )]
    Timeout { after: Duration },
    /// The server failed or is overloaded: 5xx, 429, 408. Retryable for 408, 429, 500, 502,
    /// 503 and 504; honour [`ClientError::retry_after`].
    #[error(
        "server answered {status}{}{}",
        RetryAfter(retry_after),
        Issues(outcome)
    )]
    Server {
        status: u16,
        retry_after: Option<Duration>,
        outcome: Option<OutcomeSummary>,
    },
    /// 409 (conflict) or 412 (precondition failed: `If-Match` names an older version, or a
    /// conditional create matched several resources). Read the current version and decide.
    #[error(
        "server answered {status}: the resource changed or the condition matched several{} (read the current version, then retry)",
        Issues(outcome)
    )]
    Conflict {
        status: u16,
        outcome: Option<OutcomeSummary>,
    },
    /// The server refused the request itself (400, 401, 403, 404 on writes, 405, 422, ...).
    /// Not retryable: the request or the credentials must change.
    #[error("server rejected the request with {status}{}{}", Issues(outcome), rejected_hint(*status))]
    Rejected {
        status: u16,
        outcome: Option<OutcomeSummary>,
    },
    /// The answer is not what FHIR promises: bad JSON, not a Bundle, no Location, too big.
    #[error("unexpected answer: {reason}")]
    Protocol { reason: String },
    /// Getting an access token failed (SMART backend services).
    #[error("authorisation failed: {reason}")]
    Auth { reason: String },
    /// The endpoint is unusable as configured (bad base URL, key, or TLS setup).
    #[error("bad endpoint configuration: {reason}")]
    Config { reason: String },
    /// The call's arguments are unusable (a resource without id for update, a resource type
    /// that is not a type name, a paging link to another origin).
    #[error("invalid request: {reason}")]
    InvalidInput { reason: String },
    /// `search_all` reached its page limit while the server still offered a next page.
    #[error("more than {max_pages} pages of results (narrow the search or raise `max_pages`)")]
    PageLimit { max_pages: usize },
}

fn rejected_hint(status: u16) -> &'static str {
    match status {
        401 => " (the credentials were refused; check the token or client registration)",
        403 => " (the client lacks the scope or permission for this)",
        404 => " (no such resource or type on this server)",
        405 => " (the server does not allow this interaction; see its capabilities)",
        _ => "",
    }
}

struct RetryAfter<'a>(&'a Option<Duration>);

impl fmt::Display for RetryAfter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(d) => write!(f, ", retry after {}s", d.as_secs()),
            None => Ok(()),
        }
    }
}

struct Issues<'a>(&'a Option<OutcomeSummary>);

impl fmt::Display for Issues<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(o) if !o.issues.is_empty() => write!(f, " ({o})"),
            _ => Ok(()),
        }
    }
}

/// The issues of a server's OperationOutcome, each text cut to [`MAX_DIAGNOSTICS_CHARS`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutcomeSummary {
    pub issues: Vec<Issue>,
}

/// One OperationOutcome issue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Issue {
    /// `fatal | error | warning | information`; empty when the server gave none.
    pub severity: String,
    /// An IssueType code such as `invalid`, `not-found`, `conflict`; empty when none.
    pub code: String,
    /// The server's text (`diagnostics`, else `details.text`), cut to 200 characters.
    pub diagnostics: Option<String>,
    /// FHIRPath expressions (or, from older servers, `location`s) of the elements at fault.
    pub expression: Vec<String>,
}

impl OutcomeSummary {
    /// Summarises an OperationOutcome.
    pub fn from_outcome(outcome: &OperationOutcome) -> Self {
        let issues = outcome
            .issue
            .iter()
            .map(|i| {
                let text = i
                    .diagnostics
                    .clone()
                    .or_else(|| i.details.as_ref().and_then(|d| d.text.clone()));
                let expression = if i.expression.is_empty() {
                    &i.location
                } else {
                    &i.expression
                };
                Issue {
                    severity: i
                        .severity
                        .as_ref()
                        .map(|c| c.as_str().to_owned())
                        .unwrap_or_default(),
                    code: i
                        .code
                        .as_ref()
                        .map(|c| c.as_str().to_owned())
                        .unwrap_or_default(),
                    diagnostics: text.map(|t| truncate(&t)),
                    expression: expression.iter().take(8).map(|e| truncate(e)).collect(),
                }
            })
            .collect();
        Self { issues }
    }

    /// Reads an OperationOutcome from a response body; `None` when the body is not one.
    pub(crate) fn from_body(body: &[u8]) -> Option<Self> {
        meridian_fhir::parse::<OperationOutcome>(body)
            .ok()
            .map(|o| Self::from_outcome(&o))
    }
}

impl fmt::Display for OutcomeSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, issue) in self.issues.iter().enumerate() {
            if n > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{issue}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = if self.severity.is_empty() {
            "issue"
        } else {
            &self.severity
        };
        f.write_str(severity)?;
        if !self.code.is_empty() {
            write!(f, " {}", self.code)?;
        }
        if let Some(d) = &self.diagnostics {
            write!(f, ": {d}")?;
        }
        if !self.expression.is_empty() {
            write!(f, " at {}", self.expression.join(", "))?;
        }
        Ok(())
    }
}

/// Cuts server text to [`MAX_DIAGNOSTICS_CHARS`] characters (on a character boundary) and
/// replaces control characters, so that one issue stays one line.
pub(crate) fn truncate(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(MAX_DIAGNOSTICS_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(MAX_DIAGNOSTICS_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_diagnostics_are_cut_to_200_characters() {
        let long = "é".repeat(500);
        let cut = truncate(&long);
        assert_eq!(cut.chars().count(), MAX_DIAGNOSTICS_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("short\nline"), "short line");
    }

    #[test]
    fn retryable_statuses_are_the_transient_ones() {
        let server = |status| {
            ClientError::new(
                "read",
                ClientErrorKind::Server {
                    status,
                    retry_after: None,
                    outcome: None,
                },
            )
        };
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(server(s).is_retryable(), "{s}");
        }
        for s in [501, 505] {
            assert!(!server(s).is_retryable(), "{s}");
        }
        let conflict = ClientError::new(
            "update",
            ClientErrorKind::Conflict {
                status: 412,
                outcome: None,
            },
        );
        assert!(!conflict.is_retryable());
        assert_eq!(conflict.status(), Some(412));
    }

    #[test]
    fn display_names_status_issue_and_hint() {
        let outcome = OutcomeSummary {
            issues: vec![Issue {
                severity: "error".into(),
                code: "invalid".into(),
                diagnostics: Some("birthDate is not a date".into()),
                expression: vec!["Patient.birthDate".into()],
            }],
        };
        let e = ClientError::new(
            "create",
            ClientErrorKind::Rejected {
                status: 400,
                outcome: Some(outcome),
            },
        );
        assert_eq!(
            e.to_string(),
            "fhir create: server rejected the request with 400 (error invalid: birthDate is not a date at Patient.birthDate)"
        );
    }
}
