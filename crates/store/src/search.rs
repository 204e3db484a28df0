//! Patient search and master patient index candidate lookup.

use std::collections::HashSet;

use crate::{Result, Tx};

/// What a user typed, already split and normalised by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientQuery {
    /// Name prefixes; every one must match some name token of the patient.
    pub name_prefixes: Vec<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// A normalised identifier value (MRN, ABHA number, ...), any system.
    pub identifier: Option<String>,
    pub include_merged: bool,
    pub limit: i64,
}

/// The upper bound for a prefix range scan: the prefix with its last character bumped past
/// every continuation.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

impl Tx {
    /// Patient ids that match every part of the query, ordered by family then given name.
    pub async fn search_patients(&mut self, q: &PatientQuery) -> Result<Vec<String>> {
        let mut candidates: Option<HashSet<String>> = None;
        let narrow = |found: Vec<String>, candidates: &mut Option<HashSet<String>>| {
            let found: HashSet<String> = found.into_iter().collect();
            *candidates = Some(match candidates.take() {
                None => found,
                Some(c) => c.intersection(&found).cloned().collect(),
            });
        };
        if let Some(value) = &q.identifier {
            let found: Vec<String> =
                sqlx::query_scalar("SELECT id FROM identifier_index WHERE value = ? AND rtype = 'Patient'")
                    .bind(value)
                    .fetch_all(&mut *self.tx)
                    .await?;
            narrow(found, &mut candidates);
        }
        if let Some(date) = &q.birth_date {
            let found: Vec<String> = sqlx::query_scalar("SELECT patient_id FROM patient_index WHERE birth_date = ?")
                .bind(date)
                .fetch_all(&mut *self.tx)
                .await?;
            narrow(found, &mut candidates);
        }
        // The longest prefix is the most selective; starting there keeps the capped scans of
        // short prefixes ("a") from dropping the patient being looked for.
        let mut prefixes: Vec<&String> = q.name_prefixes.iter().collect();
        prefixes.sort_by_key(|p| std::cmp::Reverse(p.len()));
        for prefix in prefixes {
            let found: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT patient_id FROM name_token WHERE token >= ? AND token < ? LIMIT 5000",
            )
            .bind(prefix)
            .bind(prefix_end(prefix))
            .fetch_all(&mut *self.tx)
            .await?;
            narrow(found, &mut candidates);
            if candidates.as_ref().is_some_and(HashSet::is_empty) {
                break;
            }
        }
        let Some(candidates) = candidates else { return Ok(Vec::new()) };
        let mut rows: Vec<(String, String, String, Option<String>)> = Vec::new();
        for id in candidates {
            let row: Option<(String, String, Option<String>)> =
                sqlx::query_as("SELECT family, given, merged_into FROM patient_index WHERE patient_id = ?")
                    .bind(&id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
            if let Some((family, given, merged)) = row {
                rows.push((family, given, id, merged));
            }
        }
        rows.retain(|r| q.include_merged || r.3.is_none());
        rows.sort();
        Ok(rows.into_iter().take(q.limit.max(0) as usize).map(|r| r.2).collect())
    }

    /// Patients sharing at least one blocking key, excluding merged records.
    pub async fn mpi_candidates(&mut self, keys: &[String]) -> Result<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        for key in keys {
            let found: Vec<String> = sqlx::query_scalar(
                "SELECT b.patient_id FROM mpi_block b JOIN patient_index p ON p.patient_id = b.patient_id \
                 WHERE b.key = ? AND p.merged_into IS NULL LIMIT 500",
            )
            .bind(key)
            .fetch_all(&mut *self.tx)
            .await?;
            for id in found {
                if seen.insert(id.clone()) {
                    out.push(id);
                }
            }
        }
        Ok(out)
    }

    /// Records merged into `patient_id` (their histories belong to its chart).
    pub async fn merged_into(&mut self, patient_id: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT patient_id FROM patient_index WHERE merged_into = ? ORDER BY patient_id")
            .bind(patient_id)
            .fetch_all(&mut *self.tx)
            .await?)
    }

    /// When the patient's newest observation of `category` was taken (RFC 3339 UTC).
    pub async fn latest_observation_time(&mut self, patient_id: &str, category: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT max(effective) FROM observation_index WHERE patient_id = ? AND category = ?")
            .bind(patient_id)
            .bind(category)
            .fetch_one(&mut *self.tx)
            .await?)
    }
}
