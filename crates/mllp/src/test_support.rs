//! The python-hl7 peer (tests/peers/hl7_peer.py), for this crate's and other crates' tests.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Python with python-hl7 and hl7apy: `$MERIDIAN_PYTHON`, else the setup's venv.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("MERIDIAN_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/meridian/venv/bin/python");
    if venv.is_file() { venv } else { PathBuf::from("python3") }
}

/// The peer script in the repository.
pub fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/peers/hl7_peer.py")
}

/// A running `hl7_peer.py serve`; killed on drop.
#[derive(Debug)]
pub struct Peer {
    child: Child,
    pub port: u16,
    pub log: PathBuf,
    _dir: tempdir::Dir,
}

impl Peer {
    /// Starts the peer or panics (for tests).
    pub fn start(mode: &str) -> Peer {
        Self::try_start(mode).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts the peer; `mode` is one of ack, validate, silent, stale, close.
    pub fn try_start(mode: &str) -> Result<Peer, String> {
        let dir = tempdir::Dir::new();
        let port_file = dir.path.join("port");
        let log = dir.path.join("log.jsonl");
        let mut child = Command::new(python())
            .arg(script())
            .args(["serve", "--mode", mode, "--port-file"])
            .arg(&port_file)
            .arg("--log")
            .arg(&log)
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| format!("start the python-hl7 peer (scripts/setup installs it): {e}"))?;
        let started = Instant::now();
        let port = loop {
            if let Some(port) = std::fs::read_to_string(&port_file).ok().and_then(|t| t.trim().parse().ok()) {
                break port;
            }
            if started.elapsed() > Duration::from_secs(30) || child.try_wait().ok().flatten().is_some() {
                let _ = child.kill();
                return Err("the python-hl7 peer did not start (is `hl7` installed for MERIDIAN_PYTHON?)".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        Ok(Peer { child, port, log, _dir: dir })
    }

    /// What the peer received: one JSON object per message.
    pub fn received(&self) -> Vec<serde_like::Entry> {
        serde_like::read(&self.log)
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A temporary folder removed on drop.
pub mod tempdir {
    use std::path::PathBuf;

    #[derive(Debug)]
    pub struct Dir {
        pub path: PathBuf,
    }

    impl Dir {
        #[allow(clippy::new_without_default)]
        pub fn new() -> Dir {
            let mut b = [0u8; 8];
            let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
            b.copy_from_slice(&(seed as u64 ^ u64::from(std::process::id()) << 32).to_le_bytes());
            let path = std::env::temp_dir().join(format!("meridian-mllp-{}", u64::from_le_bytes(b)));
            std::fs::create_dir_all(&path).expect("temp dir");
            Dir { path }
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Just enough JSON reading for the peer's log lines (`control_id`, `type`, `valid`).
pub mod serde_like {
    use std::path::Path;

    /// One message the peer received.
    #[derive(Debug)]
    pub struct Entry {
        pub control_id: String,
        pub message_type: String,
        /// hl7apy's strict validation passed (always true outside `validate` mode).
        pub valid: bool,
        pub error: Option<String>,
    }

    fn field(line: &str, key: &str) -> Option<String> {
        let at = line.find(&format!("\"{key}\": "))? + key.len() + 4;
        let rest = &line[at..];
        if let Some(s) = rest.strip_prefix('"') {
            Some(s[..s.find('"')?].to_owned())
        } else {
            Some(rest.split([',', '}']).next()?.trim().to_owned())
        }
    }

    pub fn read(path: &Path) -> Vec<Entry> {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        text.lines()
            .map(|l| Entry {
                control_id: field(l, "control_id").unwrap_or_default(),
                message_type: field(l, "type").unwrap_or_default(),
                valid: field(l, "valid").as_deref() == Some("true"),
                error: field(l, "error").filter(|e| e != "null"),
            })
            .collect()
    }
}
