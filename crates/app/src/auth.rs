//! Users, login with a second factor, lockout, idle lock and TOTP enrolment.
//!
//! Login is the one use case that runs before a session exists, so it writes its own audit
//! records here (every attempt on a known account, successful or not).

use meridian_api::{LoginRequest, NewUser, SessionInfo, TotpEnrolment, UserInfo};
use meridian_domain::access::{Action, Role};
use meridian_domain::audit::{AuditEntry, Outcome};
use meridian_domain::text;
use meridian_security::password::{check_password_policy, hash_password, verify_password};
use meridian_security::totp::{Totp, TotpError, TotpSecret};
use meridian_store::{LoginState, Tx, UserRow};
use rand::RngCore;

use crate::guard::{Session, Target};
use crate::{App, AppError, Result};

/// The username of the built-in interface account that imports, HL7 feeds and sync act as.
pub const INTERFACE_USER: &str = "interface";

fn user_info(u: &UserRow) -> UserInfo {
    UserInfo {
        id: u.id.clone(),
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role.clone(),
        totp_enrolled: u.totp_secret.is_some(),
        active: u.active,
    }
}

fn random_token() -> String {
    let mut b = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn check_username(u: &str) -> Result<String> {
    let u = u.trim().to_ascii_lowercase();
    if u.is_empty() || u.len() > 32 || !u.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) {
        return Err(AppError::Validation(
            "a username is 1 to 32 letters, digits, '.', '_' or '-'".into(),
        ));
    }
    Ok(u)
}

fn new_user_row(n: &NewUser, role: Role) -> Result<UserRow> {
    let username = check_username(&n.username)?;
    if role == Role::Interface {
        return Err(AppError::Validation("interface accounts are built in".into()));
    }
    check_password_policy(&n.password).map_err(crate::error::invalid)?;
    let display_name = text::short("display name", &n.display_name).map_err(crate::error::invalid)?;
    Ok(UserRow {
        id: format!("user-{username}"),
        username,
        display_name,
        role: role.as_str().to_owned(),
        practitioner_id: n.practitioner_id.clone(),
        password_hash: Some(hash_password(&n.password).map_err(|e| AppError::Internal(e.to_string()))?),
        totp_secret: None,
        active: true,
        login: LoginState::default(),
    })
}

/// The audit record of a login or unlock attempt.
fn login_audit(now: meridian_domain::time::Timestamp, user_id: &str, role: Role, outcome: Outcome, detail: &str) -> AuditEntry {
    AuditEntry {
        at: now,
        user_id: user_id.to_owned(),
        role,
        action: Action::Login,
        resource_type: None,
        resource_id: None,
        patient_id: None,
        outcome,
        flagged: false,
        detail: Some(detail.to_owned()),
    }
}

impl App {
    /// Counts one failed attempt; returns whether it locked the account.
    fn count_failure(&self, state: &mut LoginState, now: meridian_domain::time::Timestamp) -> bool {
        state.failed_attempts += 1;
        let locked = state.failed_attempts >= self.policy.max_failed_logins;
        if locked {
            state.locked_until = Some(now.plus_seconds(self.policy.lockout_secs));
            state.failed_attempts = 0;
        }
        locked
    }

    /// Creates the first administrator and the built-in interface account. Refused once any user
    /// exists.
    pub async fn bootstrap(&self, admin: &NewUser) -> Result<UserInfo> {
        self.bootstrap_with_totp(admin, None).await
    }

    /// [`App::bootstrap`] with the administrator's TOTP secret already set (unattended set-up,
    /// such as the demo loader; the secret is shown to the administrator).
    pub async fn bootstrap_with_totp(&self, admin: &NewUser, totp_secret_base32: Option<&str>) -> Result<UserInfo> {
        if let Some(s) = totp_secret_base32 {
            TotpSecret::from_base32(s).map_err(crate::error::invalid)?;
        }
        let now = self.clock.now();
        let mut tx = self.store.write(now).await?;
        if !tx.users().await?.is_empty() {
            return Err(AppError::Validation("users already exist; log in as an administrator to add more".into()));
        }
        let mut row = new_user_row(admin, Role::Admin)?;
        row.totp_secret = totp_secret_base32.map(str::to_owned);
        tx.insert_user(&row).await?;
        tx.insert_user(&UserRow {
            id: format!("user-{INTERFACE_USER}"),
            username: INTERFACE_USER.into(),
            display_name: "Interfaces (import, HL7, sync)".into(),
            role: Role::Interface.as_str().into(),
            practitioner_id: None,
            password_hash: None,
            totp_secret: None,
            active: true,
            login: LoginState::default(),
        })
        .await?;
        tx.append_audit(&AuditEntry {
            at: now,
            user_id: row.id.clone(),
            role: Role::Admin,
            action: Action::ManageUsers,
            resource_type: Some("User".into()),
            resource_id: Some(row.id.clone()),
            patient_id: None,
            outcome: Outcome::Success,
            flagged: false,
            detail: Some("bootstrap".into()),
        })
        .await?;
        tx.commit().await?;
        Ok(user_info(&row))
    }

