//! `multipart/related` (RFC 2387) as DICOMweb uses it: reading WADO-RS answers and writing
//! STOW-RS requests. Part bodies are binary; only the part headers are text.

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    /// The part's `Content-Type`, if it had one (e.g. `application/dicom`).
    pub(crate) content_type: Option<String>,
    /// The part's body, exactly as sent.
    pub(crate) data: Vec<u8>,
}

/// Why a multipart body could not be read. Texts are fixed: bodies are never quoted.
pub(crate) type Malformed = &'static str;

/// The value of parameter `name` in a header such as
/// `multipart/related; type="application/dicom"; boundary=abc`.
pub(crate) fn parameter(header: &str, name: &str) -> Option<String> {
    // Quoted values may contain `;`, so split by hand rather than on every `;`.
    let mut rest = header.split_once(';')?.1;
    loop {
        let (key, after) = rest.split_once('=')?;
        let key = key.trim();
        let after = after.trim_start();
        let (value, next) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            let tail = quoted.get(end + 1..).unwrap_or("");
            (
                quoted.get(..end)?.to_owned(),
                tail.split_once(';').map(|t| t.1),
            )
        } else {
            match after.split_once(';') {
                Some((v, t)) => (v.trim().to_owned(), Some(t)),
                None => (after.trim().to_owned(), None),
            }
        };
        if key.eq_ignore_ascii_case(name) {
            return Some(value);
        }
        rest = next?;
    }
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    (from..=haystack.len() - needle.len())
        .find(|&i| haystack.get(i..i + needle.len()) == Some(needle))
}

/// Splits `body` into its parts, given the whole `Content-Type` header of the answer.
pub(crate) fn parse(content_type: &str, body: &[u8]) -> Result<Vec<Part>, Malformed> {
    let media = content_type.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("multipart/related") {
        return Err("the answer is not multipart/related (the server ignored the Accept header?)");
    }
    let boundary = parameter(content_type, "boundary")
        .ok_or("the multipart answer has no boundary parameter")?;
    if boundary.is_empty() || boundary.len() > 200 {
        return Err("the multipart boundary is empty or longer than 200 characters");
    }
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut at = find(body, delimiter, 0).ok_or("the multipart body has no opening boundary")?;
    let mut parts = Vec::new();
    loop {
        let after = at + delimiter.len();
        if body.get(after..after + 2) == Some(b"--") {
            return Ok(parts);
        }
        // The delimiter line may carry trailing whitespace before its CRLF.
        let line_end =
            find(body, b"\r\n", after).ok_or("the multipart body ends inside a boundary line")?;
        let headers_start = line_end + 2;
        let (headers, body_start) = if body.get(headers_start..headers_start + 2) == Some(b"\r\n") {
            ("", headers_start + 2)
        } else {
            let end = find(body, b"\r\n\r\n", headers_start)
                .ok_or("a multipart part has no end of headers")?;
            let text = std::str::from_utf8(body.get(headers_start..end).unwrap_or_default())
                .map_err(|_| "a multipart part header is not text")?;
            (text, end + 4)
        };
        let mut next_delimiter = Vec::with_capacity(delimiter.len() + 2);
        next_delimiter.extend_from_slice(b"\r\n");
        next_delimiter.extend_from_slice(delimiter);
        let end = find(body, &next_delimiter, body_start)
            .ok_or("the multipart body ends without its closing boundary (truncated answer?)")?;
        let content_type = headers.split("\r\n").find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_owned())
        });
        parts.push(Part {
            content_type,
            data: body.get(body_start..end).unwrap_or_default().to_vec(),
        });
        at = end + 2;
    }
}

/// A boundary that occurs in none of `parts`.
fn boundary_for(parts: &[&[u8]]) -> String {
    // FNV-1a of the lengths and a sample of each part, then a counter until no part contains
    // it: deterministic, and no randomness needed.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in (p.len() as u64)
            .to_le_bytes()
            .iter()
            .chain(p.iter().take(4096))
        {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    let mut attempt = 0u32;
    loop {
        let candidate = format!("meridian-{hash:016x}-{attempt}");
        if parts
            .iter()
            .all(|p| find(p, candidate.as_bytes(), 0).is_none())
        {
            return candidate;
        }
        attempt += 1;
    }
}

/// Builds a `multipart/related` body of `parts`, all of type `part_type`. Returns the
/// `Content-Type` header to send with it and the body.
pub(crate) fn build(part_type: &str, parts: &[&[u8]]) -> (String, Vec<u8>) {
    let boundary = boundary_for(parts);
    let total: usize = parts.iter().map(|p| p.len() + 128).sum();
    let mut body = Vec::with_capacity(total + 64);
    for p in parts {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Type: {part_type}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(p);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (
        format!("multipart/related; type=\"{part_type}\"; boundary={boundary}"),
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_read_quoted_or_not() {
        let h = r#"multipart/related; type="application/dicom; x=1"; boundary=abc"#;
        assert_eq!(parameter(h, "boundary").as_deref(), Some("abc"));
        assert_eq!(
            parameter(h, "type").as_deref(),
            Some("application/dicom; x=1")
        );
        assert_eq!(
            parameter("multipart/related; boundary=\"q q\"", "boundary").as_deref(),
            Some("q q")
        );
        assert_eq!(parameter("multipart/related", "boundary"), None);
    }

    #[test]
    fn a_built_body_parses_back() {
        let a: &[u8] = b"\x00\x01--meridian-not-quite\r\n\r\nbinary";
        let b: &[u8] = b"";
        let (ct, body) = build("application/dicom", &[a, b]);
        let parts = parse(&ct, &body).unwrap_or_default();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].data, a);
        assert_eq!(parts[0].content_type.as_deref(), Some("application/dicom"));
        assert_eq!(parts[1].data, b);
    }

    #[test]
    fn the_boundary_avoids_part_contents() {
        let first = boundary_for(&[b"x"]);
        let tricky = format!("..{first}..");
        let chosen = boundary_for(&[tricky.as_bytes()]);
        assert!(!tricky.contains(&chosen));
    }

    #[test]
    fn malformed_bodies_are_refused_with_a_reason() {
        let ct = "multipart/related; boundary=b";
        assert_eq!(
            parse(ct, b"--b\r\nContent-Type: a\r\n\r\nno end"),
            Err("the multipart body ends without its closing boundary (truncated answer?)")
        );
        assert_eq!(
            parse(ct, b"nothing"),
            Err("the multipart body has no opening boundary")
        );
        assert!(parse("multipart/related", b"--b--").is_err());
        assert!(parse("application/json", b"[]").is_err());
        assert_eq!(parse(ct, b"preamble\r\n--b--\r\n"), Ok(Vec::new()));
    }
}
