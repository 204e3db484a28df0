use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{self, HeaderValue};
use url::Url;

use super::multipart;
use crate::error::{PacsError, PacsErrorKind};
use crate::model::{Attributes, InstanceSummary, SeriesSummary, StudyQuery, StudySummary, tags};

/// How a [`DicomWebClient`] behaves.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WebOptions {
    /// The limit on one whole request, connection included.
    pub timeout: Duration,
    /// The largest answer read. Whole-study retrievals are the large ones: 2 GiB is a big CT;
    /// the default (1 GiB) protects a workstation from a runaway answer.
    pub max_response_bytes: usize,
}

impl Default for WebOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(120),
            max_response_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// A rendered frame from WADO-RS `/frames`: its media type and bytes (raw pixels for
/// `application/octet-stream`, else the compressed bitstream).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The part's media type, with its parameters (e.g. `transfer-syntax=`).
    pub content_type: Option<String>,
    /// The frame's bytes.
    pub data: Vec<u8>,
}

/// What a STOW-RS request stored and what it did not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StowOutcome {
    /// SOP Instance UIDs the server stored (Referenced SOP Sequence).
    pub stored: Vec<String>,
    /// Instances the server refused (Failed SOP Sequence).
    pub failed: Vec<StowFailure>,
}

/// One instance a STOW-RS request did not store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StowFailure {
    /// Its SOP Instance UID, if the server said.
    pub sop_instance_uid: Option<String>,
    /// The Failure Reason (0008,1197), a DIMSE-style status code.
    pub reason: Option<u16>,
}

/// A DICOMweb client for one server (its base URL, e.g. `http://pacs:8042/dicom-web/`).
/// Cheap to clone; share one per server.
#[derive(Debug, Clone)]
pub struct DicomWebClient {
    http: reqwest::Client,
    base: Arc<Url>,
    options: WebOptions,
}

fn config(reason: &str) -> PacsError {
    PacsError::new(
        "dicomweb setup",
        PacsErrorKind::Config {
            reason: reason.to_owned(),
        },
    )
}

struct Answer {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl DicomWebClient {
    /// A client for the server at `base_url`. Plain `http` is accepted (archives on a
    /// hospital network often speak it); prefer `https`.
    pub fn new(base_url: &str, options: WebOptions) -> Result<Self, PacsError> {
        let mut base = Url::parse(base_url).map_err(|_| {
            config("the DICOMweb base is not an absolute URL (e.g. http://pacs:8042/dicom-web/)")
        })?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(config("the DICOMweb base must use http or https"));
        }
        // `Url::join` replaces the last segment unless the path ends with a slash.
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let http = meridian_http::client(
            options.timeout,
            concat!("meridian-pacs/", env!("CARGO_PKG_VERSION")),
        )
        .map_err(|e| config(&e.to_string()))?;
        Ok(Self {
            http,
            base: Arc::new(base),
            options,
        })
    }

    fn url(&self, operation: &'static str, path: &str) -> Result<Url, PacsError> {
        self.base.join(path).map_err(|_| {
            PacsError::new(
                operation,
                PacsErrorKind::Config {
                    reason: "a UID made an invalid URL (UIDs hold digits and dots only)".into(),
                },
            )
        })
    }

    async fn send(
        &self,
        operation: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Result<Answer, PacsError> {
        let timeout = self.options.timeout;
        let mut response = request
            .send()
            .await
            .map_err(|e| transport_error(operation, &e, timeout))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let limit = self.options.max_response_bytes;
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(PacsError::new(operation, PacsErrorKind::TooLarge { limit }));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| transport_error(operation, &e, timeout))?
        {
            if body.len() + chunk.len() > limit {
                return Err(PacsError::new(operation, PacsErrorKind::TooLarge { limit }));
            }
            body.extend_from_slice(&chunk);
        }
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let kind = match status {
            200..=299 => {
                return Ok(Answer {
                    status,
                    content_type,
                    body,
                });
            }
            404 => PacsErrorKind::NotFound,
            408 | 429 | 500..=599 => PacsErrorKind::Server {
                status,
                retry_after,
            },
            300..=399 => PacsErrorKind::Protocol {
                reason: format!(
                    "the server redirected ({status}); redirects are not followed (use the final URL as the base)"
                ),
            },
            _ => PacsErrorKind::Rejected { status },
        };
        Err(PacsError::new(operation, kind))
    }

