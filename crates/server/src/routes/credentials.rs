//! `POST /api/credentials/Login` and `POST /api/credentials/RefreshToken` (api.md).

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::store_error;
use crate::auth::{header_str, tenant_from_key};
use crate::envelope::{codes, ApiError, Envelope};
use crate::input::parse_json;
use crate::state::AppState;

fn body_fields(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<crate::input::OcrInput, ApiError> {
    let body = body.map_err(|e| {
        ApiError::bad_request(format!(
            "the request body could not be read: {}",
            e.body_text()
        ))
    })?;
    parse_json(headers, &body, &[], |_| 0)
}

/// Issues a new refresh token and an access token for `user_id`, in the envelope.
async fn issue_tokens(
    state: &AppState,
    tenant_id: &str,
    user_id: &str,
) -> Result<Response, ApiError> {
    let refresh = state
        .store
        .issue_refresh_token(
            tenant_id,
            user_id,
            Duration::from_secs(state.config.refresh_token_ttl_secs),
        )
        .await
        .map_err(store_error)?;
    Ok(token_envelope(state, tenant_id, user_id, refresh))
}

fn token_envelope(state: &AppState, tenant_id: &str, user_id: &str, refresh: String) -> Response {
    let access_ttl = Duration::from_secs(state.config.access_token_ttl_secs);
    let mut data = Map::new();
    data.insert(
        "accessToken".into(),
        json!(state.tokens.issue(tenant_id, user_id, access_ttl)),
    );
    data.insert("expireInSeconds".into(), json!(access_ttl.as_secs()));
    data.insert("refreshToken".into(), json!(refresh));
    data.insert(
        "refreshTokenExpireInSeconds".into(),
        json!(state.config.refresh_token_ttl_secs),
    );
    data.insert("userId".into(), Value::String(user_id.to_string()));
    Envelope::new(data).into_response_with(StatusCode::OK)
}

/// Login: `ApiKey` and `TenancyName` headers; body `tenancyName`,
/// `userNameOrEmailAddress`, `password`.
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let tenant = tenant_from_key(&state, &headers).await?;
    let input = body_fields(&headers, body)?;
    let user_name = input.required_text("userNameOrEmailAddress")?;
    let password = input.required_text("password")?;
    let claimed = input
        .text("tenancyName")?
        .or_else(|| header_str(&headers, "tenancyname").map(str::to_string));
    if let Some(name) = claimed {
        if !name.eq_ignore_ascii_case(&tenant.name) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                codes::FORBIDDEN,
                "tenancyName does not match the ApiKey's tenant",
            ));
        }
    }
    let user = state
        .store
        .verify_user(&tenant.id, &user_name, &password)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::unauthorized("invalid user name or password"))?;
    issue_tokens(&state, &tenant.id, &user.id).await
}

/// Refresh: body `refreshToken`; the old refresh token stops working.
pub async fn refresh(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let input = body_fields(&headers, body)?;
    let token = input.required_text("refreshToken")?;
    let (tenant, user) = state
        .store
        .use_refresh_token(&token)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::unauthorized("the refresh token is invalid, used or expired"))?;
    issue_tokens(&state, &tenant.id, &user.id).await
}
