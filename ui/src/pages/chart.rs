//! A patient's chart: banner, summary, vitals with entry and trend, lab flowsheet, notes.

use leptos::prelude::*;
use meridian_api::{ChartSummary, ConflictChoice, ErrorCode, ObservationRow, RecordVitals, SyncConflict, VitalEntry, unit_display};

use crate::api;
use crate::components::banner::Banner;
use crate::components::plot::TrendPlot;
use crate::pages::imaging::Imaging;
use crate::pages::notes::Notes;
use crate::state::ui;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Summary,
    Vitals,
    Labs,
    Encounters,
    Notes,
    Imaging,
}

#[component]
pub fn Chart(patient_id: String) -> impl IntoView {
    let state = ui();
    let reload = RwSignal::new(0u32);
    let needs_glass = RwSignal::new(false);
    let pid = patient_id.clone();
    let summary = LocalResource::new(move || {
        reload.get();
        let token = state.token();
        let pid = pid.clone();
        async move { api::chart(&token, &pid).await }
    });
    let tab = RwSignal::new(Tab::Summary);
    let pid = StoredValue::new(patient_id);
    // Read once: tracking the session here would rebuild the chart (and lose typed text) when
    // a lock or unlock refreshes it.
    let can_images = state.session.with_untracked(|s| s.as_ref().is_some_and(|s| s.can("view-images")));
    view! {
        {move || match summary.get() {
            None => view! { <p class="muted">"Opening chart…"</p> }.into_any(),
            Some(Err(e)) if e.code == ErrorCode::BreakGlassRequired => {
                needs_glass.set(true);
                view! { <BreakGlass patient_id=pid.get_value() on_done=move || reload.update(|n| *n += 1)/> }.into_any()
            }
            Some(Err(e)) => { state.error(&e); view! { <p class="error" role="alert">{e.message}</p> }.into_any() }
            Some(Ok(c)) => {
                let banner = c.banner.clone();
                view! {
                    <Banner banner=banner/>
                    <Conflicts patient_id=pid.get_value() on_done=move || reload.update(|n| *n += 1)/>
                    <div class="tabs" role="tablist">
                        {[(Tab::Summary, "Summary"), (Tab::Vitals, "Vitals"), (Tab::Labs, "Labs"), (Tab::Encounters, "Encounters"), (Tab::Notes, "Notes"), (Tab::Imaging, "Imaging")].into_iter().filter(|(t, _)| *t != Tab::Imaging || can_images).map(|(t, label)| view! {
                            <button role="tab" id=format!("tab-{}", label.to_lowercase()) class:active=move || tab.get() == t aria-selected=move || (tab.get() == t).to_string()
                                on:click=move |_| tab.set(t)>{label}</button>
                        }).collect_view()}
                    </div>
                    {move || {
                        let c = c.clone();
                        match tab.get() {
                            Tab::Summary => view! { <Summary chart=c/> }.into_any(),
                            Tab::Vitals => view! { <Vitals patient_id=pid.get_value() latest=c.latest_vitals on_saved=move || reload.update(|n| *n += 1)/> }.into_any(),
                            Tab::Labs => view! { <Flowsheet patient_id=pid.get_value() rows=c.recent_labs/> }.into_any(),
                            Tab::Encounters => view! { <Encounters patient_id=pid.get_value()/> }.into_any(),
                            Tab::Notes => view! { <Notes patient_id=pid.get_value()/> }.into_any(),
                            Tab::Imaging => view! { <Imaging patient_id=pid.get_value()/> }.into_any(),
                        }
                    }}
                }.into_any()
            }
        }}
    }
}

