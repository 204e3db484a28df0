//! The administrator's audit view: who saw a patient, and the chain's integrity.

use leptos::prelude::*;

use meridian_api::PatientSummary;

use crate::api;
use crate::state::ui;

/// Merging duplicate registrations: both records are shown before anything changes; the merged
/// record is kept, deactivated and linked, and its history shows in the surviving chart.
#[component]
fn Merge() -> impl IntoView {
    let state = ui();
    let keep = RwSignal::new(String::new());
    let merge = RwSignal::new(String::new());
    let found = RwSignal::new(None::<(PatientSummary, PatientSummary)>);
    let find = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let token = state.token();
        let (k, m) = (keep.get_untracked(), merge.get_untracked());
        leptos::task::spawn_local(async move {
            let one = |r: Result<Vec<PatientSummary>, meridian_api::ApiError>| r.ok().filter(|v| v.len() == 1).and_then(|mut v| v.pop());
            match (one(api::search(&token, &k).await), one(api::search(&token, &m).await)) {
                (Some(a), Some(b)) if a.id != b.id => found.set(Some((a, b))),
                _ => state.info("enter the MRN of each record; they must be two different patients"),
            }
        });
    };
    let confirm = move |_| {
        let Some((a, b)) = found.get_untracked() else { return };
        let token = state.token();
        leptos::task::spawn_local(async move {
            match api::merge(&token, &a.id, &b.id).await {
                Ok(()) => {
                    state.info(format!("{} merged into {}", b.mrn.unwrap_or_default(), a.mrn.unwrap_or_default()));
                    found.set(None);
                }
                Err(e) => state.error(&e),
            }
        });
    };
    view! {
        <section class="panel wide">
            <h2>"Merge duplicate records"</h2>
            <form class="row" on:submit=find>
                <label for="merge-keep">"Keep (MRN)"</label>
                <input id="merge-keep" prop:value=move || keep.get() on:input=move |ev| keep.set(event_target_value(&ev))/>
                <label for="merge-dup">"Merge in (MRN)"</label>
                <input id="merge-dup" prop:value=move || merge.get() on:input=move |ev| merge.set(event_target_value(&ev))/>
                <button type="submit">"Compare"</button>
            </form>
            {move || found.get().map(|(a, b)| view! {
                <table class="grid compact" data-testid="merge-preview">
                    <thead><tr><th></th><th>"Keep"</th><th>"Merge in"</th></tr></thead>
                    <tbody>
                        <tr><td>"Name"</td><td>{a.display_name.clone()}</td><td>{b.display_name.clone()}</td></tr>
                        <tr><td>"Born"</td><td>{a.birth_date.clone().unwrap_or_default()}</td><td>{b.birth_date.clone().unwrap_or_default()}</td></tr>
                        <tr><td>"Sex"</td><td>{a.sex.clone().unwrap_or_default()}</td><td>{b.sex.clone().unwrap_or_default()}</td></tr>
                        <tr><td>"MRN"</td><td class="mono">{a.mrn.clone().unwrap_or_default()}</td><td class="mono">{b.mrn.clone().unwrap_or_default()}</td></tr>
                        <tr><td>"ABHA"</td><td class="mono">{a.abha.clone().unwrap_or_default()}</td><td class="mono">{b.abha.clone().unwrap_or_default()}</td></tr>
                    </tbody>
                </table>
                <button class="danger" on:click=confirm>"Merge: keep the left record"</button>
            })}
        </section>
    }
}

