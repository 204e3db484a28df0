//! Screens.

mod admin;
mod chart;
mod home;
mod imaging;
mod login;
mod notes;
mod register;

use leptos::prelude::*;

use crate::api;
use crate::components::search::SearchBox;
use crate::state::{Screen, Ui, ui};

/// The whole window: login until there is a session, then the workstation.
#[component]
pub fn Root() -> impl IntoView {
    let state = Ui::new();
    provide_context(state);
    let info = LocalResource::new(|| async { api::app_info().await.ok() });
    // "/" or Ctrl+K focuses search from anywhere; Esc goes home.
    let _keys = window_event_listener(leptos::ev::keydown, move |ev| {
        let typing = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        if (ev.key() == "k" && ev.ctrl_key()) || (ev.key() == "/" && !typing) {
            ev.prevent_default();
            state.focus_search.update(|n| *n += 1);
        } else if ev.key() == "Escape" && !typing {
            state.screen.set(Screen::Home);
        }
    });
    view! {
        <div class="app" class:dark=move || state.dark.get()>
            <Show when=move || state.session.with(Option::is_some) fallback=|| view! { <login::Login/> }>
                <Workstation/>
            </Show>
            <footer class="status" role="contentinfo">
                <span>"Meridian "{move || info.get().flatten().map(|i| i.version).unwrap_or_default()}</span>
                <span data-testid="sync-status" class:warn=move || state.sync.with(|s| s.as_ref().is_some_and(|s| s.state == "offline" || s.conflicts > 0))>
                    {move || match state.sync.get() {
                        Some(s) => sync_line(&s),
                        None => match info.get().flatten().map(|i| i.sync) {
                            Some(s) if s == "local-only" => "Sync: local only — no hospital server is configured; all changes are kept on this machine".to_owned(),
                            Some(s) => format!("Sync: {s}"),
                            None => "Sync: unknown".to_owned(),
                        },
                    }}
                </span>
                <button class="link" on:click=move |_| state.dark.update(|d| *d = !*d)>
                    {move || if state.dark.get() { "Light theme" } else { "Dark theme" }}
                </button>
            </footer>
        </div>
    }
}

/// The status line's sync text: honest about what is and is not on the hospital's server.
fn sync_line(s: &meridian_api::SyncStatus) -> String {
    let when = |t: &Option<String>| t.as_deref().map(crate::time::recent);
    let mut line = match s.state.as_str() {
        "local-only" => "Sync: local only — no hospital server is configured; all changes are kept on this machine".to_owned(),
        "online" => format!("Sync: online — last synced {}", when(&s.last_success).unwrap_or_else(|| "just now".into())),
        "offline" => format!(
            "Sync: offline — working locally; {}",
            s.last_error.as_deref().map(|e| format!("last error: {e}")).unwrap_or_else(|| "server unreachable".into())
        ),
        other => format!("Sync: {other}"),
    };
    if s.state != "local-only" {
        line.push_str(&format!(" · {} change{} waiting", s.pending, if s.pending == 1 { "" } else { "s" }));
    }
    if s.conflicts > 0 {
        line.push_str(&format!(" · {} conflict{} to review (open the patient's chart)", s.conflicts, if s.conflicts == 1 { "" } else { "s" }));
    }
    if s.hl7_pending > 0 {
        line.push_str(&format!(" · {} HL7 message{} unacknowledged", s.hl7_pending, if s.hl7_pending == 1 { "" } else { "s" }));
    }
    line
}

#[component]
fn Workstation() -> impl IntoView {
    let state = ui();
    // The sync status line: asked every few seconds (a local read, no patient data).
    let poll_sync = move || {
        let token = state.token();
        if token.is_empty() || state.locked.get_untracked() {
            return;
        }
        leptos::task::spawn_local(async move {
            if let Ok(s) = api::sync_status(&token).await {
                state.sync.set(Some(s));
            }
        });
    };
    poll_sync();
    if let Ok(handle) = set_interval_with_handle(poll_sync, std::time::Duration::from_secs(5)) {
        on_cleanup(move || handle.clear());
    }
    // Idle lock: no key or pointer activity for the session's timeout locks the screen (and the
    // session in the core), keeping whatever was typed underneath.
    let last_activity = StoredValue::new(js_sys::Date::now());
    let _k = window_event_listener(leptos::ev::keydown, move |_| last_activity.set_value(js_sys::Date::now()));
    let _m = window_event_listener(leptos::ev::mousedown, move |_| last_activity.set_value(js_sys::Date::now()));
    let idle = set_interval_with_handle(
        move || {
            let timeout_ms = state.session.with_untracked(|s| s.as_ref().map(|s| f64::from(s.idle_timeout_secs) * 1000.0));
            if let Some(timeout_ms) = timeout_ms {
                if !state.locked.get_untracked() && js_sys::Date::now() - last_activity.get_value() > timeout_ms {
                    state.locked.set(true);
                    let token = state.token();
                    leptos::task::spawn_local(async move {
                        let _ = api::lock(&token).await;
                    });
                }
            }
        },
        std::time::Duration::from_secs(5),
    );
    if let Ok(handle) = idle {
        on_cleanup(move || handle.clear());
    }
    let name = move || state.session.with(|s| s.as_ref().map(|s| format!("{} ({})", s.user.display_name, s.user.role)).unwrap_or_default());
    let logout = move |_| {
        let token = state.token();
        leptos::task::spawn_local(async move {
            let _ = api::logout(&token).await;
            state.notice.set(None);
            state.session.set(None);
            state.screen.set(Screen::Home);
        });
    };
    let is_admin = move || state.can("read-audit-trail");
    view! {
        <header class="topbar">
            <button class="brand" on:click=move |_| state.screen.set(Screen::Home)>"Meridian"</button>
            <Show when=move || !is_admin()>
                <SearchBox/>
            </Show>
            <nav>
                <Show when=move || state.can("register-patient")>
                    <button class="link" on:click=move |_| state.screen.set(Screen::Register)>"Register patient"</button>
                </Show>
                <Show when=is_admin>
                    <button class="link" on:click=move |_| state.screen.set(Screen::Audit(None))>"Audit"</button>
                </Show>
                <span class="user" data-testid="user">{name}</span>
                <button class="link" on:click=move |_| {
                    let token = state.token();
                    leptos::task::spawn_local(async move { let _ = api::lock(&token).await; });
                    state.locked.set(true);
                }>"Lock"</button>
                <button class="link" on:click=logout>"Log out"</button>
            </nav>
        </header>
        {move || state.notice.get().map(|(m, err)| view! {
            <div class=if err { "notice error" } else { "notice" } role="alert" data-testid="notice">
                <span>{m}</span>
                <button class="link" aria-label="Dismiss" on:click=move |_| state.notice.set(None)>"×"</button>
            </div>
        })}
        <main>
            {move || match state.screen.get() {
                Screen::Home => view! { <home::Home/> }.into_any(),
                Screen::Chart(id) => view! { <chart::Chart patient_id=id/> }.into_any(),
                Screen::Register => view! { <register::Register/> }.into_any(),
                Screen::Audit(p) => view! { <admin::Audit patient=p/> }.into_any(),
            }}
        </main>
        <Show when=move || state.locked.get()>
            <login::LockScreen/>
        </Show>
    }
}

