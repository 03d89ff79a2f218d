//! `/health`, `/ready`, `/metrics`, `/openapi.json`.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::sync::atomic::Ordering;

use crate::state::AppState;

/// The process is up.
pub async fn health() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// Ready once every model is loaded and the database answers.
pub async fn ready(State(state): State<AppState>) -> Response {
    let models = state.engine.ready();
    let database = state.store.ping().await.is_ok();
    let failed = state.engine.failed();
    let status = if models && database {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if status == StatusCode::OK { "ready" } else { "not ready" },
        "models_loaded": models,
        "worker_failed": failed,
        "database": database,
    });
    (status, Json(body)).into_response()
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let stats = state.engine.stats();
    state
        .metrics
        .queue_depth
        .set(stats.queued.load(Ordering::Relaxed) as i64);
    state
        .metrics
        .running
        .set(stats.running.load(Ordering::Relaxed) as i64);
    state
        .metrics
        .workers_ready
        .set(stats.workers_ready.load(Ordering::Relaxed) as i64);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

pub async fn openapi() -> Response {
    Json(crate::openapi::document()).into_response()
}
