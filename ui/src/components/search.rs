//! Patient search as you type: Enter opens the first (or highlighted) match.

use leptos::prelude::*;
use meridian_api::PatientSummary;

use crate::api;
use crate::state::{Screen, ui};

#[component]
pub fn SearchBox() -> impl IntoView {
    let state = ui();
    let query = RwSignal::new(String::new());
    let results = RwSignal::new(Vec::<PatientSummary>::new());
    let selected = RwSignal::new(0usize);
    let seq = StoredValue::new(0u32);
    let input = NodeRef::<leptos::html::Input>::new();

    Effect::new(move |_| {
        if state.focus_search.get() > 0 {
            if let Some(i) = input.get_untracked() {
                let _ = i.focus();
                i.select();
            }
        }
    });

    let run = move |q: String| {
        seq.update_value(|s| *s += 1);
        let mine = seq.get_value();
        if q.trim().len() < 2 {
            results.set(Vec::new());
            return;
        }
        let token = state.token();
        leptos::task::spawn_local(async move {
            let r = api::search(&token, &q).await;
            // Only the newest query's answer is shown.
            if seq.get_value() != mine {
                return;
            }
            match r {
                Ok(v) => {
                    results.set(v);
                    selected.set(0);
                }
                Err(e) => state.error(&e),
            }
        });
    };
    let open = move |id: String| {
        results.set(Vec::new());
        query.set(String::new());
        state.screen.set(Screen::Chart(id));
    };
    view! {
        <div class="search" role="search">
            <input id="search" node_ref=input type="search" placeholder="Search patients (/)  name, birth date, MRN, ABHA" aria-label="Search patients"
                autocomplete="off"
                prop:value=move || query.get()
                on:input=move |ev| { let v = event_target_value(&ev); query.set(v.clone()); run(v); }
                on:keydown=move |ev| match ev.key().as_str() {
                    "ArrowDown" => { ev.prevent_default(); selected.update(|s| *s = (*s + 1).min(results.with(|r| r.len().saturating_sub(1)))); }
                    "ArrowUp" => { ev.prevent_default(); selected.update(|s| *s = s.saturating_sub(1)); }
                    "Enter" => if let Some(p) = results.with(|r| r.get(selected.get_untracked()).cloned()) { open(p.id) },
                    "Escape" => { results.set(Vec::new()); query.set(String::new()); }
                    _ => {}
                }/>
            <Show when=move || !results.with(Vec::is_empty)>
                <ul class="results" role="listbox" data-testid="search-results">
                    <For each=move || results.get().into_iter().enumerate() key=|(_, p)| p.id.clone() let:item>
                        {
                            let (i, p) = item;
                            let id = p.id.clone();
                            view! {
                                <li role="option" class:active=move || selected.get() == i aria-selected=move || (selected.get() == i).to_string()
                                    on:mousedown=move |ev| { ev.prevent_default(); open(id.clone()); }>
                                    <strong>{p.display_name.clone()}</strong>
                                    <span class="muted">{format!("  {} · {} · {}", p.birth_date.clone().unwrap_or_default(), p.sex.clone().unwrap_or_default(), p.mrn.clone().unwrap_or_default())}</span>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </Show>
        </div>
    }
}