    /// Adds a user (administrators only).
    pub async fn add_user(&self, token: &str, n: &NewUser) -> Result<UserInfo> {
        let role: Role = n.role.parse().map_err(crate::error::invalid)?;
        let row = new_user_row(n, role)?;
        let id = row.id.clone();
        self.audited(token, Action::ManageUsers, Target { rtype: Some("User"), id: Some(&id), patient: None }, async |tx: &mut Tx, _ctx: &mut crate::guard::Ctx| {
            tx.insert_user(&row).await?;
            Ok(user_info(&row))
        })
        .await
    }

    pub async fn list_users(&self, token: &str) -> Result<Vec<UserInfo>> {
        self.audited(token, Action::ManageUsers, Target::none(), async |tx: &mut Tx, _ctx: &mut crate::guard::Ctx| {
            Ok(tx.users().await?.iter().filter(|u| u.role != "interface").map(user_info).collect())
        })
        .await
    }

    /// Records that `username` treats `patient_id` (administrators, and the demo loader).
    pub async fn assign_care(&self, token: &str, username: &str, patient_id: &str, kind: &str) -> Result<()> {
        let username = username.to_owned();
        self.audited(token, Action::ManageUsers, Target { rtype: Some("CareRelationship"), id: None, patient: Some(patient_id) }, async |tx: &mut Tx, _ctx: &mut crate::guard::Ctx| {
            let user = tx.user_by_username(&username).await?.ok_or(AppError::NotFound("user"))?;
            tx.add_care_relationship(&user.id, patient_id, kind).await?;
            Ok(())
        })
        .await
    }