    async fn qido(
        &self,
        operation: &'static str,
        path: &str,
        params: &[(String, String)],
    ) -> Result<Vec<Attributes>, PacsError> {
        let mut url = self.url(operation, path)?;
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params);
        }
        let answer = self
            .send(
                operation,
                self.http
                    .get(url)
                    .header(header::ACCEPT, "application/dicom+json"),
            )
            .await?;
        // 204 No Content is how QIDO says "no match".
        if answer.status == 204 || answer.body.is_empty() {
            return Ok(Vec::new());
        }
        json_objects(operation, &answer.body).map(|o| o.iter().map(Attributes::from_json).collect())
    }

    /// QIDO-RS `/studies`: the studies matching `query`.
    pub async fn search_studies(&self, query: &StudyQuery) -> Result<Vec<StudySummary>, PacsError> {
        let mut params: Vec<(String, String)> = query
            .matching_keys()
            .into_iter()
            .map(|(tag, v)| (format!("{tag:08X}"), v))
            .collect();
        params.extend(
            tags::STUDY_RETURN_KEYS
                .iter()
                .map(|t| ("includefield".to_owned(), format!("{t:08X}"))),
        );
        if let Some(limit) = query.limit {
            params.push(("limit".into(), limit.to_string()));
        }
        let found = self.qido("qido studies", "studies", &params).await?;
        Ok(found.iter().filter_map(Attributes::study).collect())
    }

    /// QIDO-RS `/studies/{study}/series`: the series of one study (empty if it is unknown).
    pub async fn search_series(&self, study_uid: &str) -> Result<Vec<SeriesSummary>, PacsError> {
        let path = format!("studies/{}/series", uid_segment("qido series", study_uid)?);
        let params: Vec<(String, String)> = tags::SERIES_RETURN_KEYS
            .iter()
            .map(|t| ("includefield".to_owned(), format!("{t:08X}")))
            .collect();
        let found = self.qido("qido series", &path, &params).await?;
        Ok(found
            .iter()
            .filter_map(Attributes::series)
            .map(|mut s| {
                if s.study_instance_uid.is_empty() {
                    s.study_instance_uid = study_uid.to_owned();
                }
                s
            })
            .collect())
    }

    /// QIDO-RS `/studies/{study}/series/{series}/instances`: the instances of one series.
    pub async fn search_instances(
        &self,
        study_uid: &str,
        series_uid: &str,
    ) -> Result<Vec<InstanceSummary>, PacsError> {
        const OP: &str = "qido instances";
        let path = format!(
            "studies/{}/series/{}/instances",
            uid_segment(OP, study_uid)?,
            uid_segment(OP, series_uid)?
        );
        let params = vec![
            ("includefield".to_owned(), "00200013".to_owned()),
            ("includefield".to_owned(), "00280008".to_owned()),
        ];
        let found = self.qido(OP, &path, &params).await?;
        Ok(found
            .iter()
            .filter_map(Attributes::instance)
            .map(|mut i| {
                if i.study_instance_uid.is_empty() {
                    i.study_instance_uid = study_uid.to_owned();
                }
                if i.series_instance_uid.is_empty() {
                    i.series_instance_uid = series_uid.to_owned();
                }
                i
            })
            .collect())
    }

    async fn retrieve_parts(
        &self,
        operation: &'static str,
        path: &str,
        accept: &'static str,
    ) -> Result<Vec<multipart::Part>, PacsError> {
        let url = self.url(operation, path)?;
        let answer = self
            .send(operation, self.http.get(url).header(header::ACCEPT, accept))
            .await?;
        multipart::parse(&answer.content_type, &answer.body)
            .map_err(|reason| PacsError::protocol(operation, reason))
    }

    async fn retrieve_dicom(
        &self,
        operation: &'static str,
        path: &str,
    ) -> Result<Vec<Vec<u8>>, PacsError> {
        // `transfer-syntax=*`: the instances as stored, without transcoding (PS3.18 8.7.3.5).
        let parts = self
            .retrieve_parts(
                operation,
                path,
                "multipart/related; type=\"application/dicom\"; transfer-syntax=*",
            )
            .await?;
        parts
            .into_iter()
            .map(|p| {
                let ok = p.content_type.as_deref().is_none_or(|ct| {
                    ct.split(';')
                        .next()
                        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/dicom"))
                });
                if !ok {
                    return Err(PacsError::protocol(
                        operation,
                        "a part is not application/dicom (the server sent another media type)",
                    ));
                }
                if p.data.get(128..132) != Some(b"DICM") {
                    return Err(PacsError::protocol(
                        operation,
                        "a part is not a DICOM file (no DICM preamble)",
                    ));
                }
                Ok(p.data)
            })
            .collect()
    }

    /// WADO-RS `/studies/{study}`: every instance of the study, as DICOM files (PS3.10), in
    /// their stored transfer syntax.
    pub async fn retrieve_study(&self, study_uid: &str) -> Result<Vec<Vec<u8>>, PacsError> {
        const OP: &str = "wado study";
        let path = format!("studies/{}", uid_segment(OP, study_uid)?);
        self.retrieve_dicom(OP, &path).await
    }

    /// WADO-RS `/studies/{study}/series/{series}`: every instance of one series.
    pub async fn retrieve_series(
        &self,
        study_uid: &str,
        series_uid: &str,
    ) -> Result<Vec<Vec<u8>>, PacsError> {
        const OP: &str = "wado series";
        let path = format!(
            "studies/{}/series/{}",
            uid_segment(OP, study_uid)?,
            uid_segment(OP, series_uid)?
        );
        self.retrieve_dicom(OP, &path).await
    }

    /// WADO-RS `/studies/{study}/series/{series}/instances/{instance}`: one DICOM file.
    pub async fn retrieve_instance(
        &self,
        study_uid: &str,
        series_uid: &str,
        instance_uid: &str,
    ) -> Result<Vec<u8>, PacsError> {
        const OP: &str = "wado instance";
        let path = format!(
            "studies/{}/series/{}/instances/{}",
            uid_segment(OP, study_uid)?,
            uid_segment(OP, series_uid)?,
            uid_segment(OP, instance_uid)?
        );
        let mut files = self.retrieve_dicom(OP, &path).await?;
        match files.len() {
            1 => Ok(files.remove(0)),
            0 => Err(PacsError::new(OP, PacsErrorKind::NotFound)),
            _ => Err(PacsError::protocol(
                OP,
                "the server sent several instances for one",
            )),
        }
    }

    /// WADO-RS `/studies/{study}/metadata`: the DICOM JSON model of every instance, without
    /// bulk data.
    pub async fn retrieve_metadata(
        &self,
        study_uid: &str,
    ) -> Result<Vec<serde_json::Map<String, serde_json::Value>>, PacsError> {
        const OP: &str = "wado metadata";
        let url = self.url(
            OP,
            &format!("studies/{}/metadata", uid_segment(OP, study_uid)?),
        )?;
        let answer = self
            .send(
                OP,
                self.http
                    .get(url)
                    .header(header::ACCEPT, "application/dicom+json"),
            )
            .await?;
        json_objects(OP, &answer.body)
    }

    /// WADO-RS `/frames/{list}`: frames of one instance (numbered from 1), as stored
    /// (`transfer-syntax=*`): compressed bitstreams or raw little-endian pixels.
    pub async fn retrieve_frames(
        &self,
        study_uid: &str,
        series_uid: &str,
        instance_uid: &str,
        frames: &[u32],
    ) -> Result<Vec<Frame>, PacsError> {
        const OP: &str = "wado frames";
        if frames.is_empty() || frames.contains(&0) {
            return Err(PacsError::new(
                OP,
                PacsErrorKind::Config {
                    reason: "frame numbers start at 1, and at least one is needed".into(),
                },
            ));
        }
        let list: Vec<String> = frames.iter().map(u32::to_string).collect();
        let path = format!(
            "studies/{}/series/{}/instances/{}/frames/{}",
            uid_segment(OP, study_uid)?,
            uid_segment(OP, series_uid)?,
            uid_segment(OP, instance_uid)?,
            list.join(",")
        );
        let parts = self
            .retrieve_parts(
                OP,
                &path,
                "multipart/related; type=\"application/octet-stream\"; transfer-syntax=*",
            )
            .await?;
        Ok(parts
            .into_iter()
            .map(|p| Frame {
                content_type: p.content_type,
                data: p.data,
            })
            .collect())
    }

    /// STOW-RS `/studies`: stores DICOM files (PS3.10, with their meta header) in one
    /// request.
    pub async fn store(&self, files: &[&[u8]]) -> Result<StowOutcome, PacsError> {
        const OP: &str = "stow";
        if files.iter().any(|f| f.get(128..132) != Some(b"DICM")) {
            return Err(PacsError::new(
                OP,
                PacsErrorKind::File {
                    reason: "not a DICOM file with a PS3.10 preamble (DICM at byte 128)".into(),
                },
            ));
        }
        let (content_type, body) = multipart::build("application/dicom", files);
        let url = self.url(OP, "studies")?;
        let content_type = HeaderValue::from_str(&content_type)
            .map_err(|_| PacsError::protocol(OP, "the multipart header could not be built"))?;
        let request = self
            .http
            .post(url)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ACCEPT, "application/dicom+json")
            .body(body);
        let answer = self.send(OP, request).await?;
        let mut outcome = StowOutcome::default();
        if answer.body.is_empty() {
            return Ok(outcome);
        }
        let value: serde_json::Value = serde_json::from_slice(&answer.body)
            .map_err(|_| PacsError::protocol(OP, "the STOW-RS answer is not JSON"))?;
        let sequence = |tag: &str| -> Vec<serde_json::Map<String, serde_json::Value>> {
            value
                .get(tag)
                .and_then(|e| e.get("Value"))
                .and_then(|v| v.as_array())
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|i| i.as_object().cloned())
                        .collect()
                })
                .unwrap_or_default()
        };
        let uid_of = |item: &serde_json::Map<String, serde_json::Value>| {
            Attributes::from_json(item)
                .0
                .get(&0x0008_1155)
                .and_then(|v| v.first().cloned())
        };
        outcome.stored = sequence("00081199").iter().filter_map(uid_of).collect();
        outcome.failed = sequence("00081198")
            .iter()
            .map(|item| StowFailure {
                sop_instance_uid: uid_of(item),
                reason: Attributes::from_json(item)
                    .0
                    .get(&0x0008_1197)
                    .and_then(|v| v.first())
                    .and_then(|s| s.parse().ok()),
            })
            .collect();
        Ok(outcome)
    }
}

