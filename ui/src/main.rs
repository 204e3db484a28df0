//! Meridian's user interface: Leptos, client-side rendered to wasm, inside the Tauri window.
//!
//! It knows only `meridian-api` (DTOs and error codes) and reaches the core through `api.rs`;
//! no clinical rule lives here. Screens switch on `ErrorCode`, never on message text.

mod api;
mod components;
mod pages;
mod state;
mod time;

use leptos::prelude::*;

fn main() {
    console_error_panic_hook::set_once();
    mount_to_body(pages::Root);
}
