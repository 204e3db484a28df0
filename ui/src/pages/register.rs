//! Registration with the master patient index's duplicate warning.

use leptos::prelude::*;
use meridian_api::{DuplicateCandidate, RegisterPatient};

use crate::api;
use crate::state::{Screen, ui};

#[component]
pub fn Register() -> impl IntoView {
    let state = ui();
    let family = RwSignal::new(String::new());
    let given = RwSignal::new(String::new());
    let birth = RwSignal::new(String::new());
    let sex = RwSignal::new("female".to_owned());
    let abha = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let duplicates = RwSignal::new(Vec::<DuplicateCandidate>::new());
    let submit = move |confirmed: bool| {
        let req = RegisterPatient {
            family: family.get_untracked(),
            given: given.get_untracked().split_whitespace().map(str::to_owned).collect(),
            birth_date: birth.get_untracked(),
            sex: sex.get_untracked(),
            mrn: None,
            abha: Some(abha.get_untracked()).filter(|a| !a.trim().is_empty()),
            other_identifiers: vec![],
            phone: Some(phone.get_untracked()).filter(|a| !a.trim().is_empty()),
            address_line: None,
            city: None,
            postal_code: None,
            confirmed_not_duplicate: confirmed,
        };
        let token = state.token();
        leptos::task::spawn_local(async move {
            match api::register(&token, &req).await {
                Ok(r) => match r.patient {
                    Some(p) => {
                        for w in r.warnings {
                            state.info(w);
                        }
                        state.screen.set(Screen::Chart(p.id));
                    }
                    None => duplicates.set(r.duplicates),
                },
                Err(e) => {
                    error.set(Some(e.message.clone()));
                    state.error(&e);
                }
            }
        });
    };
    let field = |id: &'static str, label: &'static str, sig: RwSignal<String>, hint: &'static str| view! {
        <label for=id>{label}</label>
        <input id=id placeholder=hint prop:value=move || sig.get() on:input=move |ev| sig.set(event_target_value(&ev))/>
    };
    view! {
        <section class="panel narrow">
            <h2>"Register a patient"</h2>
            <form class="form-grid" on:submit=move |ev| { ev.prevent_default(); submit(false); }>
                {field("reg-family", "Family name", family, "")}
                {field("reg-given", "Given names", given, "")}
                {field("reg-birth", "Birth date", birth, "YYYY-MM-DD")}
                <label for="reg-sex">"Sex"</label>
                <select id="reg-sex" on:change=move |ev| sex.set(event_target_value(&ev))>
                    <option value="female">"Female"</option><option value="male">"Male"</option>
                    <option value="other">"Other"</option><option value="unknown">"Unknown"</option>
                </select>
                {field("reg-abha", "ABHA number", abha, "XX-XXXX-XXXX-XXXX")}
                {field("reg-phone", "Phone", phone, "")}
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <button type="submit" class="primary">"Register"</button>
            </form>
            <Show when=move || !duplicates.with(Vec::is_empty)>
                <div class="card warning" role="alertdialog" data-testid="duplicates">
                    <h3>"This may be a patient we already know"</h3>
                    <ul>
                        {move || duplicates.get().into_iter().map(|d| {
                            let id = d.patient.id.clone();
                            view! {
                                <li>
                                    <button class="link" on:click=move |_| state.screen.set(Screen::Chart(id.clone()))>{d.patient.display_name.clone()}</button>
                                    {format!(" · born {} · MRN {} — {} match ({:.0}%): {}", d.patient.birth_date.clone().unwrap_or_default(), d.patient.mrn.clone().unwrap_or_default(), d.band, d.score * 100.0, d.evidence.join(", "))}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <button class="danger" on:click=move |_| submit(true)>"Register as a new patient anyway"</button>
                </div>
            </Show>
        </section>
    }
}
