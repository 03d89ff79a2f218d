//! KYC transactions and their steps. Every read and write is scoped by tenant: another
//! tenant's transaction id behaves exactly like an unknown one. Expired transactions read as
//! absent even before [`Store::purge_expired`] deletes them.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use crate::{now, ttl_delta, Step, Store, StoreError, Transaction};

/// Longest accepted `client_transaction_id`: it is the caller's free-form reference, echoed
/// back; 256 characters fits any UUID, ULID or order number with room to spare.
const MAX_CLIENT_TX_ID_LEN: usize = 256;
/// Longest accepted step name (they are short identifiers like `id_front`).
const MAX_STEP_NAME_LEN: usize = 64;
/// Most values in one face embedding. Face models emit 128 to 512; the bound only stops a
/// bug from storing megabytes per step.
const MAX_EMBEDDING_LEN: usize = 4096;

fn validate_step_name(step: &str) -> Result<(), StoreError> {
    let ok = !step.is_empty()
        && step.len() <= MAX_STEP_NAME_LEN
        && step
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::InvalidInput {
            field: "step",
            reason: "must be 1 to 64 characters of a-z, 0-9 and '_'",
        })
    }
}

/// Transaction ids are stored in the canonical lowercase hyphenated form; a client may send
/// any form `uuid` accepts. `None` for something that isn't a UUID (so: not found).
fn canonical_tx_id(id: &str) -> Option<String> {
    Uuid::parse_str(id.trim()).ok().map(|u| u.to_string())
}

