//! Imaging in the chart: the patient's studies (PACS and cache), retrieval over DICOMweb or
//! DIMSE, and the viewer. Frames are drawn by the core on the GPU and painted into a canvas;
//! corner text, orientation markers, the scale bar and measurements are drawn over it.
//!
//! Reader conventions: wheel scrolls the stack, Ctrl+wheel zooms, right-drag windows (left/right
//! width, up/down level), left-drag pans; keys: arrows/PageUp/PageDown/Home/End scroll, 1–9 pick
//! presets, L length, A angle, E ellipse ROI, P pan, I invert, R reset, Space cine, Delete
//! removes the last measurement, Esc cancels the tool.

use leptos::prelude::*;
use meridian_api::{
    ImagingStudy, MeasureRequest, Measurement, MprPlane, SavedAnnotation, MprProjection, MprRequest, OpenedSeries,
    OrientationMarkers, RenderRequest, RetrieveVia, SeriesRow,
};
use wasm_bindgen::JsCast;

use crate::api;
use crate::state::ui;

/// The viewport: the window's width, and its height below the sticky header, banner and the
/// viewer's toolbar (the viewer scrolls to just under the banner when it opens).
fn viewport(columns: u32) -> (u32, u32) {
    let w = web_sys::window();
    let dim = |v: Option<Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>>| v.and_then(Result::ok).and_then(|v| v.as_f64()).unwrap_or(800.0);
    let width = (dim(w.as_ref().map(web_sys::Window::inner_width)) - 40.0) / f64::from(columns.max(1)) - if columns > 1 { 8.0 } else { 0.0 };
    // Side by side, each toolbar wraps onto a second and third row.
    let height = dim(w.as_ref().map(web_sys::Window::inner_height)) - if columns > 1 { 270.0 } else { 190.0 };
    (width.clamp(320.0, 2048.0) as u32, height.clamp(320.0, 2048.0) as u32)
}

/// The hanging protocol's prior of a study, and how to retrieve it when it is not here.
#[derive(Clone)]
struct PriorStudy {
    study_uid: String,
    date: Option<String>,
    fetch: Option<RetrieveVia>,
}

