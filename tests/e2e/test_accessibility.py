"""Contrast of what clinicians read, measured in the real window in both themes: WCAG 2.1 AA,
4.5:1 for text and 3:1 for large text (24 px, or 18.66 px bold). The colours are the ones
WebKit computed, against the background actually behind each element."""
from test_desktop import click, login, open_first_listed_patient, shot, wait

# What a clinician reads on the home list and in a chart: identity, allergies, flags, muted
# times and units, links, tabs, tables and the status line.
SELECTORS = [
    "header", "header button.link", "header a",
    ".banner .name", ".banner", "[data-testid=banner-allergies]", ".banner b",
    ".tabs button", ".tabs button.active",
    ".panel h3", ".grid th", ".grid td", ".grid td.muted", ".grid td.when", ".muted",
    ".flag.abnormal", ".flag.critical",
    "footer.status", "footer.status .warn", "footer.status button.link",
    "button.primary", "button",
]

MEASURE = """
const selectors = arguments[0];
function rgb(s) {
  const m = s.match(/rgba?\\(([^)]+)\\)/);
  if (!m) return null;
  const p = m[1].split(',').map(x => parseFloat(x));
  return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
}
function over(top, under) {
  return {r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1};
}
function background(el) {
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const c = rgb(getComputedStyle(e).backgroundColor);
    if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
  }
  let out = {r: 255, g: 255, b: 255, a: 1};
  for (let i = layers.length - 1; i >= 0; i--) out = over(layers[i], out);
  return out;
}
function luminance(c) {
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
}
const found = [];
for (const sel of selectors) {
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || !el.textContent.trim()) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.disabled) continue;
    const bg = background(el);
    const fg = over(rgb(style.color), bg);
    const l1 = luminance(fg), l2 = luminance(bg);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
    found.push({sel, ratio: (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05), large: size >= 24 || (bold && size >= 18.66),
                text: el.textContent.trim().slice(0, 30), color: style.color});
    break;
  }
}
return found;
"""


def failures(driver):
    measured = driver.execute_script(MEASURE, SELECTORS)
    assert len(measured) >= 12, f"too few elements measured: {[m['sel'] for m in measured]}"
    return measured, [
        f"{m['sel']} ({m['color']}, {m['ratio']:.2f}:1)"
        for m in measured
        if m["ratio"] < (3.0 if m["large"] else 4.5)
    ]


def test_text_contrast_meets_wcag_aa_in_light_and_dark_themes(app, demo):
    _, accounts = demo
    login(app, accounts, "dr.garcia")
    open_first_listed_patient(app)
    click(app, "#tab-labs")
    wait(app, ".grid td")
    light, bad_light = failures(app)
    click(app, xpath="//footer//button[normalize-space(.)='Dark theme']")
    wait(app, ".app.dark")
    dark, bad_dark = failures(app)
    shot(app, "18-dark-theme-flowsheet")
    assert not bad_light, f"light theme below WCAG AA: {bad_light}"
    assert not bad_dark, f"dark theme below WCAG AA: {bad_dark}"
    assert {m["sel"] for m in light} == {m["sel"] for m in dark}, "both themes were measured on the same screen"
