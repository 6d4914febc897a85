//! The emulated QuickBooks Online API.

use super::{Clock, EmulatorConfig, EmulatorError, Shared};
use axum::Router;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;

/// All persisted data of this API.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct QboState {}

impl QboState {
    /// Fresh state for a new emulator.
    pub fn new(_config: &EmulatorConfig, _clock: &Clock) -> Self {
        QboState {}
    }
}

/// The API routes.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().with_state(shared)
}

impl QboState {
    /// Load seed fixtures from `dir`.
    pub fn load_seed(
        &mut self,
        _dir: &Path,
        _config: &EmulatorConfig,
        _clock: &Clock,
    ) -> Result<(), EmulatorError> {
        Ok(())
    }
}
