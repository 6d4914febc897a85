//! Account details (`GET /account-info/v3/details`) and pipelines
//! (`GET /crm/v3/pipelines/{objectType}[/{pipelineId}]`; deals have the
//! default "Sales Pipeline", other objects none).

use super::catalog::DEAL_STAGES;
use super::errors::HsError;
use super::kinds::ObjectKind;
use super::objects::lock;
use super::values::iso_millis;
use super::wire::{kind_of, reply};
use crate::emulator::Shared;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Value, json};
use std::sync::Arc;

/// `GET /account-info/v3/details`.
pub async fn details(State(s): State<Arc<Shared>>) -> Result<Response, HsError> {
    let st = lock(&s);
    let a = st.account();
    let body = json!({
        "portalId": a.portal_id,
        "accountType": "STANDARD",
        "timeZone": a.time_zone,
        "companyCurrency": a.company_currency,
        "additionalCurrencies": a.additional_currencies,
        "utcOffset": a.utc_offset(),
        "utcOffsetMilliseconds": a.utc_offset_milliseconds,
        "uiDomain": a.ui_domain,
        "dataHostingLocation": a.data_hosting_location,
    });
    Ok(reply(200, &body, false))
}

fn deal_pipeline() -> Value {
    let ts = iso_millis(1_577_836_800_000);
    let stages: Vec<Value> = DEAL_STAGES
        .iter()
        .enumerate()
        .map(|(i, (id, label, prob, closed))| {
            json!({"label": label, "displayOrder": i, "metadata": {"isClosed": closed.to_string(), "probability": prob},
                   "id": id, "createdAt": ts, "updatedAt": ts, "archived": false,
                   "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT"})
        })
        .collect();
    json!({"label": "Sales Pipeline", "displayOrder": 0, "id": "default", "stages": stages,
           "createdAt": ts, "updatedAt": ts, "archived": false})
}

fn pipelines(kind: ObjectKind) -> Vec<Value> {
    match kind {
        ObjectKind::Deals => vec![deal_pipeline()],
        _ => Vec::new(),
    }
}

/// `GET /crm/v3/pipelines/{objectType}`.
pub async fn list(Path(t): Path<String>) -> Result<Response, HsError> {
    let kind = kind_of(&t)?;
    Ok(reply(200, &json!({"results": pipelines(kind)}), false))
}

/// `GET /crm/v3/pipelines/{objectType}/{pipelineId}`.
pub async fn read(Path((t, id)): Path<(String, String)>) -> Result<Response, HsError> {
    let kind = kind_of(&t)?;
    let p = pipelines(kind)
        .into_iter()
        .find(|p| p["id"] == id.as_str())
        .ok_or_else(|| HsError::not_found(format!("Pipeline {id} does not exist")))?;
    Ok(reply(200, &p, false))
}
