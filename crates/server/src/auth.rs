//! Tenants and auth: `ApiKey` plus `Authorization: Bearer <token>` on every `/v1/ocr/*`
//! call; tokens from `/api/credentials/Login` and `/api/credentials/RefreshToken`.
//!
//! Access tokens are HS256 JWTs signed with the installation's secret (kept in the
//! database, so replicas sharing PostgreSQL accept each other's tokens). Refresh tokens are
//! opaque random strings whose hashes the store keeps; each use rotates them.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::envelope::{codes, ApiError};
use crate::state::AppState;

/// Claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The tenant id.
    pub tid: String,
    pub iat: u64,
    pub exp: u64,
}

/// Signing and verification keys derived from the installation secret.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    pub fn issue(&self, tenant_id: &str, user_id: &str, ttl: Duration) -> String {
        let now = unix_now();
        let claims = Claims {
            sub: user_id.to_string(),
            tid: tenant_id.to_string(),
            iat: now,
            exp: now + ttl.as_secs(),
        };
        jsonwebtoken::encode(&Header::default(), &claims, &self.encoding)
            .expect("HS256 signing cannot fail")
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let mut validation = Validation::default();
        // Expiry is exact: a token is refused the second it expires.
        validation.leeway = 0;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    ApiError::unauthorized("the access token has expired: refresh it")
                }
                _ => ApiError::unauthorized("the access token is invalid"),
            })
    }
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The authenticated caller, put in the request's extensions by [`require_auth`].
#[derive(Debug, Clone)]
pub struct AuthContext {
    pub tenant: hawiya_store::Tenant,
}

pub fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Looks up the tenant of the `ApiKey` header.
pub async fn tenant_from_key(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<hawiya_store::Tenant, ApiError> {
    let key = header_str(headers, "apikey")
        .ok_or_else(|| ApiError::unauthorized("missing ApiKey header"))?;
    state
        .store
        .tenant_by_api_key(key)
        .await
        .map_err(crate::routes::store_error)?
        .ok_or_else(|| ApiError::unauthorized("invalid ApiKey"))
}

/// Middleware for `/v1/*`: key, bearer token, same tenant, then the tenant's rate limit.
pub async fn require_auth(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let headers = request.headers();
    let tenant = tenant_from_key(&state, headers).await?;
    let token = header_str(headers, "authorization")
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or_else(|| ApiError::unauthorized("missing Authorization: Bearer token"))?;
    let claims = state.tokens.verify(token)?;
    if claims.tid != tenant.id {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            codes::FORBIDDEN,
            "the token was issued to another tenant than the ApiKey's",
        ));
    }
    let per_second = tenant
        .settings
        .rate_limit_per_second
        .unwrap_or(state.config.rate_per_second);
    let per_minute = tenant
        .settings
        .rate_limit_per_minute
        .unwrap_or(state.config.rate_per_minute);
    if !state.rate_limits.check(&tenant.id, per_second, per_minute) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            codes::RATE_LIMITED,
            format!(
                "rate limit exceeded: {per_second} requests a second and {per_minute} a minute"
            ),
        ));
    }
    let context = AuthContext { tenant };
    request.extensions_mut().insert(context.clone());
    let mut response = next.run(request).await;
    // The observer reads the tenant from the response to write the audit record.
    response.extensions_mut().insert(context);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_other_keys() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef");
        let t = keys.issue("tenant-1", "user-1", Duration::from_secs(60));
        let c = keys.verify(&t).unwrap();
        assert_eq!((c.tid.as_str(), c.sub.as_str()), ("tenant-1", "user-1"));
        let other = TokenKeys::new(b"another secret of thirty-two b!!");
        assert_eq!(
            other.verify(&t).unwrap_err().status,
            StatusCode::UNAUTHORIZED
        );
        assert!(keys.verify("garbage").is_err());
    }
}
