//! Users (login with username or email and an Argon2 password) and refresh tokens.

use std::time::Duration;

use uuid::Uuid;

use crate::secret;
use crate::{map_constraint, now, ttl_delta, Store, StoreError, Tenant, User};

/// Longest accepted username or email (RFC 5321's limit on an address).
const MAX_LOGIN_LEN: usize = 254;
/// Longest accepted password. Argon2 handles any length, but a multi-megabyte "password"
/// is a way to burn CPU, not a credential.
const MAX_PASSWORD_LEN: usize = 1024;

/// Logins are compared case-insensitively (as the hosted API does), so they are stored and
/// looked up trimmed and lower-cased; lowering happens here, in Rust, so both backends agree.
fn normalize_login(login: &str, field: &'static str) -> Result<String, StoreError> {
    let login = login.trim().to_lowercase();
    if login.is_empty() || login.len() > MAX_LOGIN_LEN {
        return Err(StoreError::InvalidInput {
            field,
            reason: "must be 1 to 254 characters",
        });
    }
    if login.chars().any(char::is_control) {
        return Err(StoreError::InvalidInput {
            field,
            reason: "must not contain control characters",
        });
    }
    Ok(login)
}

fn validate_password(password: &str) -> Result<(), StoreError> {
    if password.is_empty() || password.len() > MAX_PASSWORD_LEN {
        return Err(StoreError::InvalidInput {
            field: "password",
            reason: "must be 1 to 1024 bytes",
        });
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct UserWithHash {
    #[sqlx(flatten)]
    user: User,
    password_hash: String,
}

impl Store {
    /// Adds a user who logs in with `email`; the email doubles as the username.
    /// Errors: `InvalidInput`, `NotFound` (no such tenant), `Conflict` (login taken).
    pub async fn add_user(
        &self,
        tenant_id: &str,
        email: &str,
        password: &str,
    ) -> Result<User, StoreError> {
        self.add_user_with_username(tenant_id, email, Some(email), password)
            .await
    }

    /// Adds a user with a username and, optionally, a separate email; either logs in.
    /// No login of one user may equal a login of another user in the same tenant.
    pub async fn add_user_with_username(
        &self,
        tenant_id: &str,
        username: &str,
        email: Option<&str>,
        password: &str,
    ) -> Result<User, StoreError> {
        let username = normalize_login(username, "username")?;
        let email = email.map(|e| normalize_login(e, "email")).transpose()?;
        validate_password(password)?;
        let password = password.to_owned();
        let hash = self
            .password_work(move || secret::hash_password(&password))
            .await??;
        let user = User {
            id: Uuid::new_v4().to_string(),
            tenant_id: tenant_id.to_owned(),
            username,
            email,
            created_at: now(),
        };
        // The other login of the new user, for the cross-column check below.
        let other_login = user.email.as_deref().unwrap_or(&user.username);
        dispatch!(self, |pool| {
            let mut tx = pool.begin().await?;
            // Insert first: on SQLite that takes the write lock at once, so the check below
            // cannot race another writer (a read-then-write transaction could fail with
            // SQLITE_BUSY instead of waiting).
            sqlx::query(
                "INSERT INTO users (id, tenant_id, username, email, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&user.id)
            .bind(&user.tenant_id)
            .bind(&user.username)
            .bind(&user.email)
            .bind(&hash)
            .bind(user.created_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| map_constraint(e, "user login already taken", "tenant"))?;
            // The unique constraints cover username vs username and email vs email; a
            // username equal to another user's email would make a login ambiguous.
            let clash: Option<String> = sqlx::query_scalar(
                "SELECT id FROM users WHERE tenant_id = $1 AND id <> $2 \
                 AND (username IN ($3, $4) OR email IN ($3, $4)) LIMIT 1",
            )
            .bind(&user.tenant_id)
            .bind(&user.id)
            .bind(&user.username)
            .bind(other_login)
            .fetch_optional(&mut *tx)
            .await?;
            if clash.is_some() {
                return Err(StoreError::Conflict("user login already taken"));
            }
            tx.commit().await?;
        });
        Ok(user)
    }

    /// The user of this tenant whose username or email is `login` (ignoring case) and whose
    /// password is `password`; `None` otherwise. An unknown login costs the same Argon2 work
    /// as a wrong password, so timing does not tell which logins exist.
    pub async fn verify_user(
        &self,
        tenant_id: &str,
        login: &str,
        password: &str,
    ) -> Result<Option<User>, StoreError> {
        let Ok(login) = normalize_login(login, "login") else {
            return Ok(None);
        };
        if validate_password(password).is_err() {
            return Ok(None);
        }
        let found = dispatch!(self, |pool| {
            sqlx::query_as::<_, UserWithHash>(
                "SELECT id, tenant_id, username, email, created_at, password_hash FROM users \
                 WHERE tenant_id = $1 AND (username = $2 OR email = $2)",
            )
            .bind(tenant_id)
            .bind(&login)
            .fetch_optional(pool)
            .await?
        });
        let password = password.to_owned();
        let (user, stored_hash) = match found {
            Some(row) => (Some(row.user), Some(row.password_hash)),
            None => (None, None),
        };
        let ok = self
            .password_work(move || match stored_hash {
                Some(hash) => secret::verify_password(&hash, &password),
                None => {
                    // Same work as a real check; the answer is "no" whatever it says.
                    secret::verify_password(secret::dummy_password_hash(), &password);
                    false
                }
            })
            .await?;
        Ok(if ok { user } else { None })
    }

    /// Issues a refresh token for the tenant's user, valid for `ttl`, and returns the
    /// plaintext (only its SHA-256 is stored). Errors: `NotFound` if that user does not exist
    /// in that tenant.
    pub async fn issue_refresh_token(
        &self,
        tenant_id: &str,
        user_id: &str,
        ttl: Duration,
    ) -> Result<String, StoreError> {
        let token = secret::new_refresh_token();
        let created_at = now();
        let expires_at = created_at + ttl_delta(ttl, "refresh token ttl")?;
        let inserted = dispatch!(self, |pool| {
            // INSERT ... SELECT: the row is written only if the user belongs to the tenant.
            sqlx::query(
                "INSERT INTO refresh_tokens (token_hash, user_id, created_at, expires_at) \
                 SELECT $1, id, $2, $3 FROM users WHERE id = $4 AND tenant_id = $5",
            )
            .bind(secret::token_hash(&token))
            .bind(created_at)
            .bind(expires_at)
            .bind(user_id)
            .bind(tenant_id)
            .execute(pool)
            .await
            .map_err(|e| map_constraint(e, "refresh token collision", "user"))?
            .rows_affected()
        });
        if inserted == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(token)
    }

    /// Spends a refresh token: if it is known, unexpired and unused, revokes it and returns
    /// its tenant and user (the caller then issues a new one); otherwise `None`. Revoking and
    /// checking are one atomic `UPDATE`, so a token can be spent only once even when two
    /// requests race with it.
    pub async fn use_refresh_token(
        &self,
        token: &str,
    ) -> Result<Option<(Tenant, User)>, StoreError> {
        let hash = secret::token_hash(token);
        let at = now();
        let found = dispatch!(self, |pool| {
            let mut tx = pool.begin().await?;
            let user_id: Option<String> = sqlx::query_scalar(
                "UPDATE refresh_tokens SET revoked_at = $1 \
                 WHERE token_hash = $2 AND revoked_at IS NULL AND expires_at > $1 \
                 RETURNING user_id",
            )
            .bind(at)
            .bind(&hash)
            .fetch_optional(&mut *tx)
            .await?;
            match user_id {
                None => None,
                Some(user_id) => {
                    let user = sqlx::query_as::<_, User>(
                        "SELECT id, tenant_id, username, email, created_at FROM users WHERE id = $1",
                    )
                    .bind(&user_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    let tenant = sqlx::query_as::<_, Tenant>(
                        "SELECT id, name, created_at, settings FROM tenants WHERE id = $1",
                    )
                    .bind(&user.tenant_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Some((tenant, user))
                }
            }
        });
        Ok(found)
    }

    /// Revokes every outstanding (unused, unexpired) refresh token of a user: logout
    /// everywhere, password change. Returns how many were revoked.
    pub async fn revoke_refresh_tokens(&self, user_id: &str) -> Result<u64, StoreError> {
        let at = now();
        let revoked = dispatch!(self, |pool| {
            sqlx::query(
                "UPDATE refresh_tokens SET revoked_at = $1 \
                 WHERE user_id = $2 AND revoked_at IS NULL AND expires_at > $1",
            )
            .bind(at)
            .bind(user_id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(revoked)
    }
}
