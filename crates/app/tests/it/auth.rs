use meridian_api::{ApiError, ErrorCode, LoginRequest};
use meridian_app::AppError;
use meridian_security::totp::{Totp, TotpSecret};

use crate::{PASSWORD, T0, world};

fn req(user: &str, password: &str, totp: Option<String>) -> LoginRequest {
    LoginRequest { username: user.into(), password: password.into(), totp }
}

#[tokio::test]
async fn wrong_password_then_lockout_after_five() {
    let w = world().await;
    w.staff("nina", "nurse").await;
    for _ in 0..4 {
        let e = w.app.login(&req("nina", "wrong password!", None)).await.unwrap_err();
        assert!(matches!(e, AppError::InvalidCredentials), "{e:?}");
        let api: ApiError = e.into();
        assert_eq!(api.code, ErrorCode::InvalidCredentials);
    }
    let e = w.app.login(&req("nina", "wrong password!", None)).await.unwrap_err();
    assert!(matches!(e, AppError::AccountLocked { .. }), "{e:?}");
    // Even the right password is refused while locked.
    assert!(matches!(w.app.login(&req("nina", PASSWORD, None)).await, Err(AppError::AccountLocked { .. })));
    w.clock.advance_secs(15 * 60 + 1);
    w.app.login(&req("nina", PASSWORD, None)).await.unwrap();
    // Unknown users get the same answer as a wrong password.
    assert!(matches!(w.app.login(&req("nobody", PASSWORD, None)).await, Err(AppError::InvalidCredentials)));
}

#[tokio::test]
async fn totp_enrolment_required_codes_and_replay() {
    let w = world().await;
    let token = w.staff("omar", "physician").await;
    let enrol = w.app.begin_totp_enrolment(&token).await.unwrap();
    assert!(enrol.otpauth_uri.starts_with("otpauth://totp/"));
    let totp = Totp::new(TotpSecret::from_base32(&enrol.secret_base32).unwrap());
    let now = (T0.0 / 1000) as u64;
    assert!(matches!(w.app.confirm_totp(&token, "000000").await, Err(AppError::TotpInvalid(_))) || totp.code_at(now) == "000000");
    w.app.confirm_totp(&token, &totp.code_at(now)).await.unwrap();

    // Password alone is no longer enough.
    assert!(matches!(w.app.login(&req("omar", PASSWORD, None)).await, Err(AppError::TotpRequired)));
    // A wrong code fails; the enrolment code cannot be replayed.
    let wrong = if totp.code_at(now + 60) == "123456" { "654321" } else { "123456" };
    w.clock.advance_secs(60);
    assert!(matches!(w.app.login(&req("omar", PASSWORD, Some(wrong.into()))).await, Err(AppError::TotpInvalid(_))));
    let now = now + 60;
    let code = totp.code_at(now);
    w.app.login(&req("omar", PASSWORD, Some(code.clone()))).await.unwrap();
    let e = w.app.login(&req("omar", PASSWORD, Some(code))).await.unwrap_err();
    assert!(matches!(&e, AppError::TotpInvalid(m) if m.contains("already used")), "{e:?}");
}

#[tokio::test]
async fn idle_lock_and_quick_reentry() {
    let w = world().await;
    let token = w.staff("ida", "nurse").await;
    w.app.search_patients(&token, "x").await.unwrap();
    w.clock.advance_secs(15 * 60 + 1);
    let e = w.app.search_patients(&token, "x").await.unwrap_err();
    assert!(matches!(e, AppError::SessionExpired));
    assert_eq!(ApiError::from(e).code, ErrorCode::SessionExpired);
    assert!(matches!(w.app.unlock(&token, "not the password").await, Err(AppError::InvalidCredentials)));
    w.app.unlock(&token, PASSWORD).await.unwrap();
    w.app.search_patients(&token, "x").await.unwrap();
    // Locking by hand works the same.
    w.app.lock(&token).await;
    assert!(matches!(w.app.search_patients(&token, "x").await, Err(AppError::SessionExpired)));
    // After twelve hours the session is gone for good.
    w.clock.advance_secs(13 * 3600);
    assert!(matches!(w.app.unlock(&token, PASSWORD).await, Err(AppError::SessionExpired)));
}

#[tokio::test]
async fn login_attempts_are_audited() {
    let w = world().await;
    w.staff("audra", "nurse").await;
    let _ = w.app.login(&req("audra", "wrong password!", None)).await;
    let events = w.app.export_audit(&w.admin, 0, 1000).await.unwrap();
    let logins: Vec<_> = events.iter().filter(|e| e["subtype"][0]["code"] == "login" && e["agent"][0]["who"]["identifier"]["value"] == "user-audra").collect();
    assert_eq!(logins.len(), 2, "one success (staff helper) and one failure");
    assert!(logins.iter().any(|e| e["outcome"] == "8" && e["outcomeDesc"] == "wrong-password"));
}

