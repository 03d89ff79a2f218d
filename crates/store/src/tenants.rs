//! Tenants and their API keys.

use sqlx::types::Json;
use uuid::Uuid;

use crate::secret;
use crate::{map_constraint, now, Store, StoreError, Tenant, TenantSettings};

/// Longest accepted tenancy name; ABP-style hosted APIs use the same bound.
const MAX_TENANT_NAME_LEN: usize = 64;

/// Tenancy names are restricted to ASCII so that `lower(name)` means the same thing in
/// SQLite (ASCII-only lowering) and PostgreSQL (locale-aware lowering), keeping the
/// case-insensitive unique index consistent across backends.
fn validate_tenant_name(name: &str) -> Result<(), StoreError> {
    let invalid = |reason| StoreError::InvalidInput {
        field: "tenancy name",
        reason,
    };
    if name.is_empty() || name.len() > MAX_TENANT_NAME_LEN {
        return Err(invalid("must be 1 to 64 characters"));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(invalid("must start with a letter"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(invalid("may hold only ASCII letters, digits, '_' and '-'"));
    }
    Ok(())
}

fn validate_settings(settings: &TenantSettings) -> Result<(), StoreError> {
    let invalid = |field, reason| StoreError::InvalidInput { field, reason };
    if settings.rate_limit_per_second == Some(0) {
        return Err(invalid("rate_limit_per_second", "must be at least 1"));
    }
    if settings.rate_limit_per_minute == Some(0) {
        return Err(invalid("rate_limit_per_minute", "must be at least 1"));
    }
    if let Some(t) = settings.face_match_threshold {
        if !t.is_finite() || t < 0.0 {
            return Err(invalid(
                "face_match_threshold",
                "must be a finite, non-negative number",
            ));
        }
    }
    Ok(())
}

impl Store {
    /// Creates a tenant with default settings. Returns it together with its API key
    /// (`hwy_` + 32 URL-safe characters): the only time the plaintext key exists; only its
    /// SHA-256 is stored.
    ///
    /// Errors: `InvalidInput` for a malformed name, `Conflict` if the name is taken (ignoring
    /// case).
    pub async fn create_tenant(&self, name: &str) -> Result<(Tenant, String), StoreError> {
        validate_tenant_name(name)?;
        let key = secret::new_api_key();
        let tenant = Tenant {
            id: Uuid::new_v4().to_string(),
            name: name.to_owned(),
            created_at: now(),
            settings: TenantSettings::default(),
        };
        dispatch!(self, |pool| {
            sqlx::query(
                "INSERT INTO tenants (id, name, api_key_hash, settings, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&tenant.id)
            .bind(&tenant.name)
            .bind(secret::token_hash(&key))
            .bind(Json(&tenant.settings))
            .bind(tenant.created_at)
            .execute(pool)
            .await
            .map_err(|e| map_constraint(e, "tenancy name already taken", "tenant"))?;
        });
        Ok((tenant, key))
    }

    /// The tenant whose API key this is, or `None` for an unknown (or rotated-away) key.
    pub async fn tenant_by_api_key(&self, key: &str) -> Result<Option<Tenant>, StoreError> {
        if !key.starts_with(secret::API_KEY_PREFIX) {
            // Not one of ours: skip the round trip.
            return Ok(None);
        }
        let hash = secret::token_hash(key);
        let tenant = dispatch!(self, |pool| {
            sqlx::query_as::<_, Tenant>(
                "SELECT id, name, created_at, settings FROM tenants WHERE api_key_hash = $1",
            )
            .bind(&hash)
            .fetch_optional(pool)
            .await?
        });
        Ok(tenant)
    }

    /// The tenant with this tenancy name, compared without regard to case.
    pub async fn tenant_by_name(&self, name: &str) -> Result<Option<Tenant>, StoreError> {
        if validate_tenant_name(name).is_err() {
            // Such a tenant can't exist; also keeps non-ASCII input away from `lower()`.
            return Ok(None);
        }
        let tenant = dispatch!(self, |pool| {
            sqlx::query_as::<_, Tenant>(
                "SELECT id, name, created_at, settings FROM tenants WHERE lower(name) = lower($1)",
            )
            .bind(name)
            .fetch_optional(pool)
            .await?
        });
        Ok(tenant)
    }

    /// The tenant with this id.
    pub async fn tenant_by_id(&self, id: &str) -> Result<Option<Tenant>, StoreError> {
        let tenant = dispatch!(self, |pool| {
            sqlx::query_as::<_, Tenant>(
                "SELECT id, name, created_at, settings FROM tenants WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        Ok(tenant)
    }

    /// All tenants, ordered by name.
    pub async fn list_tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        let tenants = dispatch!(self, |pool| {
            sqlx::query_as::<_, Tenant>(
                "SELECT id, name, created_at, settings FROM tenants ORDER BY lower(name)",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(tenants)
    }

    /// Replaces a tenant's settings. Errors: `InvalidInput` for a zero rate limit or a
    /// negative/non-finite threshold, `NotFound` for an unknown tenant.
    pub async fn update_tenant_settings(
        &self,
        tenant_id: &str,
        settings: &TenantSettings,
    ) -> Result<(), StoreError> {
        validate_settings(settings)?;
        let updated = dispatch!(self, |pool| {
            sqlx::query("UPDATE tenants SET settings = $1 WHERE id = $2")
                .bind(Json(settings))
                .bind(tenant_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if updated == 0 {
            return Err(StoreError::NotFound("tenant"));
        }
        Ok(())
    }

    /// Gives the tenant a new API key and returns it; the old key stops working at once.
    pub async fn rotate_api_key(&self, tenant_id: &str) -> Result<String, StoreError> {
        let key = secret::new_api_key();
        let updated = dispatch!(self, |pool| {
            sqlx::query("UPDATE tenants SET api_key_hash = $1 WHERE id = $2")
                .bind(secret::token_hash(&key))
                .bind(tenant_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if updated == 0 {
            return Err(StoreError::NotFound("tenant"));
        }
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_names() {
        assert!(validate_tenant_name("acme").is_ok());
        assert!(validate_tenant_name("Acme_Bank-2").is_ok());
        assert!(validate_tenant_name("").is_err());
        assert!(validate_tenant_name("2acme").is_err());
        assert!(validate_tenant_name("acme bank").is_err());
        assert!(validate_tenant_name("بنك").is_err());
        assert!(validate_tenant_name(&"a".repeat(65)).is_err());
    }
}
