//! [`FhirServer`]: helios `hfs` as a child process.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::{Client, Endpoint};

/// How long a start may take before it is reported as failed.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The search parameter definitions `hfs` needs for searches beyond `_id`/`_lastUpdated`
/// (conditional create on `identifier` answers 400 without them).
const SEARCH_PARAMETERS: &str = "search-parameters-r4.json";

/// A running `hfs` on `127.0.0.1:port` with its data in a private temporary directory. The
/// child is killed and the directory removed on drop.
#[derive(Debug)]
pub struct FhirServer {
    /// `http://127.0.0.1:{port}`, the server's FHIR base.
    pub base_url: String,
    pub port: u16,
    child: Option<Child>,
    dir: PathBuf,
    binary: PathBuf,
}

impl FhirServer {
    /// Starts a fresh server and waits (up to 60 s) until `/metadata` answers.
    ///
    /// The binary is `$MERIDIAN_HFS`, else `hfs` on `PATH`, else `~/.cargo/bin/hfs`
    /// (install: `cargo install helios-hfs --locked`). The search parameter bundle is
    /// `$MERIDIAN_FHIR_SEARCH_PARAMS`, else `shared/fhir/search-parameters-r4.json` in a folder
    /// above this crate or the working directory.
    pub async fn start() -> Result<Self, String> {
        let binary = find_binary()?;
        let params = find_search_parameters()?;
        let mut last_error = String::new();
        // A port found free can be taken by someone else before hfs binds it; try a few.
        for _ in 0..3 {
            let dir = fresh_dir()?;
            fs::copy(&params, dir.join(SEARCH_PARAMETERS)).map_err(|e| {
                format!("copying the search parameters into {}: {e}", dir.display())
            })?;
            let port = free_port()?;
            let mut server = Self {
                base_url: format!("http://127.0.0.1:{port}"),
                port,
                child: None,
                dir,
                binary: binary.clone(),
            };
            match server.spawn_and_wait().await {
                Ok(()) => return Ok(server),
                Err(e) => last_error = e,
            }
        }
        Err(last_error)
    }

    /// The server's data directory (database, log).
    pub fn data_dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the child process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// The server's log so far (stdout and stderr), for failure messages.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("hfs.log")).unwrap_or_default()
    }

    /// Kills the server (as a crash would) and waits for it to exit. The data stays.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the server if it runs, then starts it again on the same port with the same data,
    /// and waits until `/metadata` answers.
    pub async fn restart(&mut self) -> Result<(), String> {
        self.stop();
        self.spawn_and_wait().await
    }

    async fn spawn_and_wait(&mut self) -> Result<(), String> {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("hfs.log"))
            .map_err(|e| format!("opening the server log: {e}"))?;
        let log2 = log
            .try_clone()
            .map_err(|e| format!("opening the server log: {e}"))?;
        let child = Command::new(&self.binary)
            .current_dir(&self.dir)
            .env("HFS_SERVER_PORT", self.port.to_string())
            .env("HFS_SERVER_HOST", "127.0.0.1")
            .env("HFS_DATA_DIR", &self.dir)
            .env("DATABASE_URL", self.dir.join("fhir.db"))
            .env("HFS_BASE_URL", &self.base_url)
            .env("HFS_LOG_LEVEL", "warn")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", self.binary.display()))?;
        self.child = Some(child);
        let client =
            Client::new(Endpoint::new(&self.base_url).with_timeout(Duration::from_secs(5)))
                .map_err(|e| e.to_string())?;
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if !self.is_running() {
                let log = self.log();
                self.child = None;
                return Err(format!(
                    "hfs exited during start on port {}; log:\n{}",
                    self.port,
                    tail(&log)
                ));
            }
            if client.capabilities().await.is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.stop();
                return Err(format!(
                    "hfs did not answer /metadata within {}s; log:\n{}",
                    START_TIMEOUT.as_secs(),
                    tail(&self.log())
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for FhirServer {
    fn drop(&mut self) {
        self.stop();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn tail(log: &str) -> &str {
    let start = log.len().saturating_sub(4000);
    let start = (start..log.len())
        .find(|i| log.is_char_boundary(*i))
        .unwrap_or(log.len());
    &log[start..]
}

fn find_binary() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("MERIDIAN_HFS") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("MERIDIAN_HFS={} is not a file", path.display()))
        };
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("hfs"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|c| c.join("bin").join("hfs"));
    on_path
        .into_iter()
        .chain(cargo_bin)
        .find(|p| p.is_file())
        .ok_or_else(|| {
            "the FHIR server `hfs` was not found (install it with `cargo install helios-hfs --locked`, or set MERIDIAN_HFS)".to_owned()
        })
}

fn find_search_parameters() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("MERIDIAN_FHIR_SEARCH_PARAMS") {
        return Ok(PathBuf::from(path));
    }
    let starts = [
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR"))),
        std::env::current_dir().ok(),
    ];
    starts
        .into_iter()
        .flatten()
        .flat_map(|s| s.ancestors().map(Path::to_path_buf).collect::<Vec<_>>())
        .map(|a| a.join("shared").join("fhir").join(SEARCH_PARAMETERS))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            format!(
                "shared/fhir/{SEARCH_PARAMETERS} was not found above this crate (set MERIDIAN_FHIR_SEARCH_PARAMS)"
            )
        })
}

/// A port that was free a moment ago: bind port 0 on loopback, read it, let it go.
fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("finding a free port: {e}"))
}

fn fresh_dir() -> Result<PathBuf, String> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!(
        "meridian-hfs-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    Ok(dir)
}