#[component]
pub fn Imaging(patient_id: String) -> impl IntoView {
    let state = ui();
    let reload = RwSignal::new(0u32);
    let busy = RwSignal::new(None::<String>);
    let opened = RwSignal::new(None::<OpenedSeries>);
    let series = RwSignal::new(None::<(String, Vec<SeriesRow>)>);
    // Hanging protocol: a CT or MR opens beside the same patient's latest earlier study of that
    // modality (retrieved first when it is only on the PACS); their stacks scroll together.
    let prior = RwSignal::new(None::<OpenedSeries>);
    let link = RwSignal::new(None::<(u8, f64)>);
    let relink = RwSignal::new(0u32);
    let pid = StoredValue::new(patient_id);
    let studies = LocalResource::new(move || {
        reload.get();
        let token = state.token();
        let pid = pid.get_value();
        async move { api::imaging_studies(&token, &pid).await }
    });
    let open_one = move |study_uid: String, series_uid: String, prior_study: Option<PriorStudy>| {
        let token = state.token();
        let pid = pid.get_value();
        busy.set(Some("Opening series…".into()));
        leptos::task::spawn_local(async move {
            for old in [opened.get_untracked(), prior.get_untracked()].into_iter().flatten() {
                let _ = api::close_series(&token, &old.handle).await;
            }
            opened.set(None);
            prior.set(None);
            link.set(None);
            // The prior's first series of the same modality. A prior here opens first, so that
            // the layout is known when the current one appears; one only on the PACS is
            // retrieved after the current one is on screen, then hung beside it.
            let open_prior = async |p: &str| -> Option<OpenedSeries> {
                let rows = api::imaging_series(&token, &pid, p).await.ok()?;
                match api::open_series(&token, &pid, p, &rows.first()?.series_uid).await {
                    Ok(s) => Some(s),
                    Err(e) => {
                        state.error(&e);
                        None
                    }
                }
            };
            let (here, fetch) = match prior_study {
                Some(PriorStudy { study_uid, date, fetch: Some(via) }) => (None, Some((study_uid, date, via))),
                Some(PriorStudy { study_uid, .. }) => (Some(study_uid), None),
                None => (None, None),
            };
            if let Some(p) = here {
                prior.set(open_prior(&p).await);
            }
            let current = match api::open_series(&token, &pid, &study_uid, &series_uid).await {
                Ok(s) => {
                    let handle = s.handle.clone();
                    opened.set(Some(s));
                    Some(handle)
                }
                Err(e) => {
                    state.error(&e);
                    None
                }
            };
            if let (Some(current), Some((p, date, via))) = (current, fetch) {
                busy.set(Some(format!("Retrieving the prior ({}) over {}…", date.as_deref().unwrap_or("undated"), via_name(via))));
                match api::retrieve_study(&token, &pid, &p, via).await {
                    Ok(_) => {
                        reload.update(|n| *n += 1);
                        let hung = open_prior(&p).await;
                        // Hung only beside the series it was fetched for: the reader may have
                        // opened another meanwhile.
                        match hung {
                            Some(s) if opened.with_untracked(|o| o.as_ref().is_some_and(|o| o.handle == current)) => prior.set(Some(s)),
                            Some(s) => {
                                let _ = api::close_series(&token, &s.handle).await;
                            }
                            None => {}
                        }
                    }
                    Err(e) => state.error(&e),
                }
            }
            busy.set(None);
        });
    };
    // The core names each study's prior (the hanging protocol); the list is already loaded.
    let prior_of = move |study_uid: &str| -> Option<PriorStudy> {
        let list = studies.get_untracked()?.ok()?;
        let this = list.studies.iter().find(|s| s.study_uid == study_uid)?;
        let uid = this.prior_study_uid.clone()?;
        let date = list.studies.iter().find(|s| s.study_uid == uid).and_then(|p| p.date.clone());
        Some(PriorStudy { study_uid: uid, date, fetch: this.prior_retrieve_via })
    };
    let open_study = move |study_uid: String| {
        let token = state.token();
        let pid = pid.get_value();
        let prior_study = prior_of(&study_uid);
        leptos::task::spawn_local(async move {
            match api::imaging_series(&token, &pid, &study_uid).await {
                Ok(rows) => {
                    let first = rows.first().map(|r| r.series_uid.clone());
                    series.set(Some((study_uid.clone(), rows)));
                    if let Some(s) = first {
                        open_one(study_uid, s, prior_study);
                    }
                }
                Err(e) => state.error(&e),
            }
        });
    };
    let retrieve = move |study_uid: String, via: RetrieveVia| {
        let token = state.token();
        let pid = pid.get_value();
        let how = via_name(via);
        busy.set(Some(format!("Retrieving over {how}…")));
        leptos::task::spawn_local(async move {
            match api::retrieve_study(&token, &pid, &study_uid, via).await {
                Ok(r) => {
                    let mut msg = format!("Retrieved {} images over {how} ({:.1} MB)", r.instances, r.bytes as f64 / 1e6);
                    if r.presentation_states > 0 {
                        msg.push_str(&format!(" with {} saved measurement sets", r.presentation_states));
                    }
                    if r.refused_other_patient > 0 {
                        msg.push_str(&format!("; {} images of another patient refused", r.refused_other_patient));
                    }
                    if r.not_images > 0 {
                        msg.push_str(&format!("; {} non-image objects not shown", r.not_images));
                    }
                    state.info(msg);
                    reload.update(|n| *n += 1);
                }
                Err(e) => state.error(&e),
            }
            busy.set(None);
        });
    };
    let folder = RwSignal::new(String::new());
    let outside = RwSignal::new(false);
    let import = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let token = state.token();
        let pid = pid.get_value();
        let (f, o) = (folder.get_untracked(), outside.get_untracked());
        busy.set(Some("Importing…".into()));
        leptos::task::spawn_local(async move {
            match api::import_images(&token, &pid, &f, o).await {
                Ok(r) => {
                    let mut msg = format!("Imported {} images in {} studies", r.instances, r.studies);
                    if r.matched_by_demographics > 0 {
                        msg.push_str(&format!(" ({} outside images matched by name and birth date)", r.matched_by_demographics));
                    }
                    if r.refused_other_patient > 0 {
                        msg.push_str(&format!("; {} images of another patient refused", r.refused_other_patient));
                    }
                    if r.not_images > 0 {
                        msg.push_str(&format!("; {} other files skipped", r.not_images));
                    }
                    state.info(msg);
                    reload.update(|n| *n += 1);
                }
                Err(e) => state.error(&e),
            }
            busy.set(None);
        });
    };
    view! {
        <div class="imaging" data-testid="imaging">
            {move || busy.get().map(|b| view! { <p class="muted" role="status">{b}</p> })}
            <details class="import">
                <summary>"Import from a folder or CD (DICOMDIR)"</summary>
                <form on:submit=import class="row">
                    <label for="import-folder">"Folder"</label>
                    <input id="import-folder" placeholder="/media/cdrom" prop:value=move || folder.get() on:input=move |ev| folder.set(event_target_value(&ev))/>
                    <label><input type="checkbox" prop:checked=move || outside.get() on:change=move |ev| outside.set(event_target_checked(&ev))/>" Outside images: match by family name and birth date"</label>
                    <button type="submit">"Import"</button>
                </form>
            </details>
            {move || match studies.get() {
                None => view! { <p class="muted">"Asking the PACS…"</p> }.into_any(),
                Some(Err(e)) => { state.error(&e); view! { <p class="error" role="alert">{e.message}</p> }.into_any() }
                Some(Ok(list)) => {
                    let note = match (&list.pacs_error, list.pacs_configured) {
                        (Some(e), _) => Some(format!("{e}. Studies already on this workstation are listed.")),
                        (None, false) => Some("No PACS is configured for this workstation; only studies already here are listed.".to_owned()),
                        _ => None,
                    };
                    view! {
                        {note.map(|n| view! { <p class="warning-line" role="status">{n}</p> })}
                        {if list.studies.is_empty() {
                            view! { <p class="muted" data-testid="no-studies">"No imaging studies for this patient."</p> }.into_any()
                        } else {
                            view! {
                                <table class="studies" data-testid="studies">
                                    <thead><tr><th>"Date"</th><th>"Modality"</th><th>"Description"</th><th>"Accession"</th><th>"Images"</th><th></th></tr></thead>
                                    <tbody>
                                        {let options = list.retrieve_options.clone(); list.studies.into_iter().map(|s| study_row(s, options.clone(), retrieve, open_study)).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                    }.into_any()
                }
            }}
            {move || series.get().map(|(study_uid, rows)| {
                let study = StoredValue::new(study_uid);
                view! {
                    <div class="series-strip" data-testid="series">
                        {rows.into_iter().map(|r| {
                            let uid = r.series_uid.clone();
                            let label = format!("{} {} · {} im", r.modality.clone().unwrap_or_default(), r.description.clone().unwrap_or_else(|| format!("Series {}", r.number.unwrap_or(0))), r.instances);
                            let thumb = r.thumbnail.clone();
                            view! {
                                <button class="series-button" data-testid="series-button" on:click=move |_| open_one(study.get_value(), uid.clone(), None)>
                                    {thumb.map(|src| view! { <img src=src width="64" height="64" alt="" data-testid="thumbnail"/> })}
                                    <span>{label}</span>
                                </button>
                            }
                        }).collect_view()}
                    </div>
                }
            })}
            {move || prior.with(Option::is_some).then(|| view! {
                <div class="hanging-bar" data-testid="hanging">
                    <span>"Current (left) and prior (right); scrolling is linked."</span>
                    <button data-testid="relink" on:click=move |_| relink.update(|n| *n += 1)>"Re-link at these images"</button>
                    <button on:click=move |_| { link.set(None); prior.set(None); }>"Hide prior"</button>
                </div>
            })}
            <div class="hanging">
                {move || opened.get().map(|s| {
                    let two = prior.get_untracked().is_some();
                    view! { <Viewer series=s columns=if two { 2 } else { 1 } sync=(link, relink, 0) label=if two { "Current" } else { "" }/> }
                })}
                {move || prior.get().map(|s| view! { <Viewer series=s columns=2 sync=(link, relink, 1) label="Prior"/> })}
            </div>
        </div>
    }
}

/// How a retrieval is named to the reader.
fn via_name(via: RetrieveVia) -> &'static str {
    match via {
        RetrieveVia::Dicomweb => "DICOMweb",
        RetrieveVia::Dimse => "DIMSE",
        RetrieveVia::DimseMove => "C-MOVE",
    }
}

fn study_row(
    s: ImagingStudy,
    options: Vec<RetrieveVia>,
    retrieve: impl Fn(String, RetrieveVia) + Copy + 'static,
    open: impl Fn(String) + Copy + 'static,
) -> impl IntoView {
    let uid = StoredValue::new(s.study_uid.clone());
    let images = match (s.on_pacs, s.cached_instances) {
        (true, 0) => format!("{} on PACS", s.remote_instances),
        (true, c) => format!("{} on PACS · {c} here", s.remote_instances),
        (false, c) => format!("{c} here (not on PACS now)"),
    };
    let cached = s.cached_instances > 0;
    view! {
        <tr data-study=s.study_uid.clone()>
            <td class="mono">{s.date.unwrap_or_default()}</td>
            <td>{s.modalities.join(", ")}</td>
            <td>{s.description.unwrap_or_default()}</td>
            <td class="mono">{s.accession.unwrap_or_default()}</td>
            <td data-testid="study-images">{images}</td>
            <td class="actions">
                {s.on_pacs.then(|| options.into_iter().map(|via| {
                    let id = match via {
                        RetrieveVia::Dicomweb => "retrieve-dicomweb",
                        RetrieveVia::Dimse => "retrieve-dimse",
                        RetrieveVia::DimseMove => "retrieve-move",
                    };
                    view! { <button data-testid=id on:click=move |_| retrieve(uid.get_value(), via)>{format!("Retrieve ({})", via_name(via))}</button> }
                }).collect_view())}
                {cached.then(|| view! { <button class="primary" data-testid="open-study" on:click=move |_| open(uid.get_value())>"Open"</button> })}
            </td>
        </tr>
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tool {
    Pan,
    Length,
    Angle,
    Ellipse,
}

impl Tool {
    fn points(self) -> usize {
        match self {
            Tool::Pan => 0,
            Tool::Length | Tool::Ellipse => 2,
            Tool::Angle => 3,
        }
    }
    fn label(self) -> &'static str {
        match self {
            Tool::Pan => "Pan",
            Tool::Length => "Length",
            Tool::Angle => "Angle",
            Tool::Ellipse => "Ellipse ROI",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Annotation {
    frame: u32,
    tool: Tool,
    points: Vec<[f64; 2]>,
    label: String,
}

fn describe(m: &Measurement) -> String {
    let unit = match m.unit.as_str() {
        "deg" => "°".to_owned(),
        u => format!(" {u}"),
    };
    let mut s = format!("{:.1}{unit}", m.value);
    if let Some(st) = &m.stats {
        let u = if st.unit.is_empty() { String::new() } else { format!(" {}", st.unit) };
        s = format!("Area {s} · mean {:.1}{u} · SD {:.1} · min {:.0} · max {:.0}", st.mean, st.sd, st.min, st.max);
    }
    if let Some(n) = &m.note {
        s.push_str(&format!(" ({n})"));
    }
    s
}

/// A viewer. `columns`: how many share the window's width; `sync`: the linked-scrolling bus
/// (who moved and to which position relative to their anchor, in mm), the re-link counter, and
/// this viewer's id.
#[component]
fn Viewer(series: OpenedSeries, #[prop(default = 1)] columns: u32, sync: (RwSignal<Option<(u8, f64)>>, RwSignal<u32>, u8), #[prop(default = "")] label: &'static str) -> impl IntoView {
    let state = ui();
    let s = StoredValue::new(series.clone());
    let sizes_vary = series.sizes_vary;
    let (view_w, view_h) = viewport(columns);
    // Stack mode shows the frames; a plane shows a reformat of the volume.
    let mode = RwSignal::new(None::<MprPlane>);
    let mpr = series.mpr.clone();
    let mpr_index = RwSignal::new(mpr.as_ref().map_or([0.0; 4], |m| m.counts.map(|c| f64::from(c / 2))));
    let angle = RwSignal::new(30.0f64);
    let projection = RwSignal::new(MprProjection::Slice);
    let slab = RwSignal::new(10.0f64);
    let source_of = {
        let mpr = mpr.clone();
        let native = [f64::from(series.columns), f64::from(series.rows)];
        move |m: Option<MprPlane>| -> [f64; 2] {
            match (m, &mpr) {
                (Some(MprPlane::Axial), Some(g)) => g.axial,
                (Some(MprPlane::Coronal), Some(g)) => g.coronal,
                (Some(MprPlane::Sagittal), Some(g)) => g.sagittal,
                (Some(MprPlane::Oblique), Some(g)) => g.oblique,
                _ => native,
            }
        }
    };
    let source_of = StoredValue::new(source_of);
    // Within the core's zoom range (0.01 to 64), so that overlays sit where it draws.
    let quarter = RwSignal::new(0u32);
    let flip_h = RwSignal::new(false);
    let flip_v = RwSignal::new(false);
    let fit_of = move |m: Option<MprPlane>| {
        let [w, h] = source_of.with_value(|f| f(m));
        let [w, h] = if quarter.get_untracked() % 2 == 1 { [h, w] } else { [w, h] };
        (f64::from(view_w) / w.max(1.0)).min(f64::from(view_h) / h.max(1.0)).clamp(0.05, 32.0)
    };
    let fit = fit_of(None);
    let frame = RwSignal::new(series.frames / 2);
    let center = RwSignal::new(series.initial.center);
    let width = RwSignal::new(series.initial.width);
    let preset_name = RwSignal::new(series.initial.name.clone());
    let zoom = RwSignal::new(fit);
    let pan = RwSignal::new([0.0f64, 0.0]);
    let invert = RwSignal::new(false);
    let tool = RwSignal::new(Tool::Pan);
    let pending = RwSignal::new(Vec::<[f64; 2]>::new());
    // The latest saved measurements come back with the series.
    let annotations = RwSignal::new(
        series
            .annotations
            .iter()
            .map(|a| {
                let (tool, points) = match &a.measure {
                    MeasureRequest::Length { start, end } => (Tool::Length, vec![*start, *end]),
                    MeasureRequest::Angle { a, vertex, b } => (Tool::Angle, vec![*a, *vertex, *b]),
                    MeasureRequest::Ellipse { corner, opposite } => (Tool::Ellipse, vec![*corner, *opposite]),
                };
                Annotation { frame: a.frame, tool, points, label: a.label.clone() }
            })
            .collect::<Vec<_>>(),
    );
    let saving = RwSignal::new(false);
    let drawn = RwSignal::new(0u32);
    let cine = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let stage = NodeRef::<leptos::html::Div>::new();
    let in_flight = StoredValue::new(false);
    let dirty = StoredValue::new(false);

    let request = move || RenderRequest {
        handle: s.with_value(|s| s.handle.clone()),
        frame: frame.get_untracked(),
        width: view_w,
        height: view_h,
        zoom: zoom.get_untracked(),
        pan: pan.get_untracked(),
        center: center.get_untracked(),
        window: width.get_untracked(),
        invert: invert.get_untracked(),
        quarter_turns: quarter.get_untracked(),
        flip_horizontal: flip_h.get_untracked(),
        flip_vertical: flip_v.get_untracked(),
        mpr: mode.get_untracked().map(|plane| MprRequest {
            plane,
            index: mpr_index.get_untracked()[plane_axis(plane)],
            projection: projection.get_untracked(),
            slab_mm: slab.get_untracked(),
            angle_deg: angle.get_untracked(),
        }),
    };
    let paint = move |bytes: &[u8]| -> Option<()> {
        let canvas = canvas.get_untracked()?;
        let ctx = canvas.get_context("2d").ok()??.dyn_into::<web_sys::CanvasRenderingContext2d>().ok()?;
        let image = web_sys::ImageData::new_with_u8_clamped_array_and_sh(wasm_bindgen::Clamped(bytes), view_w, view_h).ok()?;
        ctx.put_image_data(&image, 0.0, 0.0).ok()
    };
    // A frame that cannot be drawn leaves a black canvas, never the previous image under the
    // new frame's corner text.
    let blank = move || -> Option<()> {
        let canvas = canvas.get_untracked()?;
        let ctx = canvas.get_context("2d").ok()??.dyn_into::<web_sys::CanvasRenderingContext2d>().ok()?;
        ctx.set_fill_style_str("#000");
        ctx.fill_rect(0.0, 0.0, f64::from(view_w), f64::from(view_h));
        Some(())
    };
    // One draw in flight at a time; changes during it ask for one more with the latest state.
    let draw = move || {
        if in_flight.get_value() {
            dirty.set_value(true);
            return;
        }
        in_flight.set_value(true);
        let token = state.token();
        leptos::task::spawn_local(async move {
            loop {
                dirty.set_value(false);
                match api::render_frame(&token, &request()).await {
                    Ok(bytes) => {
                        if paint(&bytes).is_some() {
                            error.set(None);
                            drawn.update(|n| *n += 1);
                        }
                    }
                    Err(e) => {
                        let _ = blank();
                        error.set(Some(e.message.clone()));
                        state.error(&e);
                    }
                }
                if !dirty.get_value() {
                    break;
                }
            }
            in_flight.set_value(false);
        });
    };
    Effect::new(move |_| {
        frame.track();
        center.track();
        width.track();
        zoom.track();
        pan.track();
        invert.track();
        quarter.track();
        flip_h.track();
        flip_v.track();
        mode.track();
        mpr_index.track();
        projection.track();
        slab.track();
        angle.track();
        draw();
    });
    let section = NodeRef::<leptos::html::Section>::new();
    Effect::new(move |_| {
        if let Some(el) = section.get() {
            el.scroll_into_view();
        }
    });
    // Linked scrolling: a reader's move is published as mm from this viewer's anchor (its
    // middle image at first, or the image shown when re-linked); the other viewer shows its
    // image nearest to its own anchor plus that distance.
    let (bus, relink, me) = sync;
    let position = move |f: u32| s.with_value(|s| s.positions.get(f as usize).copied().flatten());
    let anchor = StoredValue::new(position(series.frames / 2));
    let publish = move || {
        if let (Some(p), Some(a)) = (position(frame.get_untracked()), anchor.get_value()) {
            bus.set(Some((me, p - a)));
        }
    };
    Effect::new(move |_| {
        let Some((from, offset)) = bus.get() else { return };
        let Some(a) = anchor.get_value() else { return };
        if from == me {
            return;
        }
        let target = a + offset;
        let nearest = s.with_value(|s| {
            s.positions.iter().enumerate().filter_map(|(i, p)| p.map(|p| (i, (p - target).abs()))).min_by(|x, y| x.1.total_cmp(&y.1)).map(|(i, _)| i as u32)
        });
        if let Some(n) = nearest
            && n != frame.get_untracked()
        {
            frame.set(n);
        }
    });
    Effect::new(move |prev: Option<u32>| {
        let n = relink.get();
        if prev.is_some() {
            anchor.set_value(position(frame.get_untracked()));
        }
        n
    });
    let frames = series.frames;
    let counts = mpr.as_ref().map_or([0; 4], |m| m.counts);
    let step = move |d: i64| match mode.get_untracked() {
        Some(plane) => {
            let i = plane_axis(plane);
            let n = f64::from(counts[i].max(1));
            mpr_index.update(|x| x[i] = (x[i] + d as f64).clamp(0.0, n - 1.0));
        }
        None => {
            let n = i64::from(frames);
            frame.update(|f| *f = (i64::from(*f) + d).clamp(0, n - 1) as u32);
            publish();
        }
    };
    let set_mode = move |m: Option<MprPlane>| {
        mode.set(m);
        zoom.set(fit_of(m));
        pan.set([0.0, 0.0]);
        pending.set(Vec::new());
        tool.set(Tool::Pan);
    };
    // Cine at 10 frames a second, wrapping.
    let _cine = leptos::prelude::set_interval_with_handle(
        move || {
            if cine.get_untracked() && mode.get_untracked().is_none() {
                frame.update(|f| *f = (*f + 1) % frames.max(1));
            }
        },
        std::time::Duration::from_millis(100),
    )
    .ok();
    on_cleanup(move || {
        if let Some(h) = _cine {
            h.clear();
        }
    });

    // The core's transform: out = centre + pan + R(quarter turns) * zoom * F * (q - source centre),
    // F flipping the source axes first.
    let to_image = move |x: f64, y: f64| -> [f64; 2] {
        let [cols, rows] = source_of.with_value(|f| f(mode.get_untracked()));
        let (z, p) = (zoom.get_untracked(), pan.get_untracked());
        let (cos, sin) = turn(quarter.get_untracked());
        let (fx, fy) = (if flip_h.get_untracked() { -1.0 } else { 1.0 }, if flip_v.get_untracked() { -1.0 } else { 1.0 });
        let (dx, dy) = (x - f64::from(view_w) / 2.0 - p[0], y - f64::from(view_h) / 2.0 - p[1]);
        let (ux, uy) = (cos * dx + sin * dy, -sin * dx + cos * dy);
        [fx * ux / z + cols / 2.0, fy * uy / z + rows / 2.0]
    };
    let to_screen = move |q: [f64; 2]| -> [f64; 2] {
        let [cols, rows] = source_of.with_value(|f| f(mode.get()));
        let (z, p) = (zoom.get(), pan.get());
        let (cos, sin) = turn(quarter.get());
        let (fx, fy) = (if flip_h.get() { -1.0 } else { 1.0 }, if flip_v.get() { -1.0 } else { 1.0 });
        let (dx, dy) = ((q[0] - cols / 2.0) * fx * z, (q[1] - rows / 2.0) * fy * z);
        [f64::from(view_w) / 2.0 + p[0] + cos * dx - sin * dy, f64::from(view_h) / 2.0 + p[1] + sin * dx + cos * dy]
    };
    let local = move |ev: &web_sys::MouseEvent| -> Option<(f64, f64)> {
        let el = stage.get_untracked()?;
        let r = el.get_bounding_client_rect();
        Some((f64::from(ev.client_x()) - r.left(), f64::from(ev.client_y()) - r.top()))
    };
    let finish = move |points: Vec<[f64; 2]>, t: Tool| {
        let req = match (t, points.as_slice()) {
            (Tool::Length, [a, b]) => MeasureRequest::Length { start: *a, end: *b },
            (Tool::Angle, [a, v, b]) => MeasureRequest::Angle { a: *a, vertex: *v, b: *b },
            (Tool::Ellipse, [a, b]) => MeasureRequest::Ellipse { corner: *a, opposite: *b },
            _ => return,
        };
        let token = state.token();
        let handle = s.with_value(|s| s.handle.clone());
        let f = frame.get_untracked();
        leptos::task::spawn_local(async move {
            match api::measure(&token, &handle, f, &req).await {
                Ok(m) => annotations.update(|a| a.push(Annotation { frame: f, tool: t, points, label: describe(&m) })),
                Err(e) => state.error(&e),
            }
        });
    };
    let drag = StoredValue::new(None::<(i16, f64, f64)>);
    let on_down = move |ev: web_sys::MouseEvent| {
        ev.prevent_default();
        if let Some(el) = stage.get_untracked() {
            let _ = el.focus();
        }
        if let Some((x, y)) = local(&ev) {
            drag.set_value(Some((ev.button(), x, y)));
        }
    };
    let on_move = move |ev: web_sys::MouseEvent| {
        let (Some((button, x0, y0)), Some((x, y))) = (drag.get_value(), local(&ev)) else { return };
        let (dx, dy) = (x - x0, y - y0);
        if button == 2 {
            // Right-drag: horizontal changes the width, vertical the level (down = higher).
            let k = (width.get_untracked() / 256.0).max(0.5);
            width.update(|w| *w = (*w + dx * k).max(1.0));
            center.update(|c| *c += dy * k);
            preset_name.set("Custom".into());
        } else if button == 0 && tool.get_untracked() == Tool::Pan {
            pan.update(|p| *p = [p[0] + dx, p[1] + dy]);
        }
        drag.set_value(Some((button, x, y)));
    };
    let on_up = move |_ev: web_sys::MouseEvent| drag.set_value(None);
    let on_click = move |ev: web_sys::MouseEvent| {
        let t = tool.get_untracked();
        if ev.button() != 0 || t == Tool::Pan || mode.get_untracked().is_some() {
            return;
        }
        let Some((x, y)) = local(&ev) else { return };
        let mut points = pending.get_untracked();
        points.push(to_image(x, y));
        if points.len() >= t.points() {
            pending.set(Vec::new());
            finish(points, t);
        } else {
            pending.set(points);
        }
    };
    let on_wheel = move |ev: web_sys::WheelEvent| {
        ev.prevent_default();
        let up = ev.delta_y() < 0.0;
        if ev.ctrl_key() {
            zoom.update(|z| *z = if up { *z * 1.1 } else { *z / 1.1 }.clamp(0.05, 32.0));
        } else {
            step(if up { -1 } else { 1 });
        }
    };
    let presets = series.presets.clone();
    let set_tool = move |t: Tool| {
        pending.set(Vec::new());
        // Measurements are taken on the acquired images, all of the series' size.
        tool.set(if mode.get_untracked().is_some() || sizes_vary { Tool::Pan } else { t });
    };
    let reset = move || {
        quarter.set(0);
        flip_h.set(false);
        flip_v.set(false);
        zoom.set(fit_of(mode.get_untracked()));
        pan.set([0.0, 0.0]);
        invert.set(false);
        s.with_value(|s| {
            center.set(s.initial.center);
            width.set(s.initial.width);
            preset_name.set(s.initial.name.clone());
        });
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let key = ev.key();
        let handled = match key.as_str() {
            "ArrowUp" | "ArrowLeft" => { step(-1); true }
            "ArrowDown" | "ArrowRight" => { step(1); true }
            "PageUp" => { step(-10); true }
            "PageDown" => { step(10); true }
            "Home" => { step(-1_000_000); true }
            "End" => { step(1_000_000); true }
            "l" | "L" => { set_tool(Tool::Length); true }
            "a" | "A" => { set_tool(Tool::Angle); true }
            "e" | "E" => { set_tool(Tool::Ellipse); true }
            "p" | "P" => { set_tool(Tool::Pan); true }
            "i" | "I" => { invert.update(|v| *v = !*v); true }
            // Turning wraps at ±180° (the same plane is shown either way round).
            "," if mode.get_untracked() == Some(MprPlane::Oblique) => { angle.update(|a| *a = (*a - 5.0 + 180.0).rem_euclid(360.0) - 180.0); true }
            "." if mode.get_untracked() == Some(MprPlane::Oblique) => { angle.update(|a| *a = (*a + 5.0 + 180.0).rem_euclid(360.0) - 180.0); true }
            "]" => { quarter.update(|q| *q = (*q + 1) % 4); zoom.set(fit_of(mode.get_untracked())); true }
            "[" => { quarter.update(|q| *q = (*q + 3) % 4); zoom.set(fit_of(mode.get_untracked())); true }
            "h" | "H" => { flip_h.update(|v| *v = !*v); true }
            "v" | "V" => { flip_v.update(|v| *v = !*v); true }
            "r" | "R" => { reset(); true }
            "+" | "=" => { zoom.update(|z| *z = (*z * 1.25).min(32.0)); true }
            "-" => { zoom.update(|z| *z = (*z / 1.25).max(0.05)); true }
            " " => { cine.update(|c| *c = !*c); true }
            "Delete" | "Backspace" => { annotations.update(|a| { a.pop(); }); true }
            "Escape" => { set_tool(Tool::Pan); true }
            k if k.len() == 1 && k.as_bytes()[0].is_ascii_digit() && k != "0" => {
                let n = usize::from(k.as_bytes()[0] - b'1');
                if let Some(p) = presets.get(n) {
                    center.set(p.center);
                    width.set(p.width);
                    preset_name.set(p.name.clone());
                }
                true
            }
            _ => false,
        };
        if handled {
            ev.prevent_default();
            ev.stop_propagation();
        }
    };

    let info = series.clone();
    let spacing_x = series.pixel_spacing.map(|s| s[1]);
    let plane_mm = mpr.as_ref().map(|m| m.plane_pixel_mm);
    let mm_per_source_px = move || if mode.get().is_some() { plane_mm } else { spacing_x };
    let markers_of = {
        let (stack, coronal, sagittal) = (series.markers.clone(), mpr.as_ref().and_then(|m| m.coronal_markers.clone()), mpr.as_ref().and_then(|m| m.sagittal_markers.clone()));
        let geometry = mpr.clone();
        move |m: Option<MprPlane>| -> Option<OrientationMarkers> {
            match m {
                Some(MprPlane::Coronal) => coronal.clone(),
                Some(MprPlane::Sagittal) => sagittal.clone(),
                // The oblique plane's letters follow its angle (the app lists them by angle).
                Some(MprPlane::Oblique) => geometry.as_ref().and_then(|g| g.oblique_markers_at(angle.get()).cloned()),
                _ => stack.clone(),
            }
        }
    };
    let can_reformat = mpr.is_some();
    let names = mpr.as_ref().map_or_else(|| ["Axial".to_owned(), "Coronal".to_owned(), "Sagittal".to_owned()], |m| m.names.clone());
    let plane_name = {
        let names = names.clone();
        move |p: MprPlane| if p == MprPlane::Oblique { format!("Oblique {:.0}°", angle.get()) } else { names[plane_axis(p)].clone() }
    };
    let why_not = series.mpr_unavailable.clone().unwrap_or_default();
    let unit = series.unit.clone();
    view! {
        <section class="viewer" node_ref=section data-testid="viewer" data-label=label
            data-frame=move || frame.get().to_string()
            data-center=move || format!("{:.1}", center.get())
            data-width=move || format!("{:.1}", width.get())
            data-zoom=move || format!("{:.3}", zoom.get())
            data-drawn=move || drawn.get().to_string()
            data-tool=move || tool.get().label()>
            {(!info.warnings.is_empty()).then(|| view! {
                <ul class="warning-line" role="status" data-testid="series-warnings">{info.warnings.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}</ul>
            })}
            <div class="viewer-tools" role="toolbar" aria-label="Viewer tools">
                {[Tool::Pan, Tool::Length, Tool::Angle, Tool::Ellipse].into_iter().map(|t| view! {
                    <button class:active=move || tool.get() == t aria-pressed=move || (tool.get() == t).to_string()
                        disabled=move || t != Tool::Pan && (sizes_vary || mode.get().is_some())
                        title=if sizes_vary { "images of this series differ in size: measuring is off" } else { "" }
                        on:click=move |_| set_tool(t)>{t.label()}</button>
                }).collect_view()}
                <button aria-pressed=move || invert.get().to_string() on:click=move |_| invert.update(|v| *v = !*v)>"Invert"</button>
                <button aria-pressed=move || cine.get().to_string() data-testid="cine" on:click=move |_| cine.update(|c| *c = !*c)>{move || if cine.get() { "Stop cine" } else { "Cine" }}</button>
                <button title="Rotate 90° clockwise (])" data-testid="rotate" on:click=move |_| { quarter.update(|q| *q = (*q + 1) % 4); zoom.set(fit_of(mode.get_untracked())); }>"Rotate"</button>
                <button title="Flip left-right (H)" aria-pressed=move || flip_h.get().to_string() on:click=move |_| flip_h.update(|v| *v = !*v)>"Flip"</button>
                <button on:click=move |_| reset()>"Reset"</button>
                <button data-testid="save-annotations" disabled=move || saving.get() || annotations.with(Vec::is_empty)
                    title="Keep the measurements with the images (DICOM presentation state), here and on the PACS"
                    on:click=move |_| {
                        let marks: Vec<SavedAnnotation> = annotations.get_untracked().into_iter().filter_map(|a| {
                            let measure = match (a.tool, a.points.as_slice()) {
                                (Tool::Length, [p, q]) => MeasureRequest::Length { start: *p, end: *q },
                                (Tool::Angle, [p, v, q]) => MeasureRequest::Angle { a: *p, vertex: *v, b: *q },
                                (Tool::Ellipse, [p, q]) => MeasureRequest::Ellipse { corner: *p, opposite: *q },
                                _ => return None,
                            };
                            Some(SavedAnnotation { frame: a.frame, measure, label: a.label })
                        }).collect();
                        let token = state.token();
                        let handle = s.with_value(|s| s.handle.clone());
                        let window = Some((center.get_untracked(), width.get_untracked()));
                        saving.set(true);
                        leptos::task::spawn_local(async move {
                            match api::save_annotations(&token, &handle, &marks, window).await {
                                Ok(r) => {
                                    let what = if r.marks == 1 { "1 measurement".to_owned() } else { format!("{} measurements", r.marks) };
                                    state.info(match (r.stored_on_pacs, r.pacs_error) {
                                        (true, _) => format!("Saved {what} here and on the PACS"),
                                        (false, Some(e)) => format!("Saved {what} here; not on the PACS: {e}"),
                                        (false, None) => format!("Saved {what} here"),
                                    })
                                }
                                Err(e) => state.error(&e),
                            }
                            saving.set(false);
                        });
                    }>"Save"</button>
                <span class="group" role="group" aria-label="Plane">
                    <button aria-pressed=move || mode.get().is_none().to_string() data-testid="plane-stack" on:click=move |_| set_mode(None)>"Stack"</button>
                    {[MprPlane::Axial, MprPlane::Coronal, MprPlane::Sagittal, MprPlane::Oblique].into_iter().map(|p| {
                        let label = if p == MprPlane::Oblique { "Oblique".to_owned() } else { names[plane_axis(p)].clone() };
                        view! {
                            <button aria-pressed=move || (mode.get() == Some(p)).to_string() data-testid=format!("plane-{}", label.to_lowercase())
                                disabled=!can_reformat title=why_not.clone() on:click=move |_| set_mode(Some(p))>{label.clone()}</button>
                        }
                    }).collect_view()}
                </span>
                <select aria-label="Projection" data-testid="projection" disabled=move || mode.get().is_none() on:change=move |ev| projection.set(match event_target_value(&ev).as_str() {
                    "mip" => MprProjection::Mip,
                    "minip" => MprProjection::MinIp,
                    _ => MprProjection::Slice,
                })>
                    <option value="slice">"Thin"</option>
                    <option value="mip">"MIP"</option>
                    <option value="minip">"MinIP"</option>
                </select>
                <label class="slab" title="Oblique: the coronal plane turned about the slice axis (, and . turn by 5°)">"Angle° "<input type="number" min="-180" max="180" step="5" data-testid="angle" disabled=move || mode.get() != Some(MprPlane::Oblique) prop:value=move || angle.get().to_string()
                    on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse::<f64>() { angle.set(v.clamp(-180.0, 180.0)); } }/></label>
                <label class="slab">"Slab mm "<input type="number" min="1" max="500" step="1" data-testid="slab" prop:value=move || slab.get().to_string()
                    on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse::<f64>() { slab.set(v.clamp(1.0, 500.0)); } }/></label>
                <select aria-label="Window preset" on:change=move |ev| {
                    let name = event_target_value(&ev);
                    if let Some(p) = s.with_value(|s| s.presets.iter().find(|p| p.name == name).cloned()) {
                        center.set(p.center);
                        width.set(p.width);
                        preset_name.set(p.name);
                    }
                }>
                    {info.presets.iter().enumerate().map(|(i, p)| view! { <option value=p.name.clone()>{format!("{} {} ({}/{})", i + 1, p.name, p.center, p.width)}</option> }).collect_view()}
                </select>
            </div>
            <div class="stage" node_ref=stage tabindex="0" aria-label="Image: wheel scrolls, right-drag windows, Ctrl+wheel zooms"
                style=format!("width:{view_w}px;height:{view_h}px")
                on:mousedown=on_down on:mousemove=on_move on:mouseup=on_up on:mouseleave=on_up on:click=on_click
                on:wheel=on_wheel on:keydown=on_key on:contextmenu=|ev: web_sys::MouseEvent| ev.prevent_default()>
                <canvas node_ref=canvas width=view_w height=view_h data-testid="viewer-canvas"></canvas>
                <svg class="annotations" width=view_w height=view_h>
                    {move || {
                        let f = frame.get();
                        let stack = mode.get().is_none();
                        annotations.get().into_iter().filter(|a| stack && a.frame == f).map(|a| annotation_svg(a, to_screen)).collect_view()
                    }}
                    {move || pending.get().into_iter().map(|p| { let q = to_screen(p); view! { <circle cx=q[0] cy=q[1] r="3" class="pending"/> } }).collect_view()}
                    {move || scale_bar(mm_per_source_px(), zoom.get(), view_w, view_h)}
                </svg>
                {(!label.is_empty()).then(|| view! { <div class="viewer-label">{label}</div> })}
                <div class="corner tl" data-testid="overlay-patient">
                    <div>{info.patient_name.clone()}</div>
                    <div>{format!("ID {}", info.mrn)}</div>
                    <div>{info.study_date.clone().unwrap_or_default()}</div>
                    <div>{info.study_description.clone().unwrap_or_default()}</div>
                </div>
                <div class="corner tr" data-testid="overlay-series">
                    <div>{format!("{} {}", info.modality.clone().unwrap_or_default(), info.series_description.clone().unwrap_or_default())}</div>
                    <div data-testid="overlay-frame">{move || match mode.get() {
                        None => format!("Im {}/{}", frame.get() + 1, frames),
                        Some(p) => {
                            let i = plane_axis(p);
                            let name = plane_name(p);
                            let how = match projection.get() { MprProjection::Slice => String::new(), MprProjection::Mip => format!(" MIP {:.0} mm", slab.get()), MprProjection::MinIp => format!(" MinIP {:.0} mm", slab.get()) };
                            format!("{name} {}/{}{how}", mpr_index.get()[i] as u32 + 1, counts[i])
                        }
                    }}</div>
                    <div>{move || if mode.get().is_none() { s.with_value(|s| s.positions.get(frame.get() as usize).copied().flatten()).map(|p| format!("Loc {p:.1} mm")).unwrap_or_default() } else { String::new() }}</div>
                </div>
                <div class="corner bl" data-testid="overlay-window">
                    <div>{move || format!("W {:.0} L {:.0} {} {}", width.get(), center.get(), unit, preset_name.get())}</div>
                    <div>{move || format!("Zoom {:.2}x{}", zoom.get(), if invert.get() { " · inverted" } else { "" })}</div>
                </div>
                <div class="corner br">
                    <div>{move || tool.get().label()}</div>
                    <div>{move || if cine.get() { "Cine 10 fps" } else { "" }}</div>
                </div>
                {move || markers_of(mode.get()).map(|m| turn_markers(m, quarter.get(), flip_h.get(), flip_v.get())).map(|m| view! {
                    <div class="marker left" data-testid="marker-left">{m.left}</div>
                    <div class="marker right" data-testid="marker-right">{m.right}</div>
                    <div class="marker top" data-testid="marker-top">{m.top}</div>
                    <div class="marker bottom" data-testid="marker-bottom">{m.bottom}</div>
                })}
            </div>
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="viewer-error">{e}</p> })}
            <ol class="measurements" data-testid="measurements">
                {move || annotations.get().into_iter().map(|a| view! { <li>{format!("Im {} · {}: {}", a.frame + 1, a.tool.label(), a.label)}</li> }).collect_view()}
            </ol>
        </section>
    }
}

/// cos and sin of `q` quarter turns clockwise (exact).
fn turn(q: u32) -> (f64, f64) {
    match q % 4 {
        0 => (1.0, 0.0),
        1 => (0.0, 1.0),
        2 => (-1.0, 0.0),
        _ => (0.0, -1.0),
    }
}

/// Edge letters after flipping and then turning the image clockwise by quarter turns.
fn turn_markers(m: OrientationMarkers, quarter: u32, flip_h: bool, flip_v: bool) -> OrientationMarkers {
    let OrientationMarkers { mut left, mut right, mut top, mut bottom } = m;
    if flip_h {
        std::mem::swap(&mut left, &mut right);
    }
    if flip_v {
        std::mem::swap(&mut top, &mut bottom);
    }
    for _ in 0..quarter % 4 {
        // Clockwise: what was on the left is now at the top.
        (top, right, bottom, left) = (left, top, right, bottom);
    }
    OrientationMarkers { left, right, top, bottom }
}

/// Which of `OpenedSeries::mpr.counts` a plane steps through.
fn plane_axis(p: MprPlane) -> usize {
    match p {
        MprPlane::Axial => 0,
        MprPlane::Coronal => 1,
        MprPlane::Sagittal => 2,
        MprPlane::Oblique => 3,
    }
}

fn annotation_svg(a: Annotation, to_screen: impl Fn([f64; 2]) -> [f64; 2]) -> impl IntoView {
    let p: Vec<[f64; 2]> = a.points.iter().map(|q| to_screen(*q)).collect();
    let label = a.label.clone();
    let anchor = p.last().copied().unwrap_or([0.0, 0.0]);
    let shape = match (a.tool, p.as_slice()) {
        (Tool::Length, [s, e]) => view! { <line x1=s[0] y1=s[1] x2=e[0] y2=e[1]/> }.into_any(),
        (Tool::Angle, [x, v, y]) => view! { <polyline points=format!("{},{} {},{} {},{}", x[0], x[1], v[0], v[1], y[0], y[1]) fill="none"/> }.into_any(),
        (Tool::Ellipse, [c, o]) => view! {
            <ellipse cx=(c[0] + o[0]) / 2.0 cy=(c[1] + o[1]) / 2.0 rx=(o[0] - c[0]).abs() / 2.0 ry=(o[1] - c[1]).abs() / 2.0 fill="none"/>
        }.into_any(),
        _ => view! { <g/> }.into_any(),
    };
    view! {
        <g class="annotation">
            {shape}
            <text x=anchor[0] + 8.0 y=anchor[1] - 8.0>{label}</text>
        </g>
    }
}

/// A scale bar of a round length near 100 screen pixels, bottom centre.
fn scale_bar(mm_per_source_px: Option<f64>, zoom: f64, view_w: u32, view_h: u32) -> Option<impl IntoView> {
    let mm_per_px = mm_per_source_px? / zoom;
    if !(mm_per_px.is_finite() && mm_per_px > 0.0) {
        return None;
    }
    let target = 100.0 * mm_per_px;
    let mm = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0].into_iter().rev().find(|m| *m <= target).unwrap_or(1.0);
    let px = mm / mm_per_px;
    let (x0, y) = (f64::from(view_w) / 2.0 - px / 2.0, f64::from(view_h) - 14.0);
    Some(view! {
        <g class="scale" data-testid="scale-bar">
            <line x1=x0 y1=y x2=x0 + px y2=y/>
            <text x=x0 + px + 6.0 y=y + 4.0>{if mm >= 10.0 { format!("{} cm", mm / 10.0) } else { format!("{mm} mm") }}</text>
        </g>
    })
}
