//! Times as clinicians read them: local, with the date; "3 h ago" for the last day.

fn parse(t: &str) -> Option<js_sys::Date> {
    // A date without a time is a calendar day, not midnight UTC: shown as written.
    if t.len() <= 10 {
        return None;
    }
    let ms = js_sys::Date::parse(t);
    (!ms.is_nan()).then(|| js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms)))
}

/// `YYYY-MM-DD HH:MM` in the workstation's time zone (seconds too with `seconds`).
fn format(d: &js_sys::Date, seconds: bool) -> String {
    let mut s = format!("{:04}-{:02}-{:02} {:02}:{:02}", d.get_full_year(), d.get_month() + 1, d.get_date(), d.get_hours(), d.get_minutes());
    if seconds {
        s.push_str(&format!(":{:02}", d.get_seconds()));
    }
    s
}

/// A FHIR instant or dateTime in local time, to the minute; a bare date as written.
pub fn local(t: &str) -> String {
    parse(t).map_or_else(|| t.chars().take(16).collect(), |d| format(&d, false))
}

/// Like [`local`], to the second (audit and interface logs).
pub fn local_seconds(t: &str) -> String {
    parse(t).map_or_else(|| t.chars().take(19).collect(), |d| format(&d, true))
}

/// An instant in local time to the second, or `None` when `t` does not parse as one.
pub fn instant(t: &str) -> Option<String> {
    parse(t).map(|d| format(&d, true))
}

/// "just now", "25 min ago", "3 h ago" within the last day; otherwise [`local`].
pub fn recent(t: &str) -> String {
    let Some(d) = parse(t) else { return local(t) };
    let minutes = ((js_sys::Date::now() - d.get_time()) / 60_000.0).floor();
    if !(0.0..24.0 * 60.0).contains(&minutes) {
        return format(&d, false);
    }
    match minutes as u32 {
        0 => "just now".into(),
        m @ 1..=59 => format!("{m} min ago"),
        m => format!("{} h ago", m / 60),
    }
}
