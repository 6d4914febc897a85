//! Objects API: full reads with paging (and archived reads), batch read, and
//! the batch writes with per-input outcomes keyed by the caller's key.

use super::client::{HubSpotClient, LimitClass};
use super::error::{HsItemError, HsOutcome, HubSpotError};
use super::wire::{
    AssocSpec, BatchReadBody, BatchResponse, CreateAssoc, CreateInput, IdRef, Inputs, ListPage,
    UpdateInput, UpsertInput, WireObject,
};
use crate::http::{CallBody, HttpError, Idempotency, RawResponse};
use crate::model::HsRecord;
use reqwest::Method;
use std::collections::{BTreeMap, HashMap};

/// An association to create together with a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsAssociationTo {
    /// Target record id.
    pub to_id: String,
    /// Association type id (e.g. 177 invoice → contact).
    pub type_id: u32,
}

/// One record to create.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HsCreate {
    /// Property values (wire strings).
    pub properties: BTreeMap<String, String>,
    /// Associations created with the record.
    pub associations: Vec<HsAssociationTo>,
}

/// One record to update by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsUpdate {
    /// Record id.
    pub id: String,
    /// Properties to set (`""` clears).
    pub properties: BTreeMap<String, String>,
}

/// One record to create-or-update by a unique property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsUpsert {
    /// The unique property (`email`, or a `hasUniqueValue` link property).
    pub id_property: String,
    /// Its value identifying the record.
    pub id_value: String,
    /// Properties to set.
    pub properties: BTreeMap<String, String>,
}

/// Result of an upsert input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsUpserted {
    /// The record after the write.
    pub record: HsRecord,
    /// Whether HubSpot created it (`new: true`).
    pub created: bool,
}

/// Result of a batch read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HsBatchRead {
    /// Records found.
    pub records: Vec<HsRecord>,
    /// Requested ids (or unique values) that do not exist.
    pub missing: Vec<String>,
}

/// Longest `after` cursor assumed when checking URL length.
const AFTER_RESERVE: usize = 96;

impl HubSpotClient {
    /// Every live record of `object` with `properties`, paging 100 at a time.
    /// When the property list would make the URL too long, ids are listed and
    /// the properties are fetched by batch read (properties in the body), so
    /// hundreds of custom properties never produce a 414.
    pub async fn list_all(
        &self,
        object: &str,
        properties: &[String],
    ) -> Result<Vec<HsRecord>, HubSpotError> {
        self.list(object, properties, false).await
    }

    /// Every archived (recycle-bin) record of `object`, so deletions are seen.
    pub async fn list_archived(
        &self,
        object: &str,
        properties: &[String],
    ) -> Result<Vec<HsRecord>, HubSpotError> {
        self.list(object, properties, true).await
    }

