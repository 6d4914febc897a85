//! The emulated HubSpot CRM API (wire format: `shared/reference/hubspot-api.md`;
//! behaviour and seed format: `docs/emulator-hubspot.md`).
//!
//! Code map:
//! - `kinds`, `catalog`, `props`, `values`: object types, the HubSpot-defined
//!   property catalog, property definitions and value formats.
//! - `store`, `write`, `assoc`: the persisted portal ([`HsState`]), validated
//!   writes with unique-value enforcement, the association graph.
//! - `objects`, `batch`, `search`, `properties_api`, `assoc_api`, `account`,
//!   `oauth`: HTTP handlers (served under both the `v3`/`v4` and the dated
//!   `2026-03` paths, same handlers).
//! - `middleware`: the one layer for faults, auth, rate limits, stats,
//!   correlation ids and persistence; `runtime`: its non-persisted state.
//! - `inproc`, `seed`: the in-process API and seed fixtures.

mod account;
mod assoc;
mod assoc_api;
mod batch;
mod catalog;
mod errors;
mod inproc;
mod kinds;
mod middleware;
mod oauth;
mod objects;
mod properties_api;
mod props;
mod runtime;
mod search;
mod seed;
mod store;
mod values;
mod wire;
mod write;

pub use errors::{HsError, Shape};
pub use inproc::RecordView;
pub use kinds::ObjectKind;
pub use store::{Account, DEFAULT_PORTAL_ID, FIRST_RECORD_ID, HsState};

use super::Shared;
use axum::Router;
use axum::routing::{any, get, post, put};
use std::sync::Arc;

/// The API routes, wrapped in the HubSpot middleware.
pub fn router(shared: Arc<Shared>) -> Router {
    let mut r: Router<Arc<Shared>> = Router::new();
    for p in ["/crm/v3/objects", "/crm/objects/2026-03"] {
        r = r
            .route(
                &format!("{p}/{{objectType}}"),
                get(objects::list).post(objects::create),
            )
            .route(
                &format!("{p}/{{objectType}}/{{objectId}}"),
                get(objects::read)
                    .patch(objects::update)
                    .delete(objects::archive),
            )
            .route(&format!("{p}/{{objectType}}/batch/read"), post(batch::read))
            .route(
                &format!("{p}/{{objectType}}/batch/create"),
                post(batch::create),
            )
            .route(
                &format!("{p}/{{objectType}}/batch/update"),
                post(batch::update),
            )
            .route(
                &format!("{p}/{{objectType}}/batch/upsert"),
                post(batch::upsert),
            )
            .route(
                &format!("{p}/{{objectType}}/batch/archive"),
                post(batch::archive),
            )
            .route(&format!("{p}/{{objectType}}/search"), post(search::search));
    }
    for p in ["/crm/v4/objects", "/crm/objects/2026-03"] {
        let rec = format!("{p}/{{objectType}}/{{objectId}}/associations");
        r = r
            .route(&format!("{rec}/{{toObjectType}}"), get(assoc_api::list))
            .route(
                &format!("{rec}/{{toObjectType}}/{{toObjectId}}"),
                put(assoc_api::put_labels).delete(assoc_api::delete_pair),
            )
            .route(
                &format!("{rec}/default/{{toObjectType}}/{{toObjectId}}"),
                put(assoc_api::put_default),
            );
    }
    for p in ["/crm/v4/associations", "/crm/associations/2026-03"] {
        let b = format!("{p}/{{fromObjectType}}/{{toObjectType}}/batch");
        r = r
            .route(&format!("{b}/read"), post(assoc_api::batch_read))
            .route(&format!("{b}/create"), post(assoc_api::batch_create))
            .route(&format!("{b}/archive"), post(assoc_api::batch_archive))
            .route(
                &format!("{b}/labels/archive"),
                post(assoc_api::batch_labels_archive),
            )
            .route(
                &format!("{b}/associate/default"),
                post(assoc_api::batch_default),
            );
    }
    for p in [
        "/crm/v4/associations",
        "/crm/associations/v4",
        "/crm/associations/2026-03",
    ] {
        r = r.route(
            &format!("{p}/{{fromObjectType}}/{{toObjectType}}/labels"),
            get(assoc_api::labels),
        );
    }
    for p in ["/crm/v3/properties", "/crm/properties/2026-03"] {
        let t = format!("{p}/{{objectType}}");
        r = r
            .route(&t, get(properties_api::list).post(properties_api::create))
            .route(
                &format!("{t}/{{propertyName}}"),
                get(properties_api::read)
                    .patch(properties_api::update)
                    .delete(properties_api::archive),
            )
            .route(&format!("{t}/batch/read"), post(properties_api::batch_read))
            .route(
                &format!("{t}/batch/create"),
                post(properties_api::batch_create),
            )
            .route(
                &format!("{t}/batch/archive"),
                post(properties_api::batch_archive),
            )
            .route(
                &format!("{t}/groups"),
                get(properties_api::groups_list).post(properties_api::groups_create),
            )
            .route(
                &format!("{t}/groups/{{groupName}}"),
                get(properties_api::groups_read)
                    .patch(properties_api::groups_update)
                    .delete(properties_api::groups_archive),
            );
    }
    for p in ["/crm/v3/pipelines", "/crm/pipelines/2026-03"] {
        r = r
            .route(&format!("{p}/{{objectType}}"), get(account::list))
            .route(
                &format!("{p}/{{objectType}}/{{pipelineId}}"),
                get(account::read),
            );
    }
    for v in ["v1", "v3", "2026-03"] {
        r = r.route(&format!("/oauth/{v}/token"), post(oauth::token));
    }
    r = r
        .route("/oauth/v1/access-tokens/{token}", get(oauth::introspect))
        .route("/account-info/v3/details", get(account::details))
        .route("/account-info/2026-03/details", get(account::details));
    // Unknown paths under the HubSpot prefixes answer a JSON 404 (the
    // middleware turns the bare 404 into HubSpot's error body).
    for p in ["/crm/{*rest}", "/oauth/{*rest}", "/account-info/{*rest}"] {
        r = r.route(p, any(not_found));
    }
    r.layer(axum::middleware::from_fn_with_state(
        shared.clone(),
        middleware::layer,
    ))
    .with_state(shared)
}

async fn not_found(uri: axum::http::Uri) -> HsError {
    HsError::not_found(format!("No route for {}", uri.path()))
}
