//! A trend plot drawn as SVG: real axes with units and dates, the reference range shaded,
//! abnormal points marked, blood pressure as systolic and diastolic lines.

use leptos::prelude::*;
use meridian_api::{ObservationRow, unit_display};

const W: f64 = 680.0;
const H: f64 = 260.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 40.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 40.0;

fn millis(rfc3339: &str) -> Option<f64> {
    let t = js_sys::Date::parse(rfc3339);
    (!t.is_nan()).then_some(t)
}

fn date_label(ms: f64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    format!("{:04}-{:02}-{:02}", d.get_full_year(), d.get_month() + 1, d.get_date())
}

/// Round tick step for a span.
fn step(span: f64) -> f64 {
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let n = raw / mag;
    mag * if n < 1.5 { 1.0 } else if n < 3.5 { 2.0 } else if n < 7.5 { 5.0 } else { 10.0 }
}

#[component]
pub fn TrendPlot(rows: Vec<ObservationRow>, title: String) -> impl IntoView {
    // Series: (time, value, flagged). Blood pressure rows carry "s/d" text.
    let mut upper: Vec<(f64, f64, bool)> = Vec::new();
    let mut lower: Vec<(f64, f64, bool)> = Vec::new();
    let unit = rows.iter().find_map(|r| r.unit.as_deref().map(unit_display)).unwrap_or_default();
    let (mut ref_lo, mut ref_hi) = (None, None);
    for r in &rows {
        let Some(t) = r.effective.as_deref().and_then(millis) else { continue };
        let flagged = r.flag.as_deref().is_some_and(|f| f != "N");
        if let Some((s, d)) = r.value_text.as_deref().and_then(|v| v.split_once('/')) {
            if let (Ok(s), Ok(d)) = (s.parse::<f64>(), d.parse::<f64>()) {
                upper.push((t, s, flagged));
                lower.push((t, d, flagged));
                continue;
            }
        }
        if let Some(v) = r.value {
            upper.push((t, v, flagged));
        }
        ref_lo = ref_lo.or(r.reference_low);
        ref_hi = ref_hi.or(r.reference_high);
    }
    upper.sort_by(|a, b| a.0.total_cmp(&b.0));
    lower.sort_by(|a, b| a.0.total_cmp(&b.0));
    if upper.is_empty() {
        return view! { <p class="muted">"No values to plot yet."</p> }.into_any();
    }
    let all = upper.iter().chain(lower.iter());
    let (mut t0, mut t1, mut v0, mut v1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(t, v, _) in all {
        t0 = t0.min(t);
        t1 = t1.max(t);
        v0 = v0.min(v);
        v1 = v1.max(v);
    }
    if let Some(lo) = ref_lo {
        v0 = v0.min(lo);
    }
    if let Some(hi) = ref_hi {
        v1 = v1.max(hi);
    }
    if t1 - t0 < 60_000.0 {
        t0 -= 3_600_000.0;
        t1 += 3_600_000.0;
    }
    let pad = ((v1 - v0) * 0.1).max(1e-6).max(v1.abs() * 0.02);
    let (v0, v1) = (v0 - pad, v1 + pad);
    let ystep = step(v1 - v0);
    let x = move |t: f64| LEFT + (t - t0) / (t1 - t0) * (W - LEFT - RIGHT);
    let y = move |v: f64| TOP + (v1 - v) / (v1 - v0) * (H - TOP - BOTTOM);
    let mut yticks = Vec::new();
    let mut v = (v0 / ystep).ceil() * ystep;
    while v <= v1 {
        yticks.push(v);
        v += ystep;
    }
    let xticks: Vec<f64> = (0..=4).map(|i| t0 + (t1 - t0) * f64::from(i) / 4.0).collect();
    let line = |pts: &[(f64, f64, bool)]| pts.iter().map(|&(t, v, _)| format!("{:.1},{:.1}", x(t), y(v))).collect::<Vec<_>>().join(" ");
    let band = match (ref_lo, ref_hi) {
        (Some(lo), Some(hi)) => Some((y(hi.min(v1)), y(lo.max(v0)))),
        _ => None,
    };
    let decimals = if ystep < 1.0 { 1 } else { 0 };
    let points = |pts: Vec<(f64, f64, bool)>, class: &'static str| {
        pts.into_iter()
            .map(|(t, v, flagged)| {
                view! {
                    <circle cx=format!("{:.1}", x(t)) cy=format!("{:.1}", y(v)) r=if flagged { "5" } else { "3.5" }
                        class=if flagged { format!("{class} flagged") } else { class.to_owned() }>
                        <title>{format!("{} {} {}", date_label(t), v, "")}</title>
                    </circle>
                }
            })
            .collect_view()
    };
    let upper_line = line(&upper);
    let lower_line = line(&lower);
    let has_lower = !lower.is_empty();
    let n = upper.len();
    view! {
        <figure class="plot" data-testid="trend-plot" data-points=n.to_string()>
            <figcaption>{title}{format!(" ({unit})")}</figcaption>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label="trend plot">
                {band.map(|(top, bottom)| view! { <rect class="refband" x=LEFT y=top width=W - LEFT - RIGHT height=(bottom - top).max(0.0)><title>"reference range"</title></rect> })}
                <line class="axis" x1=LEFT y1=H - BOTTOM x2=W - RIGHT y2=H - BOTTOM/>
                <line class="axis" x1=LEFT y1=TOP x2=LEFT y2=H - BOTTOM/>
                {yticks.into_iter().map(|v| view! {
                    <line class="grid" x1=LEFT y1=y(v) x2=W - RIGHT y2=y(v)/>
                    <text class="tick" x=LEFT - 6.0 y=y(v) + 4.0 text-anchor="end">{format!("{v:.decimals$}")}</text>
                }).collect_view()}
                {xticks.into_iter().map(|t| view! {
                    <text class="tick" x=x(t) y=H - BOTTOM + 18.0 text-anchor="middle">{date_label(t)}</text>
                }).collect_view()}
                <text class="unit" x=8 y=TOP - 12.0>{unit.clone()}</text>
                <polyline class="series" points=upper_line/>
                {has_lower.then(|| view! { <polyline class="series lower" points=lower_line/> })}
                {points(upper, "pt")}
                {points(lower, "pt lower")}
            </svg>
        </figure>
    }
    .into_any()
}