#[component]
pub fn Audit(patient: Option<String>) -> impl IntoView {
    let state = ui();
    let patient_id = RwSignal::new(patient.unwrap_or_default());
    let query = RwSignal::new(String::new());
    let rows = LocalResource::new(move || {
        let pid = patient_id.get();
        let token = state.token();
        async move {
            if pid.is_empty() {
                Ok(Vec::new())
            } else {
                api::patient_audit(&token, &pid).await
            }
        }
    });
    let verify = LocalResource::new(move || {
        let token = state.token();
        async move { api::verify_audit(&token).await }
    });
    view! {
        <Merge/>
        <InterfaceLog/>
        <section class="panel wide">
            <h2>"Audit trail"</h2>
            <p data-testid="audit-verify">{move || match verify.get() {
                Some(Ok(v)) if v.intact => format!("Chain intact: {} records verified.", v.records),
                Some(Ok(v)) => format!("TAMPERING DETECTED: {}", v.problems.join("; ")),
                Some(Err(e)) => e.message,
                None => "Verifying…".into(),
            }}</p>
            <form class="row" on:submit=move |ev| {
                ev.prevent_default();
                let q = query.get_untracked().trim().to_owned();
                let token = state.token();
                leptos::task::spawn_local(async move {
                    // An MRN, ABHA number or name finds the patient; the record id works too.
                    match api::search(&token, &q).await {
                        Ok(found) if found.len() == 1 => patient_id.set(found[0].id.clone()),
                        Ok(found) if found.is_empty() => patient_id.set(q),
                        Ok(_) => state.info("more than one patient matches; enter the MRN"),
                        Err(e) => state.error(&e),
                    }
                });
            }>
                <label for="audit-patient">"Patient (MRN, ABHA or id)"</label>
                <input id="audit-patient" placeholder="MRN000001" prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
                <button type="submit" class="primary" id="audit-show">"Who saw this patient"</button>
            </form>
            {move || match rows.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e.message}</p> }.into_any(),
                Some(Ok(v)) if v.is_empty() => view! { <p class="muted">"Enter a patient's MRN to see every access to the record."</p> }.into_any(),
                Some(Ok(v)) => view! {
                    <table class="grid compact" data-testid="audit-table">
                        <thead><tr><th>"#"</th><th>"When"</th><th>"User"</th><th>"Role"</th><th>"Action"</th><th>"Outcome"</th><th>"Detail"</th></tr></thead>
                        <tbody>
                            {v.into_iter().map(|r| view! {
                                <tr class:flagged=r.flagged class:denied=r.outcome != "success">
                                    <td class="num">{r.seq}</td>
                                    <td>{crate::time::local_seconds(&r.at)}</td>
                                    <td>{r.username.clone().unwrap_or(r.user_id.clone())}</td>
                                    <td>{r.role.clone()}</td>
                                    <td>{r.action.clone()}</td>
                                    <td>{if r.flagged { format!("{} (break-glass)", r.outcome) } else { r.outcome.clone() }}</td>
                                    <td>{r.detail.clone().unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
}

/// The HL7 interface log and sync state for interface staff: message types, control ids,
/// acknowledgements and errors; never message contents.
#[component]
fn InterfaceLog() -> impl IntoView {
    let state = ui();
    let reload = RwSignal::new(0u32);
    let log = LocalResource::new(move || {
        reload.get();
        let token = state.token();
        async move { api::interface_log(&token).await }
    });
    view! {
        <section class="panel wide">
            <h2>"Interfaces"</h2>
            <p>{move || state.sync.get().map(|s| format!(
                "FHIR server: {} · state {} · {} pending · {} conflicts · last success {} · last error {}",
                s.server.unwrap_or_else(|| "none configured".into()), s.state, s.pending, s.conflicts,
                s.last_success.unwrap_or_else(|| "never".into()), s.last_error.unwrap_or_else(|| "none".into())
            ))}</p>
            <button class="link" on:click=move |_| reload.update(|n| *n += 1)>"Refresh"</button>
            {move || match log.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e.message}</p> }.into_any(),
                Some(Ok(v)) if v.is_empty() => view! { <p class="muted">"No HL7 messages yet."</p> }.into_any(),
                Some(Ok(v)) => view! {
                    <table class="grid compact" data-testid="interface-log">
                        <thead><tr><th>"#"</th><th>"When"</th><th>"Dir"</th><th>"Peer"</th><th>"Type"</th><th>"Control id"</th><th>"ACK"</th><th>"Tries"</th><th>"Error"</th></tr></thead>
                        <tbody>
                            {v.into_iter().map(|m| {
                                let bad = m.ack_code.as_deref().is_some_and(|c| c != "AA" && c != "CA") || m.last_error.is_some();
                                view! {
                                <tr class:denied=bad>
                                    <td class="num">{m.seq}</td>
                                    <td>{crate::time::local_seconds(&m.created_at)}</td>
                                    <td>{m.direction}</td>
                                    <td>{m.peer}</td>
                                    <td class="mono">{m.message_type}</td>
                                    <td class="mono">{m.control_id}</td>
                                    <td>{m.ack_code.unwrap_or_else(|| "pending".into())}</td>
                                    <td class="num">{m.attempts}</td>
                                    <td>{m.last_error.unwrap_or_default()}</td>
                                </tr>
                            }}).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
}