#[tokio::test]
async fn a_required_second_factor_is_enforced_by_the_core() {
    let dir = tempfile::tempdir().unwrap();
    let keys = meridian_security::keys::MemoryKeyStore::new();
    let store = meridian_app::Workspace::create(&dir.path().join("t.db"), meridian_app::KeySource::Keyring, &keys, None).await.unwrap();
    let clock = std::sync::Arc::new(meridian_app::FakeClock::new(T0));
    let app = meridian_app::App::new(store, clock, meridian_app::Policy::default());
    app.bootstrap(&crate::user("admin", "admin")).await.unwrap();
    let s = app.login(&req("admin", PASSWORD, None)).await.unwrap();
    assert!(s.must_enrol_totp);
    // The token is good for enrolment and nothing else.
    assert!(matches!(app.search_patients(&s.token, "x").await, Err(AppError::TotpRequired)));
    assert!(matches!(app.list_users(&s.token).await, Err(AppError::TotpRequired)));
    let e = app.begin_totp_enrolment(&s.token).await.unwrap();
    let totp = Totp::new(TotpSecret::from_base32(&e.secret_base32).unwrap());
    app.confirm_totp(&s.token, &totp.code_at((T0.0 / 1000) as u64)).await.unwrap();
    app.list_users(&s.token).await.unwrap();
    // A second enrolment from a bare session is refused: resetting a device is an admin's job.
    assert!(matches!(app.begin_totp_enrolment(&s.token).await, Err(AppError::Validation(_))));
}

#[tokio::test]
async fn guessing_at_the_lock_screen_locks_the_account() {
    let w = world().await;
    let token = w.staff("gus", "nurse").await;
    w.app.lock(&token).await;
    for _ in 0..4 {
        assert!(matches!(w.app.unlock(&token, "wrong guess!").await, Err(AppError::InvalidCredentials)));
    }
    assert!(matches!(w.app.unlock(&token, "wrong guess!").await, Err(AppError::AccountLocked { .. })));
    // The session is gone, and the account is locked for a fresh login too.
    assert!(matches!(w.app.unlock(&token, PASSWORD).await, Err(AppError::SessionExpired)));
    assert!(matches!(w.app.login(&req("gus", PASSWORD, None)).await, Err(AppError::AccountLocked { .. })));
    let events = w.app.export_audit(&w.admin, 0, 1000).await.unwrap();
    assert!(events.iter().filter(|e| e["outcomeDesc"] == "unlock-wrong-password").count() >= 4);
}

#[tokio::test]
async fn a_session_carries_what_its_role_may_do_from_the_one_matrix() {
    let w = crate::world().await;
    w.app.add_user(&w.admin, &crate::user("rx.one", "pharmacist")).await.expect("add");
    w.app.add_user(&w.admin, &crate::user("md.one", "physician")).await.expect("add");
    let login = |u: &str| meridian_api::LoginRequest { username: u.into(), password: crate::PASSWORD.into(), totp: None };
    let rx = w.app.login(&login("rx.one")).await.expect("login");
    assert!(rx.can("verify-prescription") && rx.can("read-chart"));
    assert!(!rx.can("read-notes") && !rx.can("sign-note"), "{:?}", rx.permissions);
    let md = w.app.login(&login("md.one")).await.expect("login");
    assert!(md.can("sign-note") && md.can("resolve-sync-conflict") && !md.can("read-audit-trail"));
    for action in &md.permissions {
        let a: meridian_domain::access::Action = action.parse().expect("a known action");
        assert!(meridian_domain::access::role_permits(meridian_domain::access::Role::Physician, a));
    }
}

#[tokio::test]
async fn polling_the_sync_status_does_not_keep_an_unattended_session_open() {
    let w = crate::world().await;
    let nurse = w.staff("poll.nurse", "nurse").await;
    let idle = i64::from(w.app.policy().idle_timeout_secs);
    // The status line asks every few seconds while nobody touches the workstation.
    for _ in 0..2 {
        w.clock.advance_secs(idle / 3);
        assert!(w.app.sync_status(&nurse).await.is_ok(), "the poll itself is answered");
    }
    w.clock.advance_secs(idle / 2);
    assert!(matches!(w.app.search_patients(&nurse, "any").await, Err(meridian_app::AppError::SessionExpired)), "the session locked on time");
    assert!(matches!(w.app.sync_status(&nurse).await, Err(meridian_app::AppError::SessionExpired)));
}
