//! The audit log: one row per served request. Metadata only: no request bodies, no
//! extracted fields, no images.

use chrono::{DateTime, SubsecRound, Utc};

use crate::{now, AuditRecord, Store, StoreError};

impl Store {
    /// Appends one request to the audit log, stamped with the current time. The integer
    /// types are the columns' own (`INTEGER`, `BIGINT`), so nothing is converted or clamped.
    pub async fn record_audit(
        &self,
        tenant_id: Option<&str>,
        route: &str,
        request_id: &str,
        status: i32,
        error_code: Option<i32>,
        duration_ms: i64,
    ) -> Result<(), StoreError> {
        let at = now();
        dispatch!(self, |pool| {
            sqlx::query(
                "INSERT INTO audit_log \
                 (tenant_id, route, request_id, status, error_code, duration_ms, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(tenant_id)
            .bind(route)
            .bind(request_id)
            .bind(status)
            .bind(error_code)
            .bind(duration_ms)
            .bind(at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The newest `limit` audit rows, newest first: of one tenant for `Some(tenant_id)`, of
    /// all requests (including those tied to no tenant) for `None`.
    pub async fn recent_audit(
        &self,
        tenant_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let limit = i64::from(limit);
        // `id` breaks ties between rows written in the same microsecond, in insertion order.
        let rows = dispatch!(self, |pool| match tenant_id {
            Some(tenant_id) => {
                sqlx::query_as::<_, AuditRecord>(
                    "SELECT tenant_id, route, request_id, status, error_code, duration_ms, at \
                     FROM audit_log WHERE tenant_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
                )
                .bind(tenant_id)
                .bind(limit)
                .fetch_all(pool)
                .await?
            }
            None => {
                sqlx::query_as::<_, AuditRecord>(
                    "SELECT tenant_id, route, request_id, status, error_code, duration_ms, at \
                     FROM audit_log ORDER BY at DESC, id DESC LIMIT $1",
                )
                .bind(limit)
                .fetch_all(pool)
                .await?
            }
        });
        Ok(rows)
    }

    /// Deletes audit rows older than `before`; returns how many. Retention is the operator's
    /// choice, so nothing here calls it on a schedule.
    pub async fn purge_audit_before(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let before = before.trunc_subsecs(6);
        let deleted = dispatch!(self, |pool| {
            sqlx::query("DELETE FROM audit_log WHERE at < $1")
                .bind(before)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(deleted)
    }
}
