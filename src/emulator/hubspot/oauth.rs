//! OAuth token endpoint (`POST /oauth/v1/token`, `/oauth/v3/token`,
//! `/oauth/2026-03/token`), form-encoded, answering HubSpot's snake_case
//! `AccessTokenResponse`. Supports `refresh_token` (the refresh token does
//! not rotate, as on HubSpot) and `client_credentials`. Access tokens expire
//! after `Limits.hubspot_access_token_ttl` of scaled time. Also the v1
//! access-token introspection `GET /oauth/v1/access-tokens/{token}`.

use super::errors::HsError;
use super::objects::lock;
use super::wire::reply;
use crate::emulator::Shared;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

/// Scopes reported for issued tokens.
const SCOPES: [&str; 16] = [
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.objects.companies.read",
    "crm.objects.companies.write",
    "crm.objects.deals.read",
    "crm.objects.deals.write",
    "crm.objects.products.read",
    "crm.objects.products.write",
    "crm.objects.line_items.read",
    "crm.objects.line_items.write",
    "crm.objects.quotes.read",
    "crm.objects.quotes.write",
    "crm.objects.invoices.read",
    "crm.objects.invoices.write",
    "crm.schemas.contacts.read",
    "crm.schemas.contacts.write",
];

/// `POST /oauth/{v1,v3,2026-03}/token`.
pub async fn token(State(s): State<Arc<Shared>>, body: Bytes) -> Result<Response, HsError> {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let grant = field("grant_type");
    if grant != "refresh_token" && grant != "client_credentials" {
        return Err(if grant == "authorization_code" {
            HsError::oauth("BAD_AUTH_CODE", "missing or unknown auth code")
        } else {
            HsError::oauth("BAD_GRANT_TYPE", "missing or unsupported grant_type")
        });
    }
    if field("client_id") != s.config.hubspot_client_id {
        return Err(HsError::oauth(
            "BAD_CLIENT_ID",
            "missing or unknown client id",
        ));
    }
    if field("client_secret") != s.config.hubspot_client_secret {
        return Err(HsError::oauth(
            "BAD_CLIENT_SECRET",
            "missing or invalid client secret",
        ));
    }
    if grant == "refresh_token" && field("refresh_token") != s.config.hubspot_refresh_token {
        return Err(HsError::oauth(
            "BAD_REFRESH_TOKEN",
            "missing or unknown refresh token",
        ));
    }
    let ttl = s.config.limits.hubspot_access_token_ttl;
    let (token, hub) = {
        let mut st = lock(&s);
        let t = st
            .runtime
            .issue_token(s.config.seed, s.clock.elapsed(), ttl);
        (t, st.account().portal_id)
    };
    let mut body = json!({
        "access_token": token,
        "refresh_token": s.config.hubspot_refresh_token,
        "expires_in": ttl.as_secs(),
        "token_type": "bearer",
        "token_use": "access_token",
        "hub_id": hub,
        "user_id": 1,
        "scopes": SCOPES,
    });
    if grant == "client_credentials"
        && let Some(m) = body.as_object_mut()
    {
        m.remove("refresh_token");
        m.insert("token_use".into(), "client_credentials".into());
    }
    Ok(reply(200, &body, false))
}

/// `GET /oauth/v1/access-tokens/{token}`.
pub async fn introspect(
    State(s): State<Arc<Shared>>,
    Path(token): Path<String>,
) -> Result<Response, HsError> {
    let st = lock(&s);
    match st.runtime.token_status(&token, s.clock.elapsed()) {
        Some(Ok(left)) => Ok(reply(
            200,
            &json!({"token": token, "user": "emulator@example.com", "hub_domain": "emulator.hubspot.local",
                    "scopes": SCOPES, "hub_id": st.account().portal_id, "app_id": 1, "expires_in": left.as_secs(),
                    "user_id": 1, "token_type": "access"}),
            false,
        )),
        _ => Err(HsError::new(
            404,
            "OBJECT_NOT_FOUND",
            "Access token not found or expired",
        )),
    }
}
