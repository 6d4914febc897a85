//! The emulated HubSpot CRM API.

use super::{Clock, EmulatorConfig, EmulatorError, Shared};
use axum::Router;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;

/// All persisted data of this API.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct HsState {}

impl HsState {
    /// Fresh state for a new emulator.
    pub fn new(_config: &EmulatorConfig, _clock: &Clock) -> Self {
        HsState {}
    }
}

/// The API routes.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().with_state(shared)
}

impl HsState {
    /// Load seed fixtures from `dir`.
    pub fn load_seed(&mut self, _dir: &Path, _clock: &Clock) -> Result<(), EmulatorError> {
        Ok(())
    }
}