    async fn list(
        &self,
        object: &str,
        properties: &[String],
        archived: bool,
    ) -> Result<Vec<HsRecord>, HubSpotError> {
        let joined = properties.join(",");
        let (path, label) = self.objects_path(object, "", "");
        let probe = self.url(
            &path,
            &[
                ("limit", self.config().page_size.to_string()),
                ("archived", archived.to_string()),
                ("properties", joined.clone()),
            ],
        )?;
        let fits = probe.as_str().len() + AFTER_RESERVE <= self.config().max_url_len;
        let url_props = if fits {
            joined
        } else {
            "hs_object_id".to_string()
        };
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut q = vec![
                ("limit", self.config().page_size.to_string()),
                ("archived", archived.to_string()),
                ("properties", url_props.clone()),
            ];
            if let Some(a) = &after {
                q.push(("after", a.clone()));
            }
            let url = self.url(&path, &q)?;
            let call = self.call(
                Method::GET,
                url,
                &label,
                CallBody::None,
                Idempotency::Idempotent,
                LimitClass::Burst,
            );
            let page: ListPage = self.json(call).await?;
            let next = page.next_after();
            if fits {
                out.extend(page.results.into_iter().map(WireObject::into_record));
            } else {
                let ids: Vec<String> = page.results.into_iter().map(|r| r.id).collect();
                let read = self
                    .batch_read_chunk(object, &ids, properties, None, archived)
                    .await?;
                out.extend(read.records);
            }
            match next {
                Some(a) if Some(&a) != after.as_ref() => after = Some(a),
                _ => break,
            }
        }
        Ok(out)
    }

    /// Read records by id (or by a unique property with `id_property`), 100
    /// per request, properties in the body.
    pub async fn batch_read(
        &self,
        object: &str,
        ids: &[String],
        properties: &[String],
        id_property: Option<&str>,
        archived: bool,
    ) -> Result<HsBatchRead, HubSpotError> {
        let mut out = HsBatchRead::default();
        for chunk in ids.chunks(self.config().batch_size.max(1)) {
            let r = self
                .batch_read_chunk(object, chunk, properties, id_property, archived)
                .await?;
            out.records.extend(r.records);
            out.missing.extend(r.missing);
        }
        Ok(out)
    }

    async fn batch_read_chunk(
        &self,
        object: &str,
        ids: &[String],
        properties: &[String],
        id_property: Option<&str>,
        archived: bool,
    ) -> Result<HsBatchRead, HubSpotError> {
        if ids.is_empty() {
            return Ok(HsBatchRead::default());
        }
        let mut props: Vec<String> = properties.to_vec();
        if let Some(p) = id_property
            && !props.iter().any(|x| x == p)
        {
            props.push(p.to_string());
        }
        let body = BatchReadBody {
            inputs: ids.iter().map(|id| IdRef { id: id.clone() }).collect(),
            properties: &props,
            id_property,
        };
        let (path, label) = self.objects_path(object, "/batch/read", "/batch/read");
        let url = self.url(&path, &[("archived", archived.to_string())])?;
        let body = CallBody::json(&body).map_err(|e| unexpected(&label, e))?;
        let call = self.call(
            Method::POST,
            url,
            &label,
            body,
            Idempotency::Idempotent,
            LimitClass::Burst,
        );
        let resp = self.send(call).await?;
        if !resp.is_success() {
            return Err(self.error(&resp));
        }
        let parsed: BatchResponse = crate::http::decode(&resp.endpoint, &resp.body)?;
        let records: Vec<HsRecord> = parsed
            .results
            .into_iter()
            .map(WireObject::into_record)
            .collect();
        let found: std::collections::HashSet<String> = records
            .iter()
            .map(|r| match id_property {
                Some(p) => r
                    .properties
                    .get(p)
                    .cloned()
                    .unwrap_or_default()
                    .to_lowercase(),
                None => r.id.clone(),
            })
            .collect();
        let missing = ids
            .iter()
            .filter(|id| {
                let key = if id_property.is_some() {
                    id.to_lowercase()
                } else {
                    (*id).clone()
                };
                !found.contains(&key)
            })
            .cloned()
            .collect();
        Ok(HsBatchRead { records, missing })
    }

    /// Create records, 100 per request. Each input is tagged with an
    /// `objectWriteTraceId` so results and 207 errors map back to it. A chunk
    /// whose outcome is unknown (timeout / dropped connection / 5xx after
    /// sending) is **not** resent: its inputs come back as
    /// [`HsOutcome::Unknown`]; re-read by the link property (or use
    /// [`HubSpotClient::batch_upsert`]) before writing again.
    pub async fn batch_create<K: Clone>(
        &self,
        object: &str,
        inputs: Vec<(K, HsCreate)>,
    ) -> Result<Vec<(K, HsOutcome<HsRecord>)>, HubSpotError> {
        let mut out = Vec::with_capacity(inputs.len());
        for chunk in inputs.chunks(self.config().batch_size.max(1)) {
            let wire: Vec<CreateInput<'_>> = chunk
                .iter()
                .enumerate()
                .map(|(i, (_, c))| CreateInput {
                    properties: &c.properties,
                    associations: c
                        .associations
                        .iter()
                        .map(|a| CreateAssoc {
                            to: IdRef {
                                id: a.to_id.clone(),
                            },
                            types: vec![AssocSpec {
                                category: "HUBSPOT_DEFINED".into(),
                                type_id: a.type_id,
                            }],
                        })
                        .collect(),
                    trace_id: trace_id(i),
                })
                .collect();
            let res = self
                .batch_write(
                    object,
                    "/batch/create",
                    &Inputs { inputs: wire },
                    Idempotency::NonIdempotent,
                )
                .await?;
            let outcomes = match res {
                ChunkResult::Response(parsed, cid) => {
                    let mut by_trace: HashMap<String, WireObject> = HashMap::new();
                    let mut untraced = Vec::new();
                    for r in parsed.results {
                        match r.trace_id.clone() {
                            Some(t) => {
                                by_trace.insert(t, r);
                            }
                            None => untraced.push(r),
                        }
                    }
                    // Without trace ids in the answer, only a complete,
                    // error-free result list can be matched by position.
                    let positional = by_trace.is_empty()
                        && parsed.errors.is_empty()
                        && untraced.len() == chunk.len();
                    let errors: Vec<HsItemError> = parsed
                        .errors
                        .into_iter()
                        .map(|e| e.into_item(cid.clone()))
                        .collect();
                    let mut untraced = untraced.into_iter();
                    (0..chunk.len())
                        .map(|i| {
                            let t = trace_id(i);
                            if let Some(r) = by_trace.remove(&t) {
                                HsOutcome::Done(r.into_record())
                            } else if positional && let Some(r) = untraced.next() {
                                HsOutcome::Done(r.into_record())
                            } else {
                                HsOutcome::Failed(find_error(&errors, &[&t], "not created"))
                            }
                        })
                        .collect()
                }
                other => other.uniform(chunk.len()),
            };
            out.extend(chunk.iter().map(|(k, _)| k.clone()).zip(outcomes));
        }
        Ok(out)
    }

    /// Update records by id, 100 per request. Per-input outcomes; 207 errors
    /// are matched to inputs through the ids in their context.
    pub async fn batch_update<K: Clone>(
        &self,
        object: &str,
        inputs: Vec<(K, HsUpdate)>,
    ) -> Result<Vec<(K, HsOutcome<HsRecord>)>, HubSpotError> {
        let mut out = Vec::with_capacity(inputs.len());
        for chunk in inputs.chunks(self.config().batch_size.max(1)) {
            let wire: Vec<UpdateInput<'_>> = chunk
                .iter()
                .enumerate()
                .map(|(i, (_, u))| UpdateInput {
                    id: &u.id,
                    properties: &u.properties,
                    trace_id: trace_id(i),
                })
                .collect();
            let res = self
                .batch_write(
                    object,
                    "/batch/update",
                    &Inputs { inputs: wire },
                    Idempotency::Idempotent,
                )
                .await?;
            let outcomes = match res {
                ChunkResult::Response(parsed, cid) => {
                    let mut by_id: HashMap<String, WireObject> = parsed
                        .results
                        .into_iter()
                        .map(|r| (r.id.clone(), r))
                        .collect();
                    let errors: Vec<HsItemError> = parsed
                        .errors
                        .into_iter()
                        .map(|e| e.into_item(cid.clone()))
                        .collect();
                    chunk
                        .iter()
                        .enumerate()
                        .map(|(i, (_, u))| match by_id.remove(&u.id) {
                            Some(r) => HsOutcome::Done(r.into_record()),
                            None => HsOutcome::Failed(find_error(
                                &errors,
                                &[&u.id, &trace_id(i)],
                                "not updated",
                            )),
                        })
                        .collect()
                }
                other => other.uniform(chunk.len()),
            };
            out.extend(chunk.iter().map(|(k, _)| k.clone()).zip(outcomes));
        }
        Ok(out)
    }

    /// Create-or-update by a unique property, 100 per request. Safe to resend
    /// (the unique property makes it idempotent), so it is retried like a
    /// read; each result says whether the record was `created`.
    pub async fn batch_upsert<K: Clone>(
        &self,
        object: &str,
        inputs: Vec<(K, HsUpsert)>,
    ) -> Result<Vec<(K, HsOutcome<HsUpserted>)>, HubSpotError> {
        let mut out = Vec::with_capacity(inputs.len());
        for chunk in inputs.chunks(self.config().batch_size.max(1)) {
            let wire: Vec<UpsertInput<'_>> = chunk
                .iter()
                .enumerate()
                .map(|(i, (_, u))| UpsertInput {
                    id: &u.id_value,
                    id_property: &u.id_property,
                    properties: &u.properties,
                    trace_id: trace_id(i),
                })
                .collect();
            let res = self
                .batch_write(
                    object,
                    "/batch/upsert",
                    &Inputs { inputs: wire },
                    Idempotency::Idempotent,
                )
                .await?;
            let outcomes = match res {
                ChunkResult::Response(parsed, cid) => {
                    let errors: Vec<HsItemError> = parsed
                        .errors
                        .into_iter()
                        .map(|e| e.into_item(cid.clone()))
                        .collect();
                    let mut by_trace: HashMap<String, WireObject> = HashMap::new();
                    let mut rest: Vec<WireObject> = Vec::new();
                    for r in parsed.results {
                        match r.trace_id.clone() {
                            Some(t) => {
                                by_trace.insert(t, r);
                            }
                            None => rest.push(r),
                        }
                    }
                    chunk
                        .iter()
                        .enumerate()
                        .map(|(i, (_, u))| {
                            let t = trace_id(i);
                            let hit = by_trace.remove(&t).or_else(|| {
                                let pos = rest.iter().position(|r| {
                                    r.properties
                                        .get(&u.id_property)
                                        .and_then(|v| v.as_deref())
                                        .is_some_and(|v| v.eq_ignore_ascii_case(&u.id_value))
                                })?;
                                Some(rest.swap_remove(pos))
                            });
                            match hit {
                                Some(r) => {
                                    let created = r.new.unwrap_or(false);
                                    HsOutcome::Done(HsUpserted {
                                        record: r.into_record(),
                                        created,
                                    })
                                }
                                None => HsOutcome::Failed(find_error(
                                    &errors,
                                    &[&u.id_value, &t],
                                    "not upserted",
                                )),
                            }
                        })
                        .collect()
                }
                other => other.uniform(chunk.len()),
            };
            out.extend(chunk.iter().map(|(k, _)| k.clone()).zip(outcomes));
        }
        Ok(out)
    }

    /// Archive (move to the recycle bin) records by id, 100 per request.
    /// HubSpot answers 204 even for ids that do not exist.
    pub async fn batch_archive<K: Clone>(
        &self,
        object: &str,
        inputs: Vec<(K, String)>,
    ) -> Result<Vec<(K, HsOutcome<()>)>, HubSpotError> {
        let mut out = Vec::with_capacity(inputs.len());
        for chunk in inputs.chunks(self.config().batch_size.max(1)) {
            let wire = Inputs {
                inputs: chunk
                    .iter()
                    .map(|(_, id)| IdRef { id: id.clone() })
                    .collect(),
            };
            let res = self
                .batch_write(object, "/batch/archive", &wire, Idempotency::Idempotent)
                .await?;
            let outcomes: Vec<HsOutcome<()>> = match res {
                ChunkResult::Response(parsed, cid) => {
                    let errors: Vec<HsItemError> = parsed
                        .errors
                        .into_iter()
                        .map(|e| e.into_item(cid.clone()))
                        .collect();
                    chunk
                        .iter()
                        .map(|(_, id)| {
                            let hit = errors.iter().find(|e| e.mentions(id));
                            match hit {
                                Some(e) => HsOutcome::Failed(e.clone()),
                                None => HsOutcome::Done(()),
                            }
                        })
                        .collect()
                }
                ChunkResult::Failed(e) => vec![HsOutcome::Failed(e); chunk.len()],
                ChunkResult::Unknown(r) => vec![HsOutcome::Unknown { reason: r }; chunk.len()],
            };
            out.extend(chunk.iter().map(|(k, _)| k.clone()).zip(outcomes));
        }
        Ok(out)
    }

    /// Send one batch-write chunk and sort the answer into a response, a
    /// whole-chunk failure or an unknown outcome. Auth, daily-limit and
    /// decode problems abort the whole operation.
    async fn batch_write<T: serde::Serialize>(
        &self,
        object: &str,
        op: &str,
        body: &T,
        idempotency: Idempotency,
    ) -> Result<ChunkResult, HubSpotError> {
        let (path, label) = self.objects_path(object, op, op);
        let url = self.url(&path, &[])?;
        let body = CallBody::json(body).map_err(|e| unexpected(&label, e))?;
        let call = self.call(
            Method::POST,
            url,
            &label,
            body,
            idempotency,
            LimitClass::Burst,
        );
        let resp = match self.send(call).await {
            Ok(r) => r,
            Err(HubSpotError::Http(
                e @ (HttpError::OutcomeUnknown { .. } | HttpError::Transport { .. }),
            )) => {
                return Ok(ChunkResult::Unknown(e.to_string()));
            }
            Err(e) => return Err(e),
        };
        self.chunk_result(resp)
    }

    fn chunk_result(&self, resp: RawResponse) -> Result<ChunkResult, HubSpotError> {
        let cid = crate::http::header_loose(&resp.headers, "x-hubspot-correlation-id");
        if resp.is_success() {
            if resp.status == 204 || resp.body.iter().all(u8::is_ascii_whitespace) {
                return Ok(ChunkResult::Response(
                    BatchResponse {
                        results: vec![],
                        errors: vec![],
                    },
                    cid,
                ));
            }
            let parsed: BatchResponse = crate::http::decode(&resp.endpoint, &resp.body)?;
            return Ok(ChunkResult::Response(parsed, cid));
        }
        match resp.status {
            // Fatal for the whole run: credentials, scopes, daily limit.
            401 | 403 => Err(self.error(&resp)),
            429 => match self.error(&resp) {
                e @ HubSpotError::DailyLimit(_) => Err(e),
                HubSpotError::Api(e) => Ok(ChunkResult::Failed(HsItemError::from_api(&e))),
                other => Err(other),
            },
            s if s >= 500 => {
                let e = self.error(&resp);
                Ok(ChunkResult::Unknown(e.to_string()))
            }
            _ => match self.error(&resp) {
                HubSpotError::Api(e) => Ok(ChunkResult::Failed(HsItemError::from_api(&e))),
                other => Err(other),
            },
        }
    }
}

