//! Per-request observation: a request id, a log line without personal data, metrics,
//! and an audit record (tenant, route, time, outcome).

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::AuthContext;
use crate::state::AppState;

/// The id of one request, echoed in `data.request_id` and the `x-request-id` header.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The outcome's code, put in the response's extensions by the envelope.
#[derive(Debug, Clone, Copy)]
pub struct OutcomeCode(pub u32);

pub async fn observe(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let request_id = uuid::Uuid::new_v4().to_string();
    request
        .extensions_mut()
        .insert(RequestId(request_id.clone()));
    let mut response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state
        .metrics
        .requests
        .with_label_values(&[&route, &status.to_string()])
        .inc();
    state
        .metrics
        .latency
        .with_label_values(&[&route])
        .observe(elapsed.as_secs_f64());
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", v);
    }
    let tenant = response
        .extensions()
        .get::<AuthContext>()
        .map(|a| a.tenant.id.clone());
    let code = response.extensions().get::<OutcomeCode>().map(|c| c.0);
    // Only ids, route, status and timing are logged: never bodies, names or ID numbers.
    tracing::info!(
        request_id = %request_id,
        route = %route,
        status,
        error_code = code,
        tenant = tenant.as_deref().unwrap_or("-"),
        ms = elapsed.as_millis() as u64,
        "request"
    );
    if route.starts_with("/v1/") || route.starts_with("/api/") {
        let store = state.store.clone();
        let duration_ms = elapsed.as_millis() as i64;
        tokio::spawn(async move {
            if let Err(e) = store
                .record_audit(
                    tenant.as_deref(),
                    &route,
                    &request_id,
                    i32::from(status),
                    code.map(|c| c as i32),
                    duration_ms,
                )
                .await
            {
                tracing::warn!(error = %e, "audit record not written");
            }
        });
    }
    response
}
