fn main() {
    // Each area is an inlined plugin; its commands are allowed by its default permission,
    // which capabilities/default.json grants to the main window.
    let plugin = |commands: &'static [&'static str]| {
        tauri_build::InlinedPlugin::new().commands(commands).default_permission(tauri_build::DefaultPermissionRule::AllowAllCommands)
    };
    let attributes = tauri_build::Attributes::new()
        .plugin("session", plugin(&["login", "logout", "lock", "unlock", "begin_totp", "confirm_totp", "info"]))
        .plugin("patients", plugin(&["search", "mine", "register", "merge", "break_glass"]))
        .plugin("chart", plugin(&["summary", "encounters", "trend", "record_vitals"]))
        .plugin("notes", plugin(&["list", "save", "sign", "addendum"]))
        .plugin("admin", plugin(&["patient_audit", "verify_audit"]))
        .plugin("sync", plugin(&["status", "conflicts", "resolve", "interface_log"]))
        .plugin("imaging", plugin(&["studies", "retrieve", "import", "series", "open", "render", "measure", "save_annotations", "close"]));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri build script failed: {e:#}");
    }
}
