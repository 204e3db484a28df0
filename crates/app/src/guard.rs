//! The one access check and the one audit write that every use case passes through.

use meridian_domain::access::{Action, Decision, Denial, Relationship, Role, decide};
use meridian_domain::audit::{AuditEntry, Outcome};
use meridian_domain::event::DomainEvent;
use meridian_domain::time::Timestamp;
use meridian_store::Tx;

use crate::{App, AppError, Result};

/// A logged-in user. Handed to front ends only as its token.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    pub token: String,
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub practitioner_id: Option<String>,
    pub(crate) last_active: Timestamp,
    /// Locked by idleness or by the user; the password resumes it (see `App::unlock`).
    pub(crate) locked: bool,
    /// The site requires a second factor and this user has none yet: only TOTP enrolment is
    /// allowed until it is confirmed.
    pub(crate) needs_totp: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("user_id", &self.user_id).field("role", &self.role).finish_non_exhaustive()
    }
}

/// What an action touches, for the access decision and the audit record.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Target<'a> {
    pub(crate) rtype: Option<&'a str>,
    pub(crate) id: Option<&'a str>,
    pub(crate) patient: Option<&'a str>,
}

impl<'a> Target<'a> {
    pub(crate) fn none() -> Target<'a> {
        Target::default()
    }

    pub(crate) fn patient(id: &'a str) -> Target<'a> {
        Target { rtype: Some("Patient"), id: Some(id), patient: Some(id) }
    }

    pub(crate) fn resource(rtype: &'a str, id: &'a str, patient: Option<&'a str>) -> Target<'a> {
        Target { rtype: Some(rtype), id: Some(id), patient }
    }
}

/// What a running use case sees besides the transaction.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub(crate) session: Session,
    pub(crate) now: Timestamp,
    pub(crate) events: Vec<DomainEvent>,
    /// Set by a use case that creates a resource, so the audit record names it.
    pub(crate) created: Option<(String, String, Option<String>)>,
    /// Ids (never clinical values) the audit record should carry beyond the target, e.g. the
    /// record merged away or the duplicate candidates a held registration showed.
    pub(crate) detail: Option<String>,
}

/// A locked session can be resumed with the password for this long after its last activity.
pub(crate) const MAX_LOCKED_MS: i64 = 12 * 3600 * 1000;

impl App {
    /// The live session for `token`, refreshed; an idle one is locked, one that still has to
    /// enrol a second factor may do nothing else.
    pub(crate) async fn session(&self, token: &str) -> Result<Session> {
        let s = self.session_for_enrolment(token).await?;
        if s.needs_totp {
            return Err(AppError::TotpRequired);
        }
        Ok(s)
    }

    /// Like [`App::session`], but also for a session that has yet to enrol its second factor.
    pub(crate) async fn session_for_enrolment(&self, token: &str) -> Result<Session> {
        self.check_session(token, true).await
    }

    /// The live session without counting as activity: for what the UI polls by itself (the
    /// status line), which must not keep an unattended workstation from locking.
    pub(crate) async fn session_unattended(&self, token: &str) -> Result<Session> {
        let s = self.check_session(token, false).await?;
        if s.needs_totp {
            return Err(AppError::TotpRequired);
        }
        Ok(s)
    }

    async fn check_session(&self, token: &str, activity: bool) -> Result<Session> {
        let now = self.clock.now();
        let mut sessions = self.sessions.lock().await;
        let Some(s) = sessions.get_mut(token) else {
            return Err(AppError::SessionExpired);
        };
        let idle_ms = i64::from(self.policy.idle_timeout_secs) * 1000;
        if s.role != Role::Interface && now.0 - s.last_active.0 > MAX_LOCKED_MS {
            sessions.remove(token);
            return Err(AppError::SessionExpired);
        }
        if s.role != Role::Interface && (s.locked || now.0 - s.last_active.0 > idle_ms) {
            s.locked = true;
            return Err(AppError::SessionExpired);
        }
        if activity {
            s.last_active = now;
        }
        Ok(s.clone())
    }

    /// Runs `f` as `action` on `target` for the session's user: checks access, runs the use case
    /// in one transaction with its audit record, commits, then publishes its events. Denials and
    /// failures are audited in a transaction of their own.
    pub(crate) async fn audited<T, F>(&self, token: &str, action: Action, target: Target<'_>, f: F) -> Result<T>
    where
        F: AsyncFnOnce(&mut Tx, &mut Ctx) -> Result<T>,
    {
        let session = self.session(token).await?;
        let now = self.clock.now();
        let mut tx = self.store.write(now).await?;

        let mut break_glass = None;
        let relationship = match target.patient {
            Some(patient) if action.scope() == meridian_domain::access::Scope::Patient => {
                if tx.has_care_relationship(&session.user_id, patient).await? {
                    Relationship::CareTeam
                } else if let Some(bg) = tx.active_break_glass(&session.user_id, patient).await? {
                    break_glass = Some(bg.id);
                    Relationship::BrokenGlass
                } else {
                    Relationship::None
                }
            }
            _ => Relationship::None,
        };
        let decision = decide(session.role, action, relationship);
        let entry = |outcome: Outcome, flagged: bool, detail: Option<String>, created: Option<&(String, String, Option<String>)>| AuditEntry {
            at: now,
            user_id: session.user_id.clone(),
            role: session.role,
            action,
            resource_type: created.map(|c| c.0.clone()).or(target.rtype.map(str::to_owned)),
            resource_id: created.map(|c| c.1.clone()).or(target.id.map(str::to_owned)),
            patient_id: created.and_then(|c| c.2.clone()).or(target.patient.map(str::to_owned)),
            outcome,
            flagged,
            detail,
        };

        if let Decision::Deny(denial) = decision {
            tx.append_audit(&entry(Outcome::Denied, false, Some(denial.code().to_owned()), None)).await?;
            tx.commit().await?;
            return Err(match denial {
                Denial::NoCareRelationship => AppError::BreakGlassRequired,
                _ => AppError::Forbidden { role: session.role.as_str(), action: action.as_str() },
            });
        }

        let flagged = decision == Decision::AllowFlagged;
        let mut ctx = Ctx { session: session.clone(), now, events: Vec::new(), created: None, detail: None };
        match f(&mut tx, &mut ctx).await {
            Ok(value) => {
                let detail = match (break_glass.map(|id| format!("break-glass:{id}")), ctx.detail.take()) {
                    (Some(a), Some(b)) => Some(format!("{a} {b}")),
                    (a, b) => a.or(b),
                };
                tx.append_audit(&entry(Outcome::Success, flagged, detail, ctx.created.as_ref())).await?;
                tx.commit().await?;
                self.bus.publish(ctx.events);
                Ok(value)
            }
            Err(err) => {
                drop(tx);
                let mut tx = self.store.write(now).await?;
                tx.append_audit(&entry(Outcome::Failed, flagged, Some(err.audit_code().to_owned()), None)).await?;
                tx.commit().await?;
                Err(err)
            }
        }
    }

    /// The patient a resource belongs to, from the store's head row (no clinical content is
    /// read), so the guard can decide access before the use case opens the resource. Only for a
    /// live session: nobody learns what exists without logging in.
    pub(crate) async fn patient_of(&self, token: &str, rtype: &str, id: &str) -> Result<Option<String>> {
        self.session(token).await?;
        let mut tx = self.store.write(self.clock.now()).await?;
        let head = tx.head(rtype, id).await?;
        drop(tx);
        Ok(head.and_then(|h| h.patient_id))
    }
}
