//! Users, their login state, care relationships and break-the-glass declarations.

use sqlx::Row;

use crate::{Result, StoreError, Tx, parse_ts};
use meridian_domain::time::Timestamp;

#[derive(Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub practitioner_id: Option<String>,
    pub password_hash: Option<String>,
    pub totp_secret: Option<String>,
    pub active: bool,
    pub login: LoginState,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginState {
    pub failed_attempts: i64,
    pub locked_until: Option<Timestamp>,
    pub totp_last_step: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakGlassRow {
    pub id: i64,
    pub user_id: String,
    pub patient_id: String,
    pub reason: String,
    pub at: Timestamp,
    pub expires_at: Timestamp,
}

fn user(r: &sqlx::sqlite::SqliteRow) -> Result<UserRow> {
    Ok(UserRow {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        role: r.try_get("role")?,
        practitioner_id: r.try_get("practitioner_id")?,
        password_hash: r.try_get("password_hash")?,
        totp_secret: r.try_get("totp_secret")?,
        active: r.try_get::<i64, _>("active")? != 0,
        login: LoginState {
            failed_attempts: r.try_get("failed_attempts")?,
            locked_until: r.try_get::<Option<&str>, _>("locked_until")?.map(parse_ts),
            totp_last_step: r.try_get("totp_last_step")?,
        },
    })
}

fn break_glass(r: &sqlx::sqlite::SqliteRow) -> Result<BreakGlassRow> {
    Ok(BreakGlassRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        patient_id: r.try_get("patient_id")?,
        reason: r.try_get("reason")?,
        at: parse_ts(r.try_get::<&str, _>("at")?),
        expires_at: parse_ts(r.try_get::<&str, _>("expires_at")?),
    })
}

impl Tx {
    pub async fn insert_user(&mut self, u: &UserRow) -> Result<()> {
        let taken: Option<String> = sqlx::query_scalar("SELECT id FROM app_user WHERE username = ?")
            .bind(&u.username)
            .fetch_optional(&mut *self.tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::UsernameTaken);
        }
        sqlx::query(
            "INSERT INTO app_user (id, username, display_name, role, practitioner_id, password_hash, totp_secret, \
             active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&u.id)
        .bind(&u.username)
        .bind(&u.display_name)
        .bind(&u.role)
        .bind(&u.practitioner_id)
        .bind(&u.password_hash)
        .bind(&u.totp_secret)
        .bind(u.active)
        .bind(self.now.to_rfc3339())
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn user_by_username(&mut self, username: &str) -> Result<Option<UserRow>> {
        let row = sqlx::query("SELECT * FROM app_user WHERE username = ?")
            .bind(username)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(user).transpose()
    }

    pub async fn user_by_id(&mut self, id: &str) -> Result<Option<UserRow>> {
        let row = sqlx::query("SELECT * FROM app_user WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(user).transpose()
    }

    pub async fn users(&mut self) -> Result<Vec<UserRow>> {
        let rows = sqlx::query("SELECT * FROM app_user ORDER BY username").fetch_all(&mut *self.tx).await?;
        rows.iter().map(user).collect()
    }

    pub async fn set_login_state(&mut self, user_id: &str, s: &LoginState) -> Result<()> {
        sqlx::query("UPDATE app_user SET failed_attempts = ?, locked_until = ?, totp_last_step = ? WHERE id = ?")
            .bind(s.failed_attempts)
            .bind(s.locked_until.map(|t| t.to_rfc3339()))
            .bind(s.totp_last_step)
            .bind(user_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn set_totp_secret(&mut self, user_id: &str, secret: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE app_user SET totp_secret = ?, totp_last_step = NULL WHERE id = ?")
            .bind(secret)
            .bind(user_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn set_password_hash(&mut self, user_id: &str, phc: &str) -> Result<()> {
        sqlx::query("UPDATE app_user SET password_hash = ? WHERE id = ?")
            .bind(phc)
            .bind(user_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn set_user_role(&mut self, user_id: &str, role: &str, active: bool) -> Result<()> {
        sqlx::query("UPDATE app_user SET role = ?, active = ? WHERE id = ?")
            .bind(role)
            .bind(active)
            .bind(user_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn add_care_relationship(&mut self, user_id: &str, patient_id: &str, kind: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO care_relationship (user_id, patient_id, kind, since) VALUES (?, ?, ?, ?) \
             ON CONFLICT (user_id, patient_id) DO UPDATE SET kind = excluded.kind",
        )
        .bind(user_id)
        .bind(patient_id)
        .bind(kind)
        .bind(self.now.to_rfc3339())
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn has_care_relationship(&mut self, user_id: &str, patient_id: &str) -> Result<bool> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM care_relationship WHERE user_id = ? AND patient_id = ?")
                .bind(user_id)
                .bind(patient_id)
                .fetch_optional(&mut *self.tx)
                .await?;
        Ok(found.is_some())
    }

    /// The patients a user cares for (their home list).
    pub async fn patients_of(&mut self, user_id: &str, limit: i64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT c.patient_id FROM care_relationship c JOIN patient_index p ON p.patient_id = c.patient_id \
             WHERE c.user_id = ? AND p.merged_into IS NULL ORDER BY p.family, p.given LIMIT ?",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    /// Moves care relationships from a merged patient to the surviving one.
    pub async fn move_care_relationships(&mut self, from: &str, to: &str) -> Result<()> {
        sqlx::query("INSERT OR IGNORE INTO care_relationship (user_id, patient_id, kind, since) SELECT user_id, ?, kind, since FROM care_relationship WHERE patient_id = ?")
            .bind(to)
            .bind(from)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn insert_break_glass(&mut self, user_id: &str, patient_id: &str, reason: &str, expires_at: Timestamp) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO break_glass (user_id, patient_id, reason, at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(user_id)
        .bind(patient_id)
        .bind(reason)
        .bind(self.now.to_rfc3339())
        .bind(expires_at.to_rfc3339())
        .fetch_one(&mut *self.tx)
        .await?)
    }

    /// The break-the-glass declaration in force for this user and patient, if any.
    pub async fn active_break_glass(&mut self, user_id: &str, patient_id: &str) -> Result<Option<BreakGlassRow>> {
        let row = sqlx::query(
            "SELECT * FROM break_glass WHERE user_id = ? AND patient_id = ? AND expires_at > ? ORDER BY id DESC LIMIT 1",
        )
        .bind(user_id)
        .bind(patient_id)
        .bind(self.now.to_rfc3339())
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref().map(break_glass).transpose()
    }

    /// Declarations not yet reviewed by an administrator, oldest first.
    pub async fn unreviewed_break_glass(&mut self) -> Result<Vec<BreakGlassRow>> {
        let rows = sqlx::query("SELECT * FROM break_glass WHERE reviewed_at IS NULL ORDER BY id")
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter().map(break_glass).collect()
    }

    pub async fn review_break_glass(&mut self, id: i64, reviewer: &str) -> Result<()> {
        sqlx::query("UPDATE break_glass SET reviewed_by = ?, reviewed_at = ? WHERE id = ?")
            .bind(reviewer)
            .bind(self.now.to_rfc3339())
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