enum ChunkResult {
    Response(BatchResponse, Option<String>),
    Failed(HsItemError),
    Unknown(String),
}

impl ChunkResult {
    fn uniform<T>(self, n: usize) -> Vec<HsOutcome<T>> {
        match self {
            ChunkResult::Failed(e) => (0..n).map(|_| HsOutcome::Failed(e.clone())).collect(),
            ChunkResult::Unknown(r) => (0..n)
                .map(|_| HsOutcome::Unknown { reason: r.clone() })
                .collect(),
            ChunkResult::Response(..) => (0..n)
                .map(|_| HsOutcome::Unknown {
                    reason: "internal: unmatched batch response".into(),
                })
                .collect(),
        }
    }
}

fn trace_id(i: usize) -> String {
    format!("hsqb-{i}")
}

/// The 207 error that mentions one of `needles`, else the only error, else a
/// generic "missing from results" error.
fn find_error(errors: &[HsItemError], needles: &[&str], what: &str) -> HsItemError {
    if let Some(e) = errors
        .iter()
        .find(|e| needles.iter().any(|n| e.mentions(n)))
    {
        return e.clone();
    }
    if errors.len() == 1 {
        return errors[0].clone();
    }
    HsItemError {
        status: None,
        category: "MISSING_RESULT".into(),
        message: format!("{what}: HubSpot returned no result for this input"),
        context: BTreeMap::new(),
        correlation_id: errors.first().and_then(|e| e.correlation_id.clone()),
    }
}

pub(crate) fn unexpected(endpoint: &str, e: impl std::fmt::Display) -> HubSpotError {
    HubSpotError::Unexpected {
        endpoint: endpoint.to_string(),
        message: e.to_string(),
    }
}