fn embedding_to_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn embedding_from_bytes(bytes: &[u8]) -> Result<Vec<f32>, StoreError> {
    let chunks = bytes.chunks_exact(4);
    if !chunks.remainder().is_empty() {
        return Err(StoreError::Corrupt(
            "face embedding length is not a multiple of 4 bytes",
        ));
    }
    Ok(chunks
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

#[derive(sqlx::FromRow)]
struct StepRow {
    transaction_id: String,
    step: String,
    fields: Json<serde_json::Value>,
    issues: Json<serde_json::Value>,
    face_embedding: Option<Vec<u8>>,
    completed_at: DateTime<Utc>,
}

impl TryFrom<StepRow> for Step {
    type Error = StoreError;

    fn try_from(row: StepRow) -> Result<Step, StoreError> {
        Ok(Step {
            transaction_id: row.transaction_id,
            name: row.step,
            fields: row.fields.0,
            issues: row.issues.0,
            face_embedding: row
                .face_embedding
                .as_deref()
                .map(embedding_from_bytes)
                .transpose()?,
            completed_at: row.completed_at,
        })
    }
}

impl Store {
    /// Starts a transaction for `tenant_id` that expires `ttl` from now.
    /// Errors: `InvalidInput` (client id too long), `NotFound` (no such tenant).
    pub async fn create_transaction(
        &self,
        tenant_id: &str,
        client_transaction_id: Option<&str>,
        ttl: Duration,
    ) -> Result<Transaction, StoreError> {
        if client_transaction_id.is_some_and(|c| c.len() > MAX_CLIENT_TX_ID_LEN) {
            return Err(StoreError::InvalidInput {
                field: "client_transaction_id",
                reason: "longer than 256 bytes",
            });
        }
        let created_at = now();
        let tx = Transaction {
            id: Uuid::new_v4().to_string(),
            tenant_id: tenant_id.to_owned(),
            client_transaction_id: client_transaction_id.map(str::to_owned),
            created_at,
            updated_at: created_at,
            expires_at: created_at + ttl_delta(ttl, "transaction ttl")?,
        };
        dispatch!(self, |pool| {
            sqlx::query(
                "INSERT INTO transactions \
                 (id, tenant_id, client_transaction_id, created_at, updated_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&tx.id)
            .bind(&tx.tenant_id)
            .bind(&tx.client_transaction_id)
            .bind(tx.created_at)
            .bind(tx.updated_at)
            .bind(tx.expires_at)
            .execute(pool)
            .await
            .map_err(|e| crate::map_constraint(e, "transaction id collision", "tenant"))?;
        });
        Ok(tx)
    }

    /// The tenant's transaction with this id, or `None` if it is unknown, belongs to another
    /// tenant, or has expired.
    pub async fn get_transaction(
        &self,
        tenant_id: &str,
        id: &str,
    ) -> Result<Option<Transaction>, StoreError> {
        let Some(id) = canonical_tx_id(id) else {
            return Ok(None);
        };
        let at = now();
        let tx = dispatch!(self, |pool| {
            sqlx::query_as::<_, Transaction>(
                "SELECT id, tenant_id, client_transaction_id, created_at, updated_at, expires_at \
                 FROM transactions WHERE id = $1 AND tenant_id = $2 AND expires_at > $3",
            )
            .bind(&id)
            .bind(tenant_id)
            .bind(at)
            .fetch_optional(pool)
            .await?
        });
        Ok(tx)
    }

    /// Records the outcome of `step` (replacing an earlier outcome of the same step) and bumps
    /// the transaction's `updated_at`. `fields` and `issues` are stored as given.
    ///
    /// `face_embedding` is the embedding of the face on the document photographed in this step
    /// (id_front, passport), the reference a later face match compares a selfie with; pass
    /// `None` for steps whose photo must not become that reference. Replacing a step replaces
    /// (or clears) its embedding too.
    ///
    /// Errors: `NotFound` if the transaction is unknown, another tenant's, or expired;
    /// `InvalidInput` for a malformed step name or an empty/oversized embedding.
    pub async fn record_step(
        &self,
        tenant_id: &str,
        tx_id: &str,
        step: &str,
        fields: &serde_json::Value,
        issues: &serde_json::Value,
        face_embedding: Option<&[f32]>,
    ) -> Result<Step, StoreError> {
        validate_step_name(step)?;
        if face_embedding.is_some_and(|e| e.is_empty() || e.len() > MAX_EMBEDDING_LEN) {
            return Err(StoreError::InvalidInput {
                field: "face_embedding",
                reason: "must hold 1 to 4096 values",
            });
        }
        let tx_id = canonical_tx_id(tx_id).ok_or(StoreError::NotFound("transaction"))?;
        let at = now();
        let embedding_bytes = face_embedding.map(embedding_to_bytes);
        dispatch!(self, |pool| {
            let mut db_tx = pool.begin().await?;
            // Write first: the ownership/expiry check doubles as the `updated_at` bump, and on
            // SQLite it takes the write lock at once instead of upgrading from a read lock.
            let owned = sqlx::query(
                "UPDATE transactions SET updated_at = $1 \
                 WHERE id = $2 AND tenant_id = $3 AND expires_at > $1",
            )
            .bind(at)
            .bind(&tx_id)
            .bind(tenant_id)
            .execute(&mut *db_tx)
            .await?
            .rows_affected();
            if owned == 0 {
                return Err(StoreError::NotFound("transaction"));
            }
            sqlx::query(
                "INSERT INTO transaction_steps \
                 (transaction_id, step, fields, issues, face_embedding, completed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (transaction_id, step) DO UPDATE SET \
                 fields = excluded.fields, issues = excluded.issues, \
                 face_embedding = excluded.face_embedding, completed_at = excluded.completed_at",
            )
            .bind(&tx_id)
            .bind(step)
            .bind(Json(fields))
            .bind(Json(issues))
            .bind(&embedding_bytes)
            .bind(at)
            .execute(&mut *db_tx)
            .await?;
            db_tx.commit().await?;
        });
        Ok(Step {
            transaction_id: tx_id,
            name: step.to_owned(),
            fields: fields.clone(),
            issues: issues.clone(),
            face_embedding: face_embedding.map(<[f32]>::to_vec),
            completed_at: at,
        })
    }

    /// The latest outcome of `step` in the tenant's (unexpired) transaction.
    pub async fn get_step(
        &self,
        tenant_id: &str,
        tx_id: &str,
        step: &str,
    ) -> Result<Option<Step>, StoreError> {
        let Some(tx_id) = canonical_tx_id(tx_id) else {
            return Ok(None);
        };
        let at = now();
        let row = dispatch!(self, |pool| {
            sqlx::query_as::<_, StepRow>(
                "SELECT s.transaction_id, s.step, s.fields, s.issues, s.face_embedding, \
                 s.completed_at FROM transaction_steps s \
                 JOIN transactions t ON t.id = s.transaction_id \
                 WHERE t.id = $1 AND t.tenant_id = $2 AND t.expires_at > $3 AND s.step = $4",
            )
            .bind(&tx_id)
            .bind(tenant_id)
            .bind(at)
            .bind(step)
            .fetch_optional(pool)
            .await?
        });
        row.map(Step::try_from).transpose()
    }

    /// Every step of the tenant's (unexpired) transaction, oldest first. Empty when the
    /// transaction is unknown, another tenant's, or expired.
    pub async fn steps(&self, tenant_id: &str, tx_id: &str) -> Result<Vec<Step>, StoreError> {
        let Some(tx_id) = canonical_tx_id(tx_id) else {
            return Ok(Vec::new());
        };
        let at = now();
        let rows = dispatch!(self, |pool| {
            sqlx::query_as::<_, StepRow>(
                "SELECT s.transaction_id, s.step, s.fields, s.issues, s.face_embedding, \
                 s.completed_at FROM transaction_steps s \
                 JOIN transactions t ON t.id = s.transaction_id \
                 WHERE t.id = $1 AND t.tenant_id = $2 AND t.expires_at > $3 \
                 ORDER BY s.completed_at, s.step",
            )
            .bind(&tx_id)
            .bind(tenant_id)
            .bind(at)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(Step::try_from).collect()
    }

    /// The reference face embedding of the tenant's (unexpired) transaction: the one recorded
    /// with the most recently completed step that has one. Bit-exact as recorded.
    pub async fn face_embedding(
        &self,
        tenant_id: &str,
        tx_id: &str,
    ) -> Result<Option<Vec<f32>>, StoreError> {
        let Some(tx_id) = canonical_tx_id(tx_id) else {
            return Ok(None);
        };
        let at = now();
        let bytes: Option<Vec<u8>> = dispatch!(self, |pool| {
            sqlx::query_scalar(
                "SELECT s.face_embedding FROM transaction_steps s \
                 JOIN transactions t ON t.id = s.transaction_id \
                 WHERE t.id = $1 AND t.tenant_id = $2 AND t.expires_at > $3 \
                 AND s.face_embedding IS NOT NULL \
                 ORDER BY s.completed_at DESC, s.step LIMIT 1",
            )
            .bind(&tx_id)
            .bind(tenant_id)
            .bind(at)
            .fetch_optional(pool)
            .await?
        });
        bytes.as_deref().map(embedding_from_bytes).transpose()
    }

    /// Deletes what has expired by `now`: transactions (their steps go with them) and refresh
    /// tokens. Returns the number of transactions and refresh tokens deleted together. Run it
    /// periodically; correctness doesn't depend on it, since expired rows already read as
    /// absent.
    pub async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let now = now.trunc_subsecs(6);
        let deleted = dispatch!(self, |pool| {
            let transactions = sqlx::query("DELETE FROM transactions WHERE expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected();
            let tokens = sqlx::query("DELETE FROM refresh_tokens WHERE expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected();
            transactions + tokens
        });
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedding_bytes_round_trip_bit_exact() {
        let values = [0.0f32, -0.0, 1.5e-42, f32::MAX, f32::NAN, -3.25];
        let back = embedding_from_bytes(&embedding_to_bytes(&values)).unwrap();
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&values));
        assert!(embedding_from_bytes(&[0, 0, 0]).is_err());
    }

    #[test]
    fn step_names_and_ids() {
        assert!(validate_step_name("id_front").is_ok());
        assert!(validate_step_name("Id_Front").is_err());
        assert!(validate_step_name("").is_err());
        let id = "67E55044-10B1-426F-9247-BB680E5FE0C8";
        assert_eq!(
            canonical_tx_id(id).as_deref(),
            Some("67e55044-10b1-426f-9247-bb680e5fe0c8")
        );
        assert_eq!(canonical_tx_id("'; DROP TABLE x"), None);
    }
}
