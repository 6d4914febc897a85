//! HubSpot CRM API client: auth, objects, batch, search, properties,
//! associations.
//!
//! Architecture invariant: the wire types (`wire.rs`) are private; every
//! public method returns model types (`HsRecord`, `HsPropertyDef`,
//! `Association`) or small result types defined here. The client decides
//! nothing about *what* to change.

mod associations;
mod auth;
mod client;
mod config;
mod error;
mod objects;
mod properties;
mod search;
mod wire;

pub use associations::assoc_types;
pub use client::HubSpotClient;
pub use config::{HubSpotAuth, HubSpotConfig, HubSpotLimits, PathStyle};
pub use error::{HsApiError, HsItemError, HsOutcome, HubSpotError, existing_id};
pub use objects::{HsAssociationTo, HsBatchRead, HsCreate, HsUpdate, HsUpsert, HsUpserted};
pub use properties::EnsureOutcome;
pub use search::{HsChanges, last_modified_property};
