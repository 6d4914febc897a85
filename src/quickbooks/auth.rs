//! QBO OAuth2: refresh-token grant with rotation. The access token is reused
//! until shortly before `expires_in`; every rotated refresh token goes to the
//! [`TokenSink`] before the new access token is used.

use super::config::{QboAuth, TokenSink};
use super::error::QboError;
use super::wire::{TokenErrorBody, TokenResponse};
use crate::http::{Call, CallBody, Hooks, Transport, header_loose};
use crate::secret::Secret;
use base64::Engine;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use url::Url;

#[derive(Debug)]
pub(crate) struct RefreshState {
    access: Option<(Secret, Instant)>,
    refresh: Secret,
}

pub(crate) enum QboTokens {
    Static(Secret),
    Refresh {
        realm_id: String,
        client_id: String,
        client_secret: Secret,
        token_url: Url,
        margin: Duration,
        sink: Arc<dyn TokenSink>,
        // Held across the refresh call (tokio mutex): one refresh at a time,
        // so two tasks never rotate the token concurrently and lose one.
        state: Box<tokio::sync::Mutex<RefreshState>>,
    },
}

struct TokenHooks;

impl Hooks for TokenHooks {
    type Error = QboError;
    async fn authorization(&self) -> Result<Option<HeaderValue>, QboError> {
        Ok(None)
    }
    fn correlation_id(&self, headers: &HeaderMap) -> Option<String> {
        header_loose(headers, "intuit_tid")
    }
}

impl QboTokens {
    pub fn new(auth: &QboAuth, realm_id: &str, margin: Duration, sink: Arc<dyn TokenSink>) -> Self {
        match auth {
            QboAuth::Static(t) => QboTokens::Static(t.clone()),
            QboAuth::Refresh {
                client_id,
                client_secret,
                refresh_token,
                token_url,
            } => QboTokens::Refresh {
                realm_id: realm_id.to_string(),
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                token_url: token_url.clone(),
                margin,
                sink,
                state: Box::new(tokio::sync::Mutex::new(RefreshState {
                    access: None,
                    refresh: refresh_token.clone(),
                })),
            },
        }
    }

    /// Whether a 401 can be cured by refreshing.
    pub fn can_refresh(&self) -> bool {
        matches!(self, QboTokens::Refresh { .. })
    }

    /// The current access token, refreshing when missing or near expiry.
    pub async fn access(&self, transport: &Transport) -> Result<Secret, QboError> {
        match self {
            QboTokens::Static(t) => Ok(t.clone()),
            QboTokens::Refresh {
                realm_id,
                client_id,
                client_secret,
                token_url,
                margin,
                sink,
                state,
            } => {
                let mut st = state.lock().await;
                if let Some((tok, refresh_at)) = &st.access
                    && Instant::now() < *refresh_at
                {
                    return Ok(tok.clone());
                }
                let t = refresh_call(
                    transport,
                    token_url,
                    client_id,
                    client_secret,
                    &st.refresh,
                    realm_id,
                )
                .await?;
                let lifetime = Duration::from_secs(t.expires_in);
                let refresh_at =
                    Instant::now() + lifetime.saturating_sub((*margin).min(lifetime / 4));
                let access = Secret::new(t.access_token);
                if let Some(new_refresh) = t.refresh_token.map(Secret::new)
                    && new_refresh != st.refresh
                {
                    // The new refresh token is the newest valid one whatever
                    // happens next, so remember it in memory first; then
                    // persist it before the access token is ever used.
                    st.refresh = new_refresh.clone();
                    st.access = None;
                    sink.persist(realm_id, &new_refresh)
                        .map_err(|e| QboError::TokenPersist {
                            realm_id: realm_id.clone(),
                            message: crate::secret::scrub(&e.to_string()),
                        })?;
                    tracing::info!(realm_id = %realm_id, "persisted rotated QuickBooks refresh token");
                }
                st.access = Some((access.clone(), refresh_at));
                Ok(access)
            }
        }
    }

    /// Forget `token` after the API rejected it (401), so the next call
    /// refreshes.
    pub async fn invalidate(&self, token: &Secret) {
        if let QboTokens::Refresh { state, .. } = self {
            let mut st = state.lock().await;
            if st.access.as_ref().is_some_and(|(t, _)| t == token) {
                st.access = None;
            }
        }
    }
}

/// The only place the QBO access token is exposed: building the header.
pub(crate) fn bearer(token: &Secret) -> Result<HeaderValue, QboError> {
    let mut v = HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
        QboError::Token {
            status: 0,
            error: "invalid_token".into(),
            description: "the access token contains characters not allowed in a header".into(),
            intuit_tid: None,
        }
    })?;
    v.set_sensitive(true);
    Ok(v)
}

async fn refresh_call(
    transport: &Transport,
    token_url: &Url,
    client_id: &str,
    client_secret: &Secret,
    refresh_token: &Secret,
    realm_id: &str,
) -> Result<TokenResponse, QboError> {
    let endpoint = "POST /oauth2/v1/tokens/bearer";
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{client_id}:{}", client_secret.expose()));
    let mut auth =
        HeaderValue::from_str(&format!("Basic {basic}")).map_err(|_| QboError::Token {
            status: 0,
            error: "invalid_client".into(),
            description: "client id or secret contains characters not allowed in a header".into(),
            intuit_tid: None,
        })?;
    auth.set_sensitive(true);
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "refresh_token")
        .append_pair("refresh_token", refresh_token.expose())
        .finish();
    let mut call = Call::new(Method::POST, token_url.clone(), endpoint);
    call.headers.insert(reqwest::header::AUTHORIZATION, auth);
    call.headers.insert(
        reqwest::header::ACCEPT,
        HeaderValue::from_static("application/json"),
    );
    call.body = CallBody::Form(form.into_bytes());
    // A refresh whose answer was lost is harmless to repeat: the previous
    // refresh token stays valid for 24 h after rotation. So it is retried
    // like a read; `invalid_grant` (400) is final.
    let resp = transport.execute(&call, &TokenHooks).await?;
    let tid = header_loose(&resp.headers, "intuit_tid");
    if !resp.is_success() {
        let body: TokenErrorBody = crate::http::decode(endpoint, &resp.body).unwrap_or_default();
        let error = body.error.unwrap_or_else(|| "unknown".into());
        let description = crate::secret::scrub(
            &body
                .error_description
                .unwrap_or_else(|| crate::http::snippet(&resp.body, 200)),
        );
        if error == "invalid_grant" {
            return Err(QboError::Reconnect {
                realm_id: realm_id.to_string(),
                description,
                intuit_tid: tid,
            });
        }
        return Err(QboError::Token {
            status: resp.status,
            error,
            description,
            intuit_tid: tid,
        });
    }
    Ok(crate::http::decode(endpoint, &resp.body)?)
}
