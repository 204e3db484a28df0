//! UI state shared by every screen.

use leptos::prelude::*;
use meridian_api::{ApiError, ErrorCode, SessionInfo, SyncStatus};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Home,
    Chart(String),
    Register,
    Audit(Option<String>),
}

#[derive(Debug, Clone, Copy)]
pub struct Ui {
    pub session: RwSignal<Option<SessionInfo>>,
    /// The session was locked (idle, or by the user): the lock screen covers everything, and
    /// everything typed underneath stays.
    pub locked: RwSignal<bool>,
    pub screen: RwSignal<Screen>,
    /// A one-line message at the top (saved, refused, ...).
    pub notice: RwSignal<Option<(String, bool)>>,
    pub dark: RwSignal<bool>,
    /// Bumped to ask the search box to take focus.
    pub focus_search: RwSignal<u32>,
    /// The last sync status the core reported (polled while logged in).
    pub sync: RwSignal<Option<SyncStatus>>,
}

impl Ui {
    pub fn new() -> Ui {
        Ui {
            session: RwSignal::new(None),
            locked: RwSignal::new(false),
            screen: RwSignal::new(Screen::Home),
            notice: RwSignal::new(None),
            dark: RwSignal::new(false),
            focus_search: RwSignal::new(0),
            sync: RwSignal::new(None),
        }
    }

    pub fn token(&self) -> String {
        self.session.with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default())
    }

    /// Whether the user's role may take `action` (from the core's permission matrix).
    pub fn can(&self, action: &str) -> bool {
        self.session.with(|s| s.as_ref().is_some_and(|s| s.can(action)))
    }

    pub fn role(&self) -> String {
        self.session.with(|s| s.as_ref().map(|s| s.user.role.clone()).unwrap_or_default())
    }

    pub fn info(&self, message: impl Into<String>) {
        self.notice.set(Some((message.into(), false)));
    }

    /// Shows an error; a lapsed session locks the screen instead, keeping typed input.
    pub fn error(&self, e: &ApiError) {
        if e.code == ErrorCode::SessionExpired {
            self.locked.set(true);
        }
        self.notice.set(Some((e.message.clone(), true)));
    }
}

pub fn ui() -> Ui {
    expect_context::<Ui>()
}
