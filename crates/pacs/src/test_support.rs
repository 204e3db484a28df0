//! A real Orthanc (with its DICOMweb and GDCM plugins) as a child process, for this crate's
//! tests and for the app's and the end-to-end tests. Needs the Debian packages `orthanc`,
//! `orthanc-dicomweb` and `orthanc-gdcm`.
//!
//! Each [`Orthanc`] gets its own folder under the system temp dir and free ports on
//! 127.0.0.1; it is stopped (and its folder removed) on drop.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The AE title Orthanc answers to.
pub const ORTHANC_AET: &str = "ORTHANC";
/// The AE title Orthanc knows us by (its `DicomModalities` entry `MERIDIAN`).
pub const MERIDIAN_AET: &str = "MERIDIAN";

const PLUGINS: [&str; 2] = [
    "/usr/share/orthanc/plugins/libOrthancDicomWeb.so",
    "/usr/share/orthanc/plugins/libOrthancGdcm.so",
];

/// A running Orthanc.
#[derive(Debug)]
pub struct Orthanc {
    child: Option<Child>,
    dir: PathBuf,
    http_port: u16,
    dicom_port: u16,
}

/// A free TCP port on 127.0.0.1 (free when asked; another process could take it first).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn unique_dir() -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!(
        "meridian-orthanc-{}-{n}-{nanos}",
        std::process::id()
    ))
}

impl Orthanc {
    /// Starts Orthanc on free ports, knowing our SCP as `MERIDIAN` at `scp_port` on
    /// 127.0.0.1, and waits (up to 60 s) until its REST API answers.
    pub fn start(scp_port: u16) -> std::io::Result<Self> {
        let dir = unique_dir();
        std::fs::create_dir_all(dir.join("db"))?;
        let http_port = free_port()?;
        let dicom_port = free_port()?;
        let config = serde_json::json!({
            "Name": "meridian-test",
            "HttpPort": http_port,
            "DicomPort": dicom_port,
            "DicomAet": ORTHANC_AET,
            "RemoteAccessAllowed": false,
            "AuthenticationEnabled": false,
            "StorageDirectory": dir.join("db"),
            "IndexDirectory": dir.join("db"),
            "DicomModalities": { "MERIDIAN": [MERIDIAN_AET, "127.0.0.1", scp_port] },
            // Our SCU calls with other AE titles in some tests.
            "DicomAlwaysAllowEcho": true,
            "DicomAlwaysAllowStore": true,
            "DicomCheckCalledAet": true,
            "Plugins": PLUGINS,
            "DicomWeb": { "Enable": true, "Root": "/dicom-web/" },
            "ConcurrentJobs": 1,
            "HttpThreadsCount": 8,
        });
        let config_path = dir.join("orthanc.json");
        std::fs::write(&config_path, config.to_string())?;
        let log = std::fs::File::create(dir.join("orthanc.log"))?;
        let child = Command::new("Orthanc")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let mut orthanc = Self {
            child: Some(child),
            dir,
            http_port,
            dicom_port,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if orthanc
                .rest_get("/system")
                .is_ok_and(|(status, _)| status == 200)
            {
                return Ok(orthanc);
            }
            if let Some(child) = orthanc.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(std::io::Error::other(format!(
                    "Orthanc exited at start ({status}); see {}",
                    orthanc.dir.join("orthanc.log").display()
                )));
            }
            if Instant::now() > deadline {
                return Err(std::io::Error::other("Orthanc did not answer within 60 s"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The DICOMweb base URL, with a trailing slash.
    pub fn dicomweb_url(&self) -> String {
        format!("{}/dicom-web/", self.http_url())
    }

    /// The REST API's base URL, without a trailing slash.
    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    /// The DICOM (DIMSE) port on 127.0.0.1.
    pub fn dicom_port(&self) -> u16 {
        self.dicom_port
    }

    /// The DIMSE address, `127.0.0.1:port`.
    pub fn dicom_address(&self) -> String {
        format!("127.0.0.1:{}", self.dicom_port)
    }

    /// Orthanc's AE title.
    pub fn aet(&self) -> &'static str {
        ORTHANC_AET
    }

    /// The folder holding the configuration, log and database.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A plain HTTP/1.0 GET on the REST API: status and body. Enough for readiness checks
    /// and small lookups in tests, without an async runtime.
    pub fn rest_get(&self, path: &str) -> std::io::Result<(u16, Vec<u8>)> {
        self.rest("GET", path, &[])
    }

    /// A plain HTTP/1.0 POST on the REST API (e.g. `/modalities/MERIDIAN/store`).
    pub fn rest_post(&self, path: &str, body: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        self.rest("POST", path, body)
    }

    fn rest(&self, method: &str, path: &str, body: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.http_port))?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )?;
        stream.write_all(body)?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer)?;
        let status = answer
            .get(9..12)
            .and_then(|s| std::str::from_utf8(s).ok())
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other("not an HTTP answer"))?;
        let start = answer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(answer.len(), |p| p + 4);
        Ok((status, answer.split_off(start)))
    }

    /// Stops Orthanc and waits for it to exit (a new one may then use the same folder).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Orthanc {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
