//! HubSpot authentication: a static bearer token, or an OAuth access token
//! refreshed from its `expires_in` (HubSpot says a 401 is not a signal to
//! refresh, so the client never waits for one).

use super::config::HubSpotAuth;
use super::error::{HsApiError, HubSpotError};
use super::wire::TokenResponse;
use crate::http::{Call, CallBody, Hooks, HttpError, Transport, header_loose};
use crate::secret::Secret;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use std::time::Duration;
use tokio::time::Instant;
use url::Url;

#[derive(Debug)]
pub(crate) struct OAuthState {
    access: Option<(Secret, Instant)>,
    refresh: Secret,
}

/// Supplies the bearer token for each request.
#[derive(Debug)]
pub(crate) enum TokenSource {
    Static(Secret),
    OAuth {
        client_id: String,
        client_secret: Secret,
        token_url: Url,
        margin: Duration,
        // A tokio mutex held across the refresh call: concurrent requests that
        // find the token stale wait for the one refresh instead of each
        // refreshing (single flight).
        state: Box<tokio::sync::Mutex<OAuthState>>,
    },
}

/// Hooks for the token endpoint itself (no bearer header).
struct TokenHooks;

impl Hooks for TokenHooks {
    type Error = HubSpotError;
    async fn authorization(&self) -> Result<Option<HeaderValue>, HubSpotError> {
        Ok(None)
    }
    fn correlation_id(&self, headers: &HeaderMap) -> Option<String> {
        header_loose(headers, "x-hubspot-correlation-id")
    }
}

impl TokenSource {
    pub fn new(auth: &HubSpotAuth, base: &Url, margin: Duration) -> Result<Self, HubSpotError> {
        Ok(match auth {
            HubSpotAuth::Token(t) => TokenSource::Static(t.clone()),
            HubSpotAuth::OAuth {
                client_id,
                client_secret,
                refresh_token,
                token_url,
            } => {
                let token_url = match token_url {
                    Some(u) => u.clone(),
                    None => base.join("/oauth/v1/token").map_err(|e| {
                        HubSpotError::Http(HttpError::InvalidRequest {
                            endpoint: "POST /oauth/v1/token".into(),
                            message: e.to_string(),
                        })
                    })?,
                };
                TokenSource::OAuth {
                    client_id: client_id.clone(),
                    client_secret: client_secret.clone(),
                    token_url,
                    margin,
                    state: Box::new(tokio::sync::Mutex::new(OAuthState {
                        access: None,
                        refresh: refresh_token.clone(),
                    })),
                }
            }
        })
    }

    /// The `Authorization` header value, refreshing the OAuth token first
    /// when it is missing or about to expire.
    pub async fn header(&self, transport: &Transport) -> Result<HeaderValue, HubSpotError> {
        let token = match self {
            TokenSource::Static(t) => t.clone(),
            TokenSource::OAuth {
                client_id,
                client_secret,
                token_url,
                margin,
                state,
            } => {
                let mut st = state.lock().await;
                match &st.access {
                    Some((tok, refresh_at)) if Instant::now() < *refresh_at => tok.clone(),
                    _ => {
                        let (tok, refresh_at, new_refresh) = refresh(
                            transport,
                            token_url,
                            client_id,
                            client_secret,
                            &st.refresh,
                            *margin,
                        )
                        .await?;
                        if let Some(r) = new_refresh {
                            st.refresh = r;
                        }
                        st.access = Some((tok.clone(), refresh_at));
                        tok
                    }
                }
            }
        };
        bearer(&token)
    }
}

/// The only place the HubSpot token is exposed: building the header.
fn bearer(token: &Secret) -> Result<HeaderValue, HubSpotError> {
    let mut v = HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
        HubSpotError::Auth("the access token contains characters not allowed in a header".into())
    })?;
    v.set_sensitive(true);
    Ok(v)
}

async fn refresh(
    transport: &Transport,
    token_url: &Url,
    client_id: &str,
    client_secret: &Secret,
    refresh_token: &Secret,
    margin: Duration,
) -> Result<(Secret, Instant, Option<Secret>), HubSpotError> {
    let endpoint = "POST /oauth/v1/token";
    // The form body is where the secrets go on the wire.
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "refresh_token")
        .append_pair("client_id", client_id)
        .append_pair("client_secret", client_secret.expose())
        .append_pair("refresh_token", refresh_token.expose())
        .finish();
    let mut call = Call::new(Method::POST, token_url.clone(), endpoint);
    call.body = CallBody::Form(form.into_bytes());
    // Refreshing twice is harmless (the old refresh token stays valid), so the
    // token call is retried like a read.
    let resp = transport.execute(&call, &TokenHooks).await?;
    if !resp.is_success() {
        let e = HsApiError::from_response(endpoint, resp.status, &resp.headers, &resp.body);
        return Err(HubSpotError::Auth(e.to_string()));
    }
    let t: TokenResponse = crate::http::decode(endpoint, &resp.body)?;
    let lifetime = Duration::from_secs(t.expires_in);
    let margin = margin.min(lifetime / 4);
    let refresh_at = Instant::now() + lifetime.saturating_sub(margin);
    Ok((
        Secret::new(t.access_token),
        refresh_at,
        t.refresh_token.map(Secret::new),
    ))
}
