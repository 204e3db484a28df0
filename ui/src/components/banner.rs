//! The patient banner: never scrolls away, two identifiers, allergies stated explicitly.

use leptos::prelude::*;
use meridian_api::PatientBanner;

#[component]
pub fn Banner(banner: PatientBanner) -> impl IntoView {
    let p = banner.patient;
    let allergies = match banner.allergy_status.as_str() {
        "nka" => ("No known allergies".to_owned(), "nka"),
        "recorded" => (format!("Allergies: {}", banner.allergies.join(", ")), "allergic"),
        _ => ("Allergies not recorded".to_owned(), "unknown"),
    };
    view! {
        <div class="banner" role="banner" data-testid="patient-banner">
            <div class="who">
                <span class="name" data-testid="banner-name">{p.display_name}</span>
                <span>{format!("{} · {} · born {}", p.age.unwrap_or_default(), p.sex.unwrap_or_default(), p.birth_date.unwrap_or_default())}</span>
            </div>
            <div class="ids">
                <span>"MRN "<b class="mono">{p.mrn.unwrap_or_default()}</b></span>
                {p.abha.map(|a| view! { <span>"ABHA "<b class="mono">{a}</b></span> })}
            </div>
            <div class=format!("allergies {}", allergies.1) data-testid="banner-allergies">{allergies.0}</div>
            <div class="code-status">{format!("Code status: {}", banner.code_status.unwrap_or_else(|| "not documented".into()))}</div>
            {banner.weight_kg.map(|w| view! { <div>{format!("Weight {w:.1} kg")}</div> })}
        </div>
    }
}
