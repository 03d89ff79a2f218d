//! The records the store hands out. All timestamps are UTC, truncated to microseconds (the
//! resolution PostgreSQL keeps), so a value reads back exactly as it was written on both
//! backends.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Requests per second a tenant may make when its settings don't say otherwise (api.md:
/// "Default rate limit per tenant: 10 requests a second and 60 a minute").
pub const DEFAULT_RATE_LIMIT_PER_SECOND: u32 = 10;
/// Requests per minute a tenant may make when its settings don't say otherwise (api.md).
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 60;

/// A customer organisation: the API's tenancy.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Tenant {
    /// UUID string.
    pub id: String,
    /// The API's `tenancyName`: ASCII letters, digits, `_` and `-`, starting with a letter;
    /// unique regardless of case.
    pub name: String,
    pub created_at: DateTime<Utc>,
    #[sqlx(json)]
    pub settings: TenantSettings,
}

/// Per-tenant overrides. Every field is optional: `None` means "use the server's default".
/// Stored as JSON, so adding a field later needs no migration; unknown keys are ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TenantSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_second: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_minute: Option<u32>,
    /// Face-match dissimilarity threshold; the pipeline's default applies when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub face_match_threshold: Option<f32>,
    /// Whether `id/front` also runs the AML check; the server's default applies when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aml_on_id_front: Option<bool>,
    /// AML match threshold (0-100); the server's default applies when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aml_threshold: Option<f32>,
}

impl TenantSettings {
    /// The tenant's per-second limit, or [`DEFAULT_RATE_LIMIT_PER_SECOND`].
    pub fn rate_limit_per_second(&self) -> u32 {
        self.rate_limit_per_second
            .unwrap_or(DEFAULT_RATE_LIMIT_PER_SECOND)
    }

    /// The tenant's per-minute limit, or [`DEFAULT_RATE_LIMIT_PER_MINUTE`].
    pub fn rate_limit_per_minute(&self) -> u32 {
        self.rate_limit_per_minute
            .unwrap_or(DEFAULT_RATE_LIMIT_PER_MINUTE)
    }
}

/// A person who logs in on behalf of a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct User {
    /// UUID string.
    pub id: String,
    pub tenant_id: String,
    /// Lower-cased and trimmed; unique within the tenant.
    pub username: String,
    /// Lower-cased and trimmed; unique within the tenant when present.
    pub email: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A KYC transaction: the steps (ID front, back, face match...) one end customer goes
/// through, tied together by its id. Owned by one tenant.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Transaction {
    /// UUID string (lowercase, hyphenated).
    pub id: String,
    pub tenant_id: String,
    /// The caller's own reference, echoed back in responses.
    pub client_transaction_id: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When the last step was recorded (or `created_at`).
    pub updated_at: DateTime<Utc>,
    /// After this instant the transaction reads as not found and may be purged.
    pub expires_at: DateTime<Utc>,
}

/// The outcome of one step of a transaction. No images: only extracted fields, validation
/// issues and, for the photo that later face matches compare against, a face embedding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub transaction_id: String,
    /// e.g. `id_front`, `id_back`, `passport`, `face_match`.
    pub name: String,
    /// The extracted fields, as the server chose to serialise them.
    pub fields: serde_json::Value,
    /// Validation issues, as the server chose to serialise them.
    pub issues: serde_json::Value,
    #[serde(skip)]
    pub face_embedding: Option<Vec<f32>>,
    pub completed_at: DateTime<Utc>,
}

/// One served request, as read back from the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct AuditRecord {
    /// `None` when the request was not (or could not be) tied to a tenant, e.g. a bad key.
    pub tenant_id: Option<String>,
    pub route: String,
    pub request_id: String,
    /// HTTP status code.
    pub status: i32,
    /// The envelope's `error_code`, if any.
    pub error_code: Option<i32>,
    pub duration_ms: i64,
    /// When the row was written (the end of the request).
    pub at: DateTime<Utc>,
}