/// A UID as a path segment. UIDs hold digits and dots only; anything else is refused rather
/// than escaped, so that a bad value cannot change the path.
fn uid_segment<'a>(operation: &'static str, uid: &'a str) -> Result<&'a str, PacsError> {
    let uid = uid.trim_end_matches(['\0', ' ']);
    if uid.is_empty() || uid.len() > 64 || !uid.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(PacsError::new(
            operation,
            PacsErrorKind::Config {
                reason: "not a DICOM UID (digits and dots, at most 64 characters)".into(),
            },
        ));
    }
    Ok(uid)
}

fn json_objects(
    operation: &'static str,
    body: &[u8],
) -> Result<Vec<serde_json::Map<String, serde_json::Value>>, PacsError> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| {
        PacsError::protocol(
            operation,
            "the answer is not JSON (expected the DICOM JSON model)",
        )
    })?;
    let serde_json::Value::Array(items) = value else {
        return Err(PacsError::protocol(
            operation,
            "the answer is not a JSON array of DICOM objects",
        ));
    };
    items
        .into_iter()
        .map(|i| match i {
            serde_json::Value::Object(o) => Ok(o),
            _ => Err(PacsError::protocol(
                operation,
                "an array item is not a DICOM JSON object",
            )),
        })
        .collect()
}

