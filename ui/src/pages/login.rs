//! Login with password and TOTP, first-run TOTP enrolment, and the lock screen.

use leptos::prelude::*;
use meridian_api::{ErrorCode, LoginRequest};

use crate::api;
use crate::state::ui;

#[component]
pub fn Login() -> impl IntoView {
    let state = ui();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let totp = RwSignal::new(String::new());
    let need_totp = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let enrol = RwSignal::new(None::<meridian_api::SessionInfo>);
    let totp_ref = NodeRef::<leptos::html::Input>::new();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let req = LoginRequest {
            username: username.get_untracked(),
            password: password.get_untracked(),
            totp: Some(totp.get_untracked()).filter(|t| !t.trim().is_empty()),
        };
        leptos::task::spawn_local(async move {
            match api::login(&req).await {
                Ok(s) if s.must_enrol_totp => enrol.set(Some(s)),
                Ok(s) => {
                    error.set(None);
                    state.notice.set(None);
                    state.session.set(Some(s));
                }
                Err(e) if e.code == ErrorCode::TotpRequired => {
                    need_totp.set(true);
                    error.set(None);
                    if let Some(i) = totp_ref.get_untracked() {
                        let _ = i.focus();
                    }
                }
                Err(e) => {
                    if e.code == ErrorCode::TotpInvalid {
                        totp.set(String::new());
                    }
                    error.set(Some(e.message));
                }
            }
            busy.set(false);
        });
    };

    view! {
        <div class="login">
            <Show when=move || enrol.with(Option::is_none) fallback=move || view! { <Enrol session=enrol/> }>
                <form class="card" on:submit=submit aria-labelledby="login-title">
                    <h1 id="login-title">"Meridian"</h1>
                    <p class="muted">"Clinical workstation — sign in"</p>
                    <label for="username">"Username"</label>
                    <input id="username" name="username" autocomplete="username" autofocus
                        prop:value=move || username.get() on:input=move |ev| username.set(event_target_value(&ev))/>
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password"
                        prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                    <div class:hidden=move || !need_totp.get()>
                        <label for="totp">"Authenticator code"</label>
                        <input id="totp" name="totp" inputmode="numeric" autocomplete="one-time-code" maxlength="7" node_ref=totp_ref
                            prop:value=move || totp.get() on:input=move |ev| totp.set(event_target_value(&ev))/>
                    </div>
                    {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="login-error">{e}</p> })}
                    <button type="submit" class="primary" id="login-button" disabled=move || busy.get()>
                        {move || if need_totp.get() { "Verify code" } else { "Sign in" }}
                    </button>
                </form>
            </Show>
        </div>
    }
}

/// First login without a second factor: show a new secret, confirm with a code.
#[component]
fn Enrol(session: RwSignal<Option<meridian_api::SessionInfo>>) -> impl IntoView {
    let state = ui();
    let token = session.with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default());
    let t2 = token.clone();
    let secret = LocalResource::new(move || {
        let token = t2.clone();
        async move { api::begin_totp(&token).await }
    });
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let token = token.clone();
        let c = code.get_untracked();
        leptos::task::spawn_local(async move {
            match api::confirm_totp(&token, &c).await {
                Ok(()) => state.session.set(session.get_untracked()),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    view! {
        <form class="card" on:submit=confirm>
            <h1>"Set up your second factor"</h1>
            <p>"Add this account to an authenticator app (RFC 6238 TOTP), then enter the code it shows."</p>
            {move || match secret.get() {
                Some(Ok(s)) => view! {
                    <p class="mono" data-testid="totp-secret">{s.secret_base32.clone()}</p>
                    <p class="muted small">{s.otpauth_uri.clone()}</p>
                }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e.message}</p> }.into_any(),
                None => view! { <p class="muted">"…"</p> }.into_any(),
            }}
            <label for="enrol-code">"Code"</label>
            <input id="enrol-code" inputmode="numeric" prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <button type="submit" class="primary">"Confirm"</button>
        </form>
    }
}

/// Covers the workstation when the session locks; the password alone resumes it.
#[component]
pub fn LockScreen() -> impl IntoView {
    let state = ui();
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let unlock = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let token = state.token();
        let p = password.get_untracked();
        leptos::task::spawn_local(async move {
            match api::unlock(&token, &p).await {
                Ok(s) => {
                    password.set(String::new());
                    state.session.set(Some(s));
                    state.locked.set(false);
                    state.notice.set(None);
                }
                Err(e) if e.code == ErrorCode::SessionExpired => {
                    // Too long away: a full login, which starts a new session.
                    state.locked.set(false);
                    state.session.set(None);
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    view! {
        <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="lock-title">
            <form class="card" on:submit=unlock>
                <h2 id="lock-title">"Session locked"</h2>
                <p class="muted">{move || state.session.with(|s| s.as_ref().map(|s| s.user.display_name.clone()).unwrap_or_default())}" — your work is kept."</p>
                <label for="unlock-password">"Password"</label>
                <input id="unlock-password" type="password" autofocus prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <button type="submit" class="primary">"Unlock"</button>
            </form>
        </div>
    }
}
