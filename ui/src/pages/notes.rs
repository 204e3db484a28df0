//! Notes: templates, drafts that survive navigation, signing, addenda. A signed note is shown
//! read-only.

use leptos::prelude::*;
use meridian_api::{Note, SaveNote};

use crate::api;
use crate::state::ui;

const TEMPLATES: &[(&str, &str)] = &[
    ("Progress note", "S: \nO: \nA: \nP: \n"),
    ("History and physical", "Chief complaint: \nHistory of present illness: \nPast history: \nMedications: \nAllergies: \nExamination: \nAssessment: \nPlan: \n"),
    ("Discharge summary", "Admission diagnosis: \nHospital course: \nDischarge diagnosis: \nDischarge medications: \nFollow-up: \n"),
];

#[component]
pub fn Notes(patient_id: String) -> impl IntoView {
    let state = ui();
    let reload = RwSignal::new(0u32);
    let pid = StoredValue::new(patient_id);
    let list = LocalResource::new(move || {
        reload.get();
        let token = state.token();
        let pid = pid.get_value();
        async move { api::notes(&token, &pid).await }
    });
    let editing = RwSignal::new(None::<Note>);
    let title = RwSignal::new(TEMPLATES[0].0.to_owned());
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let can_write = state.can("write-note");
    let can_sign = state.can("sign-note");

    let open = move |n: Note| {
        title.set(n.title.clone());
        text.set(n.text.clone());
        editing.set(Some(n));
        error.set(None);
    };
    let new_note = move |template: usize| {
        editing.set(None);
        title.set(TEMPLATES[template].0.to_owned());
        text.set(TEMPLATES[template].1.to_owned());
        error.set(None);
    };
    let save = move || {
        let current = editing.get_untracked();
        let req = SaveNote {
            patient_id: pid.get_value(),
            id: current.as_ref().map(|n| n.id.clone()),
            base_version: current.as_ref().map(|n| n.version),
            title: title.get_untracked(),
            text: text.get_untracked(),
        };
        let token = state.token();
        leptos::task::spawn_local(async move {
            match api::save_note(&token, &req).await {
                Ok(n) => {
                    state.info("Draft saved");
                    editing.set(Some(n));
                    reload.update(|x| *x += 1);
                }
                // The typed text stays in the editor whatever went wrong.
                Err(e) => {
                    error.set(Some(e.message.clone()));
                    state.error(&e);
                }
            }
        });
    };
    let sign = move || {
        let Some(n) = editing.get_untracked() else {
            error.set(Some("save the draft before signing".into()));
            return;
        };
        let token = state.token();
        leptos::task::spawn_local(async move {
            match api::sign_note(&token, &n.id, n.version).await {
                Ok(n) => {
                    state.info("Note signed");
                    editing.set(Some(n));
                    reload.update(|x| *x += 1);
                }
                Err(e) => {
                    error.set(Some(e.message.clone()));
                    state.error(&e);
                }
            }
        });
    };
    let addendum = move || {
        let Some(n) = editing.get_untracked() else { return };
        let token = state.token();
        leptos::task::spawn_local(async move {
            match api::addendum(&token, &n.id, "Addendum: ").await {
                Ok(a) => {
                    title.set(a.title.clone());
                    text.set(a.text.clone());
                    editing.set(Some(a));
                    reload.update(|x| *x += 1);
                }
                Err(e) => state.error(&e),
            }
        });
    };
    let signed = move || editing.with(|e| e.as_ref().is_some_and(|n| n.status == "signed"));
    view! {
        <div class="notes">
            <section class="panel list">
                <h3>"Notes"</h3>
                {can_write.then(|| view! {
                    <div class="row">
                        {TEMPLATES.iter().enumerate().map(|(i, (name, _))| view! {
                            <button class="small" on:click=move |_| new_note(i)>{format!("New {}", name.to_lowercase())}</button>
                        }).collect_view()}
                    </div>
                })}
                {move || match list.get() {
                    None => view! { <p class="muted">"…"</p> }.into_any(),
                    Some(Err(e)) => { state.error(&e); view! { <p class="error" role="alert" data-testid="notes-error">{e.message}</p> }.into_any() }
                    Some(Ok(v)) if v.is_empty() => view! { <p class="muted">"No notes yet"</p> }.into_any(),
                    Some(Ok(v)) => view! {
                        <ul class="note-list" data-testid="note-list">
                            {v.into_iter().map(|n| {
                                let title = n.title.clone();
                                let meta = format!("{} · {}", n.status, n.date.clone().unwrap_or_default().chars().take(10).collect::<String>());
                                view! { <li><button class="link" on:click=move |_| open(n.clone())><span>{title}</span><span class="muted small">{meta}</span></button></li> }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
            </section>
            <section class="panel editor" data-testid="note-editor">
                <div class="row">
                    <input aria-label="Note title" id="note-title" prop:value=move || title.get() readonly=signed on:input=move |ev| title.set(event_target_value(&ev))/>
                    <span class="status-pill" data-testid="note-status">{move || editing.with(|e| e.as_ref().map(|n| n.status.clone()).unwrap_or_else(|| "new".into()))}</span>
                </div>
                <textarea id="note-text" aria-label="Note text" rows="16" prop:value=move || text.get() readonly=signed
                    on:input=move |ev| text.set(event_target_value(&ev))
                    on:keydown=move |ev| {
                        if ev.ctrl_key() && ev.key() == "s" { ev.prevent_default(); save(); }
                        if ev.ctrl_key() && ev.key() == "Enter" && can_sign { ev.prevent_default(); sign(); }
                    }></textarea>
                {move || signed().then(|| view! { <p class="muted" data-testid="signed-hint">"Signed notes cannot be changed. Add an addendum to correct or extend it."</p> })}
                {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="note-error">{e}</p> })}
                <div class="row">
                    {can_write.then(|| view! {
                        <button id="save-note" disabled=signed on:click=move |_| save()>"Save draft (Ctrl+S)"</button>
                    })}
                    {can_sign.then(|| view! {
                        <button id="sign-note" class="primary" disabled=signed on:click=move |_| sign()>"Sign (Ctrl+Enter)"</button>
                    })}
                    {can_write.then(|| view! {
                        <button id="addendum" disabled=move || !signed() on:click=move |_| addendum()>"Add addendum"</button>
                    })}
                </div>
            </section>
        </div>
    }
}