#[component]
fn BreakGlass(patient_id: String, on_done: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let state = ui();
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let token = state.token();
        let pid = patient_id.clone();
        let r = reason.get_untracked();
        leptos::task::spawn_local(async move {
            match api::break_glass(&token, &pid, &r).await {
                Ok(()) => on_done(),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    view! {
        <form class="card warning" on:submit=submit role="alertdialog" aria-labelledby="btg-title" data-testid="break-glass">
            <h2 id="btg-title">"This patient is not under your care"</h2>
            <p>"You can open the chart in an emergency. State why; the access is recorded and reviewed."</p>
            <label for="btg-reason">"Reason"</label>
            <input id="btg-reason" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <button type="submit" class="danger">"Break the glass"</button>
        </form>
    }
}

#[component]
fn Summary(chart: ChartSummary) -> impl IntoView {
    view! {
        <div class="summary">
            <section class="panel">
                <h3>"Active problems"</h3>
                {if chart.problems.is_empty() { view! { <p class="muted">"None recorded"</p> }.into_any() } else {
                    view! { <ul>{chart.problems.into_iter().map(|p| view! { <li>{p.condition.display}<span class="muted mono">{format!("  {}", p.condition.code.unwrap_or_default())}</span></li> }).collect_view()}</ul> }.into_any()
                }}
            </section>
            <section class="panel">
                <h3>"Allergies"</h3>
                {if chart.allergies.is_empty() { view! { <p class="muted">"Not recorded — ask the patient"</p> }.into_any() } else {
                    view! { <ul>{chart.allergies.into_iter().map(|a| view! { <li>{a.substance.display}{a.criticality.map(|c| format!(" ({c} criticality)"))}<span class="muted">{if a.reactions.is_empty() { String::new() } else { format!(" — {}", a.reactions.join(", ")) }}</span></li> }).collect_view()}</ul> }.into_any()
                }}
            </section>
            <section class="panel">
                <h3>"Active medications"</h3>
                {if chart.medications.is_empty() { view! { <p class="muted">"None recorded"</p> }.into_any() } else {
                    view! { <ul>{chart.medications.into_iter().map(|m| view! { <li>{m.medication.display}<span class="muted">{format!("  {}", m.dosage.unwrap_or_default())}</span></li> }).collect_view()}</ul> }.into_any()
                }}
            </section>
            <section class="panel span2">
                <h3>"Latest vitals"</h3>
                <ObservationTable rows=chart.latest_vitals/>
            </section>
            {
                let abnormal: Vec<ObservationRow> = chart.recent_labs.iter().filter(|r| r.flag.as_deref().is_some_and(|f| f != "N")).take(15).cloned().collect();
                let unsigned = if chart.unsigned_notes > 0 { format!(" · {} unsigned notes", chart.unsigned_notes) } else { String::new() };
                view! {
                    <section class="panel wide">
                        <h3>{format!("Abnormal among the last {} results{unsigned}", chart.recent_labs.len())}</h3>
                        <ObservationTable rows=abnormal/>
                    </section>
                }
            }
        </div>
    }
}

/// A conflicting element's value: an instant in local time (only when the whole value parses
/// as one), a missing one as a dash, anything else as written.
fn shown(v: Option<String>) -> String {
    match v {
        Some(v) if v.as_bytes().get(10) == Some(&b'T') && v.as_bytes()[..4].iter().all(u8::is_ascii_digit) => crate::time::instant(&v).unwrap_or(v),
        Some(v) => v,
        None => "—".into(),
    }
}

fn value(r: &ObservationRow) -> String {
    r.value_text.clone().or_else(|| r.value.map(|v| format!("{v}"))).unwrap_or_else(|| "—".into())
}

/// Flags are shown as letters as well as colour (H, L, HH, LL).
fn flag_cell(flag: Option<String>) -> impl IntoView {
    let f = flag.unwrap_or_default();
    let class = match f.as_str() {
        "HH" | "LL" => "flag critical",
        "H" | "L" => "flag abnormal",
        _ => "flag",
    };
    view! { <span class=class>{if f == "N" { String::new() } else { f }}</span> }
}

fn when(r: &ObservationRow) -> String {
    r.effective.as_deref().map(crate::time::recent).unwrap_or_default()
}

#[component]
fn ObservationTable(rows: Vec<ObservationRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted">"None"</p> }.into_any();
    }
    view! {
        <table class="grid compact">
            <tbody>
                {rows.into_iter().map(|r| view! {
                    <tr>
                        <td>{r.display.clone()}</td>
                        <td class="num">{value(&r)}</td>
                        <td class="muted">{r.unit.as_deref().map(unit_display).unwrap_or_default()}</td>
                        <td>{flag_cell(r.flag.clone())}</td>
                        <td class="muted when">{when(&r)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }.into_any()
}

const VITALS: &[(&str, &str, &str)] = &[
    ("8867-4", "Heart rate", "/min"),
    ("8480-6", "Systolic BP", "mm[Hg]"),
    ("8462-4", "Diastolic BP", "mm[Hg]"),
    ("8310-5", "Temperature", "Cel"),
    ("9279-1", "Respiratory rate", "/min"),
    ("59408-5", "SpO2", "%"),
    ("29463-7", "Weight", "kg"),
];

#[component]
fn Vitals(patient_id: String, latest: Vec<ObservationRow>, on_saved: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let state = ui();
    let values: Vec<RwSignal<String>> = VITALS.iter().map(|_| RwSignal::new(String::new())).collect();
    let values = StoredValue::new(values);
    let plot_code = RwSignal::new("8867-4".to_owned());
    let error = RwSignal::new(None::<String>);
    let reload = RwSignal::new(0u32);
    let pid = StoredValue::new(patient_id);
    let trend = LocalResource::new(move || {
        reload.get();
        let code = plot_code.get();
        let token = state.token();
        let pid = pid.get_value();
        // The blood pressure panel holds both pressures.
        let code = if code == "8480-6" || code == "8462-4" { "85354-9".to_owned() } else { code };
        async move { api::trend(&token, &pid, &code).await }
    });
    let can_record = state.can("record-vitals");
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut entries = Vec::new();
        for (i, (loinc, label, unit)) in VITALS.iter().enumerate() {
            let text = values.with_value(|v| v[i].get_untracked());
            if text.trim().is_empty() {
                continue;
            }
            match text.trim().parse::<f64>() {
                Ok(value) => entries.push(VitalEntry { loinc: (*loinc).into(), value, unit: (*unit).into() }),
                Err(_) => {
                    error.set(Some(format!("{label}: enter a number")));
                    return;
                }
            }
        }
        let req = RecordVitals { patient_id: pid.get_value(), entries, effective: None };
        let token = state.token();
        leptos::task::spawn_local(async move {
            match api::record_vitals(&token, &req).await {
                Ok(rows) => {
                    error.set(None);
                    values.with_value(|v| v.iter().for_each(|s| s.set(String::new())));
                    state.info(format!("Recorded {} vital sign(s)", rows.len()));
                    reload.update(|n| *n += 1);
                    on_saved();
                }
                // Typed values stay in the form on any failure.
                Err(e) => {
                    error.set(Some(e.message.clone()));
                    state.error(&e);
                }
            }
        });
    };
    view! {
        <div class="vitals">
            <section class="panel wide">
                <div class="row">
                    <h3>"Trend"</h3>
                    <select aria-label="Vital to plot" on:change=move |ev| plot_code.set(event_target_value(&ev))>
                        {VITALS.iter().filter(|v| v.0 != "8462-4").map(|(loinc, label, _)| view! {
                            <option value=*loinc selected=move || plot_code.get() == *loinc>{if *loinc == "8480-6" { "Blood pressure" } else { *label }}</option>
                        }).collect_view()}
                    </select>
                </div>
                {move || match trend.get() {
                    None => view! { <p class="muted">"…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="error">{e.message}</p> }.into_any(),
                    Some(Ok(rows)) => {
                        let title = rows.first().map(|r| r.display.clone()).unwrap_or_default();
                        view! { <TrendPlot rows=rows title=title/> }.into_any()
                    }
                }}
            </section>
            <section class="panel span2">
                <h3>"Latest"</h3>
                <ObservationTable rows=latest/>
            </section>
            {can_record.then(|| view! {
                <form class="panel" on:submit=save data-testid="vitals-form">
                    <h3>"Record vitals"</h3>
                    <div class="form-grid">
                        {VITALS.iter().enumerate().map(|(i, (loinc, label, unit))| {
                            let sig = values.with_value(|v| v[i]);
                            view! {
                                <label for=format!("v-{loinc}")>{format!("{label} ({})", unit_display(unit))}</label>
                                <input id=format!("v-{loinc}") inputmode="decimal" prop:value=move || sig.get() on:input=move |ev| sig.set(event_target_value(&ev))/>
                            }
                        }).collect_view()}
                    </div>
                    {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="vitals-error">{e}</p> })}
                    <button type="submit" class="primary" id="save-vitals">"Save vitals"</button>
                </form>
            })}
        </div>
    }
}

#[component]
fn Flowsheet(patient_id: String, rows: Vec<ObservationRow>) -> impl IntoView {
    let state = ui();
    // Columns: the distinct result times, newest first; rows: tests.
    let mut times: Vec<String> = rows.iter().filter_map(|r| r.effective.clone()).collect();
    times.sort();
    times.dedup();
    times.reverse();
    times.truncate(8);
    let mut tests: Vec<(String, String)> = Vec::new();
    for r in &rows {
        let key = r.loinc.clone().unwrap_or_else(|| r.display.clone());
        if !tests.iter().any(|t| t.0 == key) {
            tests.push((key, r.display.clone()));
        }
    }
    let selected = RwSignal::new(None::<(String, String)>);
    let pid = StoredValue::new(patient_id);
    let trend = LocalResource::new(move || {
        let sel = selected.get();
        let token = state.token();
        let pid = pid.get_value();
        async move {
            match sel {
                Some((code, _)) => api::trend(&token, &pid, &code).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let rows = StoredValue::new(rows);
    view! {
        <section class="panel wide">
            <h3>"Laboratory flowsheet"</h3>
            <p class="muted small">"Newest first. H/L abnormal, HH/LL critical. Click a test to plot it."</p>
            <div class="scroll">
                <table class="grid flowsheet" data-testid="flowsheet">
                    <thead><tr><th>"Test"</th>{times.iter().map(|t| view! { <th class="num">{crate::time::local(t)}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {tests.into_iter().map(|(code, display)| {
                            let cells = times.iter().map(|t| {
                                let cell = rows.with_value(|rows| rows.iter().find(|r| r.effective.as_deref() == Some(t.as_str()) && r.loinc.as_deref().unwrap_or(&r.display) == code).cloned());
                                match cell {
                                    Some(r) => view! { <td class="num">{value(&r)}" "{flag_cell(r.flag.clone())}</td> }.into_any(),
                                    None => view! { <td></td> }.into_any(),
                                }
                            }).collect_view();
                            let unit = rows.with_value(|rows| rows.iter().find(|r| r.loinc.as_deref().unwrap_or(&r.display) == code).and_then(|r| r.unit.as_deref().map(unit_display)).unwrap_or_default());
                            let sel = (code.clone(), display.clone());
                            view! {
                                <tr class="clickable" tabindex="0" on:click=move |_| selected.set(Some(sel.clone()))>
                                    <td>{display}<span class="muted small">{format!(" {unit}")}</span></td>
                                    {cells}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {move || match trend.get() {
                Some(Ok(Some(rows))) => {
                    let title = selected.get().map(|s| s.1).unwrap_or_default();
                    view! { <TrendPlot rows=rows title=title/> }.into_any()
                }
                Some(Err(e)) => view! { <p class="error">{e.message}</p> }.into_any(),
                _ => ().into_any(),
            }}
        </section>
    }
}

#[component]
fn Encounters(patient_id: String) -> impl IntoView {
    let state = ui();
    let list = LocalResource::new(move || {
        let token = state.token();
        let pid = patient_id.clone();
        async move { api::encounters(&token, &pid).await }
    });
    let day = |t: Option<String>| t.as_deref().map(crate::time::local).unwrap_or_default();
    view! {
        <section class="panel wide">
            <h3>"Encounters"</h3>
            {move || match list.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => { state.error(&e); view! { <p class="error">{e.message}</p> }.into_any() }
                Some(Ok(v)) if v.is_empty() => view! { <p class="muted">"No encounters recorded"</p> }.into_any(),
                Some(Ok(v)) => view! {
                    <table class="grid compact" data-testid="encounters">
                        <thead><tr><th>"Start"</th><th>"End"</th><th>"Class"</th><th>"Type"</th><th>"Reason"</th><th>"Clinician"</th><th>"Status"</th></tr></thead>
                        <tbody>
                            {v.into_iter().map(|e| view! {
                                <tr>
                                    <td class="when">{day(e.start)}</td>
                                    <td class="when">{day(e.end)}</td>
                                    <td>{e.class.unwrap_or_default()}</td>
                                    <td>{e.kind.unwrap_or_default()}</td>
                                    <td>{e.reason.unwrap_or_default()}</td>
                                    <td>{e.clinician.unwrap_or_default()}</td>
                                    <td>{e.status.unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
}

/// Records of this patient that changed both here and on the hospital's server: both versions
/// side by side (only what differs), and the choice, which the audit trail keeps.
#[component]
fn Conflicts(patient_id: String, on_done: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let state = ui();
    let reload = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        reload.get();
        let token = state.token();
        let pid = patient_id.clone();
        async move { api::sync_conflicts(&token, &pid).await.unwrap_or_default() }
    });
    let decide = move |id: i64, choice: ConflictChoice| {
        let token = state.token();
        leptos::task::spawn_local(async move {
            match api::resolve_conflict(&token, id, choice).await {
                Ok(()) => {
                    state.info(match choice {
                        ConflictChoice::KeepLocal => "Kept this workstation's version; it will be sent to the server",
                        ConflictChoice::TakeServer => "Took the server's version",
                    });
                    reload.update(|n| *n += 1);
                    on_done();
                }
                Err(e) => state.error(&e),
            }
        });
    };
    let row = move |c: SyncConflict| {
        let id = c.id;
        view! {
            <div class="conflict" data-testid="conflict">
                <p>
                    <strong>{format!("{} changed here and on the hospital server", c.kind)}</strong>
                    {if c.server_deleted { " — the server deleted its copy" } else { "" }}
                </p>
                <table class="grid compact">
                    <thead><tr><th>"Element"</th><th>"This workstation"</th><th>"Hospital server"</th></tr></thead>
                    <tbody>
                        {c.fields.into_iter().map(|f| view! {
                            <tr><td title=f.path>{f.label}</td><td>{shown(f.local)}</td><td>{shown(f.server)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <div class="row">
                    <button class="primary" data-testid="keep-local" on:click=move |_| decide(id, ConflictChoice::KeepLocal)>"Keep this workstation's version"</button>
                    <button data-testid="take-server" on:click=move |_| decide(id, ConflictChoice::TakeServer)>"Take the server's version"</button>
                </div>
            </div>
        }
    };
    view! {
        {move || list.get().filter(|v| !v.is_empty()).map(|v| view! {
            <section class="panel wide conflicts" role="alert" aria-label="Sync conflicts">
                <h3>{format!("Sync conflicts ({})", v.len())}</h3>
                {v.into_iter().map(row).collect_view()}
            </section>
        })}
    }
}
