//! The imaging cache: retrieved DICOM instances, by study and series, encrypted with the rest
//! of the database. Listing never reads instance bodies.

use sqlx::Row;

use crate::{Result, Tx};

/// A cached study's summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedStudy {
    pub study_uid: String,
    pub patient_id: String,
    pub study_date: Option<String>,
    pub description: Option<String>,
    pub accession: Option<String>,
    pub modalities: Vec<String>,
    pub instances: i64,
    pub bytes: i64,
}

/// A cached series' summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedSeries {
    pub series_uid: String,
    pub number: Option<i64>,
    pub description: Option<String>,
    pub modality: Option<String>,
    pub instances: i64,
}

/// One instance to cache: its identifiers and listing attributes, and the PS3.10 bytes.
#[derive(Debug, Clone)]
pub struct CachedInstance<'a> {
    pub sop_uid: &'a str,
    pub series_uid: &'a str,
    pub series_number: Option<i64>,
    pub series_description: Option<&'a str>,
    pub modality: Option<&'a str>,
    pub instance_number: Option<i64>,
    pub body: &'a [u8],
    /// What opening its series needs (JSON from meridian-app), when the app could describe it.
    pub meta: Option<&'a str>,
}

impl Tx {
    /// Creates or refreshes a study's row (its summary from the archive) and marks it opened
    /// now. A study already cached for another patient is never moved: `false` then, and
    /// nothing changes.
    pub async fn put_dicom_study(
        &mut self,
        study_uid: &str,
        patient_id: &str,
        study_date: Option<&str>,
        description: Option<&str>,
        accession: Option<&str>,
        modalities: &[String],
    ) -> Result<bool> {
        let now = self.now.to_rfc3339();
        let done = sqlx::query(
            "INSERT INTO dicom_study (study_uid, patient_id, study_date, description, accession, modalities, retrieved_at, accessed_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (study_uid) DO UPDATE SET
                 study_date = coalesce(excluded.study_date, study_date),
                 description = coalesce(excluded.description, description),
                 accession = coalesce(excluded.accession, accession),
                 modalities = CASE WHEN excluded.modalities = '' THEN modalities ELSE excluded.modalities END,
                 retrieved_at = excluded.retrieved_at, accessed_at = excluded.accessed_at
             WHERE dicom_study.patient_id = excluded.patient_id",
        )
        .bind(study_uid)
        .bind(patient_id)
        .bind(study_date)
        .bind(description)
        .bind(accession)
        .bind(modalities.join(" "))
        .bind(&now)
        .bind(&now)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Adds (or replaces) an instance of a study whose row exists. An instance already cached
    /// under another study is left where it is: `false` then. Call
    /// [`Tx::refresh_dicom_study_bytes`] once after a batch (summing after every instance would
    /// read every row of the study again, each time).
    pub async fn put_dicom_instance(&mut self, study_uid: &str, i: &CachedInstance<'_>) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO dicom_instance (sop_uid, study_uid, series_uid, series_number, series_description, modality, instance_number, size, body)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (sop_uid) DO UPDATE SET series_uid = excluded.series_uid, series_number = excluded.series_number,
                 series_description = excluded.series_description, modality = excluded.modality,
                 instance_number = excluded.instance_number, size = excluded.size, body = excluded.body
             WHERE dicom_instance.study_uid = excluded.study_uid",
        )
        .bind(i.sop_uid)
        .bind(study_uid)
        .bind(i.series_uid)
        .bind(i.series_number)
        .bind(i.series_description)
        .bind(i.modality)
        .bind(i.instance_number)
        .bind(i.body.len() as i64)
        .bind(i.body)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        // The description always follows the body it describes.
        match i.meta {
            Some(meta) => {
                sqlx::query("INSERT INTO dicom_instance_meta (sop_uid, meta) VALUES (?, ?) ON CONFLICT (sop_uid) DO UPDATE SET meta = excluded.meta")
                    .bind(i.sop_uid)
                    .bind(meta)
                    .execute(&mut *self.tx)
                    .await?;
            }
            None => {
                sqlx::query("DELETE FROM dicom_instance_meta WHERE sop_uid = ?").bind(i.sop_uid).execute(&mut *self.tx).await?;
            }
        }
        Ok(true)
    }

