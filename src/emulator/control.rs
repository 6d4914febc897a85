//! Control endpoints under `/_emulator/` (never on the API paths): statistics,
//! fault injection, reset and clock control.

use super::{FaultRule, Shared};
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::sync::Arc;

/// The control router (nested at `/_emulator`).
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/stats", get(stats).delete(reset_stats))
        .route(
            "/faults",
            get(get_faults).post(set_faults).delete(clear_faults),
        )
        .route("/clock", get(get_clock).post(set_clock))
        .route("/reset", post(reset))
        .with_state(shared)
}

async fn stats(State(s): State<Arc<Shared>>) -> Json<serde_json::Value> {
    Json(serde_json::to_value(s.stats.snapshot()).unwrap_or_default())
}

async fn reset_stats(State(s): State<Arc<Shared>>) -> axum::http::StatusCode {
    s.stats.reset();
    axum::http::StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct FaultsBody {
    rules: Vec<FaultRule>,
    #[serde(default)]
    seed: Option<u64>,
    /// Append to the existing rules instead of replacing them.
    #[serde(default)]
    append: bool,
}

async fn get_faults(State(s): State<Arc<Shared>>) -> Json<Vec<FaultRule>> {
    Json(s.faults.rules())
}

async fn set_faults(
    State(s): State<Arc<Shared>>,
    Json(body): Json<FaultsBody>,
) -> axum::http::StatusCode {
    if body.append {
        for r in body.rules {
            s.faults.add(r);
        }
    } else {
        s.faults.set(body.rules, body.seed);
    }
    axum::http::StatusCode::NO_CONTENT
}

async fn clear_faults(State(s): State<Arc<Shared>>) -> axum::http::StatusCode {
    s.faults.clear();
    axum::http::StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct ClockBody {
    #[serde(default)]
    now: Option<DateTime<Utc>>,
    #[serde(default)]
    advance_ms: Option<i64>,
    #[serde(default)]
    frozen: Option<bool>,
}

async fn get_clock(State(s): State<Arc<Shared>>) -> Json<serde_json::Value> {
    Json(
        serde_json::json!({"now": s.clock.now(), "frozen": s.clock.is_frozen(), "scale": s.clock.scale()}),
    )
}

async fn set_clock(
    State(s): State<Arc<Shared>>,
    Json(body): Json<ClockBody>,
) -> Json<serde_json::Value> {
    if let Some(f) = body.frozen {
        s.clock.freeze(f);
    }
    if let Some(now) = body.now {
        s.clock.set(now);
    }
    if let Some(ms) = body.advance_ms {
        s.clock.advance(chrono::Duration::milliseconds(ms));
    }
    get_clock(State(s)).await
}

async fn reset(State(s): State<Arc<Shared>>) -> axum::http::StatusCode {
    {
        let mut hs = s.hubspot.lock().unwrap_or_else(|e| e.into_inner());
        *hs = super::hubspot::HsState::new(&s.config, &s.clock);
    }
    {
        let mut qbo = s.quickbooks.lock().unwrap_or_else(|e| e.into_inner());
        *qbo = super::quickbooks::QboState::new(&s.config, &s.clock);
    }
    s.stats.reset();
    s.faults.clear();
    s.persist_hubspot();
    s.persist_quickbooks();
    axum::http::StatusCode::NO_CONTENT
}