    /// Password and, once enrolled, TOTP. Five failures lock the account for fifteen minutes
    /// (see [`crate::Policy`]).
    pub async fn login(&self, req: &LoginRequest) -> Result<SessionInfo> {
        let now = self.clock.now();
        let username = req.username.trim().to_ascii_lowercase();
        let mut tx = self.store.write(now).await?;
        let Some(user) = tx.user_by_username(&username).await? else {
            // Spend the same time as a real check so timing does not reveal which names exist.
            // A real hash made once per process, so the check costs what a real one does.
            static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
            if let Some(phc) = DUMMY.get_or_init(|| hash_password("meridian-no-such-user").ok()) {
                let _ = verify_password(phc, &req.password);
            }
            return Err(AppError::InvalidCredentials);
        };
        let role: Role = user.role.parse().map_err(|_| AppError::Internal("stored role is unknown".into()))?;
        let audit = |outcome: Outcome, detail: &str| login_audit(now, &user.id, role, outcome, detail);
        if role == Role::Interface || user.password_hash.is_none() {
            tx.append_audit(&audit(Outcome::Denied, "not-interactive")).await?;
            tx.commit().await?;
            return Err(AppError::InvalidCredentials);
        }
        if !user.active {
            tx.append_audit(&audit(Outcome::Denied, "disabled")).await?;
            tx.commit().await?;
            return Err(AppError::AccountDisabled);
        }
        let mut state = user.login.clone();
        if let Some(until) = state.locked_until.filter(|u| *u > now) {
            tx.append_audit(&audit(Outcome::Denied, "locked")).await?;
            tx.commit().await?;
            return Err(AppError::AccountLocked { minutes: ((until.0 - now.0) / 60_000).max(1) });
        }
        let phc = user.password_hash.as_deref().unwrap_or_default();
        let password_ok = verify_password(phc, &req.password).map_err(|e| AppError::Internal(e.to_string()))?;
        let second_factor = match (&user.totp_secret, password_ok) {
            (_, false) => Err(("wrong-password", AppError::InvalidCredentials)),
            (None, true) => Ok(None),
            (Some(secret), true) => match req.totp.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                None => {
                    // Not a failure: the front end now asks for the code.
                    tx.commit().await?;
                    return Err(AppError::TotpRequired);
                }
                Some(code) => {
                    let secret = TotpSecret::from_base32(secret).map_err(|e| AppError::Internal(e.to_string()))?;
                    let last = state.totp_last_step.map(|s| s as u64);
                    match Totp::new(secret).verify(code, now.unix_seconds().max(0) as u64, last) {
                        Ok(step) => Ok(Some(step)),
                        Err(TotpError::Replayed) => Err(("totp-replayed", AppError::TotpInvalid("that code was already used; wait for the next one".into()))),
                        Err(TotpError::MalformedCode { .. }) => Err(("totp-malformed", AppError::TotpInvalid("the code is 6 digits".into()))),
                        Err(_) => Err(("wrong-totp", AppError::TotpInvalid("the code is wrong or expired; check your device's clock".into()))),
                    }
                }
            },
        };
        match second_factor {
            Err((detail, err)) => {
                let locked = self.count_failure(&mut state, now);
                tx.set_login_state(&user.id, &state).await?;
                tx.append_audit(&audit(Outcome::Failed, if locked { "locked-now" } else { detail })).await?;
                tx.commit().await?;
                if locked {
                    return Err(AppError::AccountLocked { minutes: (self.policy.lockout_secs / 60).max(1) });
                }
                Err(err)
            }
            Ok(step) => {
                state.failed_attempts = 0;
                state.locked_until = None;
                if let Some(step) = step {
                    state.totp_last_step = Some(step as i64);
                }
                tx.set_login_state(&user.id, &state).await?;
                tx.append_audit(&audit(Outcome::Success, if step.is_some() { "password+totp" } else { "password" })).await?;
                tx.commit().await?;
                let session = Session {
                    token: random_token(),
                    user_id: user.id.clone(),
                    username: user.username.clone(),
                    display_name: user.display_name.clone(),
                    role,
                    practitioner_id: user.practitioner_id.clone(),
                    last_active: now,
                    locked: false,
                    needs_totp: self.policy.require_totp && user.totp_secret.is_none(),
                };
                let info = SessionInfo {
                    token: session.token.clone(),
                    user: user_info(&user),
                    must_enrol_totp: self.policy.require_totp && user.totp_secret.is_none(),
                    idle_timeout_secs: self.policy.idle_timeout_secs,
                    permissions: permissions(&user.role),
                };
                self.sessions.lock().await.insert(session.token.clone(), session);
                Ok(info)
            }
        }
    }

    pub async fn logout(&self, token: &str) {
        self.sessions.lock().await.remove(token);
    }

    /// A session for the built-in interface account, for imports, feeds and sync run by this
    /// machine's own processes (which already hold the database key).
    pub async fn interface_session(&self) -> Result<String> {
        let now = self.clock.now();
        let mut tx = self.store.write(now).await?;
        let user = tx.user_by_username(INTERFACE_USER).await?.ok_or(AppError::NotFound("interface account"))?;
        drop(tx);
        let session = Session {
            token: random_token(),
            user_id: user.id,
            username: user.username,
            display_name: user.display_name,
            role: Role::Interface,
            practitioner_id: None,
            last_active: now,
            locked: false,
            needs_totp: false,
        };
        let token = session.token.clone();
        self.sessions.lock().await.insert(token.clone(), session);
        Ok(token)
    }

    /// Starts TOTP enrolment: a new secret to show once (QR code or text). It is saved only when
    /// [`App::confirm_totp`] receives a code made from it.
    pub async fn begin_totp_enrolment(&self, token: &str) -> Result<TotpEnrolment> {
        let session = self.session_for_enrolment(token).await?;
        // Replacing an enrolled device is an administrator's reset, never a bare session's.
        let mut tx = self.store.write(self.clock.now()).await?;
        let enrolled = tx.user_by_id(&session.user_id).await?.is_some_and(|u| u.totp_secret.is_some());
        drop(tx);
        if enrolled {
            return Err(AppError::Validation("a second factor is already set up; ask an administrator to reset it".into()));
        }
        let secret = TotpSecret::generate(&mut rand::rngs::OsRng);
        let b32 = secret.to_base32().to_string();
        let uri = Totp::new(secret)
            .provisioning_uri("Meridian", &session.username)
            .map_err(|e| AppError::Internal(e.to_string()))?
            .to_string();
        self.pending_totp.lock().await.insert(session.user_id.clone(), b32.clone());
        Ok(TotpEnrolment { secret_base32: b32, otpauth_uri: uri })
    }

    pub async fn confirm_totp(&self, token: &str, code: &str) -> Result<()> {
        let session = self.session_for_enrolment(token).await?;
        let Some(b32) = self.pending_totp.lock().await.get(&session.user_id).cloned() else {
            return Err(AppError::Validation("start enrolment first".into()));
        };
        let secret = TotpSecret::from_base32(&b32).map_err(|e| AppError::Internal(e.to_string()))?;
        let now = self.clock.now();
        let step = Totp::new(secret)
            .verify(code, now.unix_seconds().max(0) as u64, None)
            .map_err(|_| AppError::TotpInvalid("the code does not match; check the device's clock and try the next code".into()))?;
        let mut tx = self.store.write(now).await?;
        tx.set_totp_secret(&session.user_id, Some(&b32)).await?;
        let mut state = tx.user_by_id(&session.user_id).await?.map(|u| u.login).unwrap_or_default();
        state.totp_last_step = Some(step as i64);
        tx.set_login_state(&session.user_id, &state).await?;
        tx.append_audit(&AuditEntry {
            at: now,
            user_id: session.user_id.clone(),
            role: session.role,
            action: Action::Login,
            resource_type: None,
            resource_id: None,
            patient_id: None,
            outcome: Outcome::Success,
            flagged: false,
            detail: Some("totp-enrolled".into()),
        })
        .await?;
        tx.commit().await?;
        self.pending_totp.lock().await.remove(&session.user_id);
        if let Some(s) = self.sessions.lock().await.get_mut(token) {
            s.needs_totp = false;
        }
        Ok(())
    }

    /// Sets a user's TOTP secret directly (the demo loader; administrators resetting a device).
    pub async fn set_user_totp(&self, token: &str, username: &str, secret_base32: Option<&str>) -> Result<()> {
        let username = username.to_owned();
        if let Some(s) = secret_base32 {
            TotpSecret::from_base32(s).map_err(crate::error::invalid)?;
        }
        self.audited(token, Action::ManageUsers, Target { rtype: Some("User"), id: None, patient: None }, async |tx: &mut Tx, _ctx: &mut crate::guard::Ctx| {
            let user = tx.user_by_username(&username).await?.ok_or(AppError::NotFound("user"))?;
            tx.set_totp_secret(&user.id, secret_base32).await?;
            Ok(())
        })
        .await
    }

    /// Locks the session now (the user stepped away); [`App::unlock`] with the password resumes it.
    pub async fn lock(&self, token: &str) {
        if let Some(s) = self.sessions.lock().await.get_mut(token) {
            s.locked = true;
        }
    }

    /// Quick re-entry after an idle lock: the password alone resumes a locked session of the same
    /// user, within twelve hours of its last activity. Failures count towards the account's
    /// lockout like failed logins (a lockout ends the session); every attempt is audited.
    pub async fn unlock(&self, token: &str, password: &str) -> Result<SessionInfo> {
        let now = self.clock.now();
        let username = {
            let sessions = self.sessions.lock().await;
            sessions
                .get(token)
                .filter(|s| now.0 - s.last_active.0 <= crate::guard::MAX_LOCKED_MS)
                .map(|s| s.username.clone())
                .ok_or(AppError::SessionExpired)?
        };
        let mut tx = self.store.write(now).await?;
        let user = tx.user_by_username(&username).await?.ok_or(AppError::SessionExpired)?;
        let role: Role = user.role.parse().map_err(|_| AppError::Internal("stored role is unknown".into()))?;
        let audit = |outcome: Outcome, detail: &str| login_audit(now, &user.id, role, outcome, detail);
        let mut state = user.login.clone();
        let locked_out = state.locked_until.is_some_and(|u| u > now);
        let ok = !locked_out
            && user.active
            && verify_password(user.password_hash.as_deref().unwrap_or_default(), password).map_err(|e| AppError::Internal(e.to_string()))?;
        if !ok {
            if !locked_out {
                self.count_failure(&mut state, now);
                tx.set_login_state(&user.id, &state).await?;
            }
            let ends = !user.active || state.locked_until.is_some_and(|u| u > now);
            tx.append_audit(&audit(Outcome::Failed, if ends { "unlock-locked-out" } else { "unlock-wrong-password" })).await?;
            tx.commit().await?;
            if ends {
                self.sessions.lock().await.remove(token);
                return Err(AppError::AccountLocked { minutes: (self.policy.lockout_secs / 60).max(1) });
            }
            return Err(AppError::InvalidCredentials);
        }
        state.failed_attempts = 0;
        tx.set_login_state(&user.id, &state).await?;
        tx.append_audit(&audit(Outcome::Success, "unlock")).await?;
        tx.commit().await?;
        let mut sessions = self.sessions.lock().await;
        let s = sessions.get_mut(token).ok_or(AppError::SessionExpired)?;
        s.last_active = now;
        s.locked = false;
        Ok(SessionInfo {
            token: token.to_owned(),
            user: user_info(&user),
            must_enrol_totp: self.policy.require_totp && user.totp_secret.is_none(),
            idle_timeout_secs: self.policy.idle_timeout_secs,
            permissions: permissions(&user.role),
        })
    }
}

/// The actions a role may ever take, from the one permission matrix.
fn permissions(role: &str) -> Vec<String> {
    let Ok(role) = role.parse::<meridian_domain::access::Role>() else { return Vec::new() };
    meridian_domain::access::Action::ALL
        .into_iter()
        .filter(|a| meridian_domain::access::role_permits(role, *a))
        .map(|a| a.as_str().to_owned())
        .collect()
}