    /// Sets a study's byte count from its instances (eviction works from these counts).
    pub async fn refresh_dicom_study_bytes(&mut self, study_uid: &str) -> Result<()> {
        sqlx::query("UPDATE dicom_study SET bytes = (SELECT coalesce(sum(size), 0) FROM dicom_instance WHERE study_uid = ?1) WHERE study_uid = ?1")
            .bind(study_uid)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// A patient's cached studies, newest first.
    pub async fn dicom_studies(&mut self, patient_id: &str) -> Result<Vec<CachedStudy>> {
        let rows = sqlx::query(
            "SELECT s.study_uid, s.patient_id, s.study_date, s.description, s.accession, s.modalities, s.bytes,
                    (SELECT count(*) FROM dicom_instance i WHERE i.study_uid = s.study_uid) AS n
             FROM dicom_study s WHERE s.patient_id = ? ORDER BY s.study_date DESC, s.retrieved_at DESC",
        )
        .bind(patient_id)
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(rows.iter().map(study_row).collect())
    }

    /// One cached study, whoever it belongs to.
    pub async fn dicom_study(&mut self, study_uid: &str) -> Result<Option<CachedStudy>> {
        let row = sqlx::query(
            "SELECT s.study_uid, s.patient_id, s.study_date, s.description, s.accession, s.modalities, s.bytes,
                    (SELECT count(*) FROM dicom_instance i WHERE i.study_uid = s.study_uid) AS n
             FROM dicom_study s WHERE s.study_uid = ?",
        )
        .bind(study_uid)
        .fetch_optional(&mut *self.tx)
        .await?;
        Ok(row.as_ref().map(study_row))
    }

    /// The series of a cached study, by series number.
    pub async fn dicom_series(&mut self, study_uid: &str) -> Result<Vec<CachedSeries>> {
        let rows = sqlx::query(
            "SELECT series_uid, min(series_number), max(series_description), max(modality), count(*)
             FROM dicom_instance WHERE study_uid = ? GROUP BY series_uid ORDER BY min(series_number), series_uid",
        )
        .bind(study_uid)
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(rows
            .iter()
            .map(|r| CachedSeries { series_uid: r.get(0), number: r.get(1), description: r.get(2), modality: r.get(3), instances: r.get(4) })
            .collect())
    }

    /// The bodies of a cached series' instances, by instance number.
    pub async fn dicom_series_bodies(&mut self, study_uid: &str, series_uid: &str) -> Result<Vec<Vec<u8>>> {
        Ok(sqlx::query_scalar("SELECT body FROM dicom_instance WHERE study_uid = ? AND series_uid = ? ORDER BY instance_number, sop_uid")
            .bind(study_uid)
            .bind(series_uid)
            .fetch_all(&mut *self.tx)
            .await?)
    }

    /// Each instance of a cached series in instance-number order: SOP Instance UID, body size
    /// and, where kept, what opening the series needs of it. Reads no bodies.
    pub async fn dicom_series_meta(&mut self, study_uid: &str, series_uid: &str) -> Result<Vec<(String, i64, Option<String>)>> {
        Ok(sqlx::query_as(
            "SELECT i.sop_uid, i.size, m.meta FROM dicom_instance i LEFT JOIN dicom_instance_meta m ON m.sop_uid = i.sop_uid
             WHERE i.study_uid = ? AND i.series_uid = ? ORDER BY i.instance_number, i.sop_uid",
        )
        .bind(study_uid)
        .bind(series_uid)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    /// The middle instance of a cached series (by instance number), for its thumbnail.
    pub async fn dicom_series_middle(&mut self, study_uid: &str, series_uid: &str) -> Result<Option<Vec<u8>>> {
        Ok(sqlx::query_scalar(
            "SELECT body FROM dicom_instance WHERE study_uid = ?1 AND series_uid = ?2 ORDER BY instance_number, sop_uid
             LIMIT 1 OFFSET (SELECT count(*) / 2 FROM dicom_instance WHERE study_uid = ?1 AND series_uid = ?2)",
        )
        .bind(study_uid)
        .bind(series_uid)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    /// The bodies of a cached study's instances of one modality (e.g. `PR` presentation states).
    pub async fn dicom_bodies_of_modality(&mut self, study_uid: &str, modality: &str) -> Result<Vec<Vec<u8>>> {
        Ok(sqlx::query_scalar("SELECT body FROM dicom_instance WHERE study_uid = ? AND modality = ? ORDER BY sop_uid")
            .bind(study_uid)
            .bind(modality)
            .fetch_all(&mut *self.tx)
            .await?)
    }

    /// Marks a study opened now (eviction keeps recently opened studies).
    pub async fn touch_dicom_study(&mut self, study_uid: &str) -> Result<()> {
        sqlx::query("UPDATE dicom_study SET accessed_at = ? WHERE study_uid = ?")
            .bind(self.now.to_rfc3339())
            .bind(study_uid)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Total bytes of cached instances.
    pub async fn dicom_cache_bytes(&mut self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT coalesce(sum(bytes), 0) FROM dicom_study").fetch_one(&mut *self.tx).await?)
    }

    /// Evicts the least recently opened studies (never those in `keep`) until the cache holds
    /// at most `max_bytes`; returns how many studies went.
    pub async fn evict_dicom(&mut self, max_bytes: i64, keep: &[&str]) -> Result<u32> {
        let mut evicted = 0;
        loop {
            if self.dicom_cache_bytes().await? <= max_bytes {
                return Ok(evicted);
            }
            let candidates: Vec<String> = sqlx::query_scalar("SELECT study_uid FROM dicom_study ORDER BY accessed_at, retrieved_at")
                .fetch_all(&mut *self.tx)
                .await?;
            let Some(victim) = candidates.into_iter().find(|c| !keep.contains(&c.as_str())) else { return Ok(evicted) };
            self.delete_dicom_study(&victim).await?;
            evicted += 1;
        }
    }

    /// Removes a study and its instances from the cache.
    pub async fn delete_dicom_study(&mut self, study_uid: &str) -> Result<()> {
        sqlx::query("DELETE FROM dicom_instance WHERE study_uid = ?").bind(study_uid).execute(&mut *self.tx).await?;
        sqlx::query("DELETE FROM dicom_study WHERE study_uid = ?").bind(study_uid).execute(&mut *self.tx).await?;
        Ok(())
    }
}

fn study_row(r: &sqlx::sqlite::SqliteRow) -> CachedStudy {
    let modalities: Option<String> = r.get(5);
    CachedStudy {
        study_uid: r.get(0),
        patient_id: r.get(1),
        study_date: r.get(2),
        description: r.get(3),
        accession: r.get(4),
        modalities: modalities.unwrap_or_default().split_whitespace().map(str::to_owned).collect(),
        bytes: r.get(6),
        instances: r.get(7),
    }
}
