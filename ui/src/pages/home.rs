//! Each role's landing screen.

use leptos::prelude::*;
use meridian_api::PatientSummary;

use crate::api;
use crate::state::{Screen, ui};

#[component]
pub fn Home() -> impl IntoView {
    let state = ui();
    let role = state.role();
    match role.as_str() {
        "physician" | "nurse" => view! { <MyPatients/> }.into_any(),
        "admin" => view! {
            <section class="panel">
                <h2>"Administration"</h2>
                <p>"Administrators manage users and review the audit trail; they do not open charts."</p>
                <button class="primary" on:click=move |_| state.screen.set(Screen::Audit(None))>"Open the audit trail"</button>
            </section>
        }.into_any(),
        _ => view! {
            <section class="panel">
                <h2>"Find a patient"</h2>
                <p class="muted">"Search by name, birth date (YYYY-MM-DD or DD/MM/YYYY), MRN or ABHA number. Press / to search from anywhere."</p>
            </section>
        }.into_any(),
    }
}

#[component]
fn MyPatients() -> impl IntoView {
    let state = ui();
    let token = state.token();
    let list = LocalResource::new(move || {
        let token = token.clone();
        async move { api::my_patients(&token).await }
    });
    let heading = if state.role() == "nurse" { "Ward list" } else { "My patients" };
    view! {
        <section class="panel">
            <h2>{heading}</h2>
            {move || match list.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => { state.error(&e); view! { <p class="error">{e.message}</p> }.into_any() }
                Some(Ok(v)) if v.is_empty() => view! { <p class="muted">"No patients are assigned to you. Search to find one."</p> }.into_any(),
                Some(Ok(v)) => view! { <PatientTable rows=v ward=true/> }.into_any(),
            }}
        </section>
    }
}

#[component]
pub fn PatientTable(rows: Vec<PatientSummary>, #[prop(optional)] ward: bool) -> impl IntoView {
    let state = ui();
    view! {
        <table class="grid" data-testid="patient-table">
            <thead><tr><th>"Name"</th><th>"Born"</th><th>"Age"</th><th>"Sex"</th><th>"MRN"</th><th>"ABHA"</th>{ward.then(|| view! { <th>"Vitals"</th> })}</tr></thead>
            <tbody>
                {rows.into_iter().map(|p| {
                    let id = p.id.clone();
                    view! {
                        <tr tabindex="0" class="clickable"
                            on:click={let id = id.clone(); move |_| state.screen.set(Screen::Chart(id.clone()))}
                            on:keydown=move |ev| if ev.key() == "Enter" { state.screen.set(Screen::Chart(id.clone())) }>
                            <td>{p.display_name}</td>
                            <td>{p.birth_date.unwrap_or_default()}</td>
                            <td>{p.age.unwrap_or_default()}</td>
                            <td>{p.sex.unwrap_or_default()}</td>
                            <td class="mono">{p.mrn.unwrap_or_default()}</td>
                            <td class="mono">{p.abha.unwrap_or_default()}</td>
                            {ward.then(|| {
                                let last = p.last_vitals.as_deref().map(crate::time::recent).unwrap_or_else(|| "never".into());
                                if p.vitals_due {
                                    view! { <td><span class="flag abnormal">"DUE"</span>{format!(" last {last}")}</td> }.into_any()
                                } else {
                                    view! { <td class="muted">{format!("taken {last}")}</td> }.into_any()
                                }
                            })}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