/// Maps a reqwest failure to a kind. reqwest's messages include the URL (which carries
/// query values), so only categories are kept.
fn transport_error(operation: &'static str, e: &reqwest::Error, timeout: Duration) -> PacsError {
    let chain = std::iter::successors(Some(e as &(dyn std::error::Error + 'static)), |e| {
        e.source()
    });
    let io_kind = chain
        .clone()
        .find_map(|s| s.downcast_ref::<std::io::Error>().map(std::io::Error::kind));
    if e.is_timeout() || io_kind == Some(std::io::ErrorKind::TimedOut) {
        return PacsError::new(operation, PacsErrorKind::Timeout { after: timeout });
    }
    let cause = match io_kind {
        Some(kind) => kind.to_string(),
        None if e.is_connect() => "no connection could be made".into(),
        None => "the connection failed".into(),
    };
    let reason = if e.is_connect() {
        format!("could not connect: {cause}")
    } else if e.is_body() {
        format!("the answer broke off: {cause}")
    } else {
        cause
    };
    PacsError::new(operation, PacsErrorKind::Network { reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_that_would_change_the_path_are_refused() {
        assert!(uid_segment("t", "1.2.840.10008").is_ok());
        assert!(uid_segment("t", "1.2/../x").is_err());
        assert!(uid_segment("t", "").is_err());
        assert_eq!(uid_segment("t", "1.2\0").ok(), Some("1.2"));
    }

    #[test]
    fn the_base_gets_a_trailing_slash() {
        let c = DicomWebClient::new("http://127.0.0.1:1/dicom-web", WebOptions::default());
        let url = c.and_then(|c| c.url("t", "studies")).map(|u| u.to_string());
        assert_eq!(
            url.ok().as_deref(),
            Some("http://127.0.0.1:1/dicom-web/studies")
        );
        assert!(DicomWebClient::new("ftp://x/", WebOptions::default()).is_err());
    }
}
