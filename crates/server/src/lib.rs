//! The HTTP surface of hawiya: routes, auth, limits, envelope, OpenAPI, metrics.
//! Handlers parse, authorise, admit, call the pipeline and wrap the envelope; no image
//! code lives here.

pub mod auth;
pub mod config;
pub mod console;
pub mod engine;
pub mod envelope;
pub mod input;
pub mod metrics;
pub mod observe;
pub mod openapi;
pub mod ratelimit;
pub mod routes;
pub mod state;

use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;

pub use config::ServerConfig;
pub use state::AppState;

use envelope::ApiError;
use routes::{credentials, ocr, probes, ROUTES};

/// The whole router over `state`.
pub fn router(state: AppState) -> Router {
    let mut v1 = Router::new();
    for spec in ROUTES {
        v1 = v1
            .route(
                spec.path,
                post(move |s, a, r, h, b| ocr::json_handler(spec, s, a, r, h, b))
                    .fallback(ocr::method_not_allowed),
            )
            .route(
                &format!("{}/file", spec.path),
                post(move |s, a, r, m| ocr::file_handler(spec, s, a, r, m))
                    .fallback(ocr::method_not_allowed),
            );
    }
    let v1 = v1.route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        auth::require_auth,
    ));
    Router::new()
        .merge(v1)
        .route(
            "/api/credentials/Login",
            post(credentials::login).fallback(ocr::method_not_allowed),
        )
        .route(
            "/api/credentials/RefreshToken",
            post(credentials::refresh).fallback(ocr::method_not_allowed),
        )
        .route("/health", get(probes::health))
        .route("/ready", get(probes::ready))
        .route("/metrics", get(probes::metrics))
        .route("/openapi.json", get(probes::openapi))
        .route("/console", get(console::index))
        .route("/console/", get(console::index))
        .route("/console/app.js", get(console::app_js))
        .route("/console/style.css", get(console::style_css))
        .fallback(ocr::not_found)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            observe::observe,
        ))
        .layer(CatchPanicLayer::custom(|_panic| {
            use axum::response::IntoResponse;
            ApiError::internal("internal error; it is logged on the server").into_response()
        }))
        .with_state(state)
}

/// Removes expired transactions every `interval`, for as long as the process runs.
pub fn spawn_purge(state: AppState) {
    let interval = Duration::from_secs(state.config.purge_interval_secs.max(1));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        loop {
            tick.tick().await;
            match state.store.purge_expired(chrono::Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "expired transactions purged"),
                Err(e) => tracing::warn!(error = %e, "purge failed"),
            }
        }
    });
}

/// Serves `router` on `listener` until SIGINT/SIGTERM, letting in-flight requests finish.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    spawn_purge(state.clone());
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
