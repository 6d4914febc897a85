//! Associations v4: batch read (≤ 1000 inputs, per-input paging) and batch
//! create with explicit HUBSPOT_DEFINED type ids.

use super::client::{HubSpotClient, LimitClass};
use super::error::{HsItemError, HubSpotError};
use super::objects::unexpected;
use super::wire::{
    AssocCreateInput, AssocCreateResponse, AssocReadInput, AssocReadResponse, AssocSpec, IdRef,
    Inputs,
};
use crate::http::{CallBody, HttpError, Idempotency};
use crate::model::Association;
use reqwest::Method;
use std::collections::{BTreeMap, BTreeSet};

/// HUBSPOT_DEFINED association type ids used by hsqb (direction matters).
pub mod assoc_types {
    /// contact → company (unlabeled).
    pub const CONTACT_TO_COMPANY: u32 = 279;
    /// deal → contact.
    pub const DEAL_TO_CONTACT: u32 = 3;
    /// deal → company (unlabeled).
    pub const DEAL_TO_COMPANY: u32 = 341;
    /// deal → line item.
    pub const DEAL_TO_LINE_ITEM: u32 = 19;
    /// deal → quote.
    pub const DEAL_TO_QUOTE: u32 = 63;
    /// quote → line item.
    pub const QUOTE_TO_LINE_ITEM: u32 = 67;
    /// quote → contact.
    pub const QUOTE_TO_CONTACT: u32 = 69;
    /// quote → company.
    pub const QUOTE_TO_COMPANY: u32 = 71;
    /// invoice → deal.
    pub const INVOICE_TO_DEAL: u32 = 175;
    /// invoice → contact.
    pub const INVOICE_TO_CONTACT: u32 = 177;
    /// invoice → company.
    pub const INVOICE_TO_COMPANY: u32 = 179;
    /// invoice → quote.
    pub const INVOICE_TO_QUOTE: u32 = 407;
    /// invoice → line item.
    pub const INVOICE_TO_LINE_ITEM: u32 = 409;
}

impl HubSpotClient {
    /// Associations from each of `ids` (of type `from`) to objects of type
    /// `to`, one [`Association`] per (pair, type id). 1000 inputs per request;
    /// inputs with more associations than one page are followed with `after`.
    /// Ids with no associations (reported by HubSpot as per-input errors) are
    /// simply absent from the result.
    pub async fn associations_read(
        &self,
        from: &str,
        to: &str,
        ids: &[String],
    ) -> Result<Vec<Association>, HubSpotError> {
        let (path, label) = self.assoc_batch_path(from, to, "read");
        let url = self.url(&path, &[])?;
        let mut out = BTreeSet::new();
        let mut pending: Vec<AssocReadInput> = ids
            .iter()
            .map(|id| AssocReadInput {
                id: id.clone(),
                after: None,
            })
            .collect();
        let chunk_size = self.config().assoc_read_batch.max(1);
        while !pending.is_empty() {
            let rest = pending.split_off(pending.len().min(chunk_size));
            let chunk = std::mem::replace(&mut pending, rest);
            let body =
                CallBody::json(&Inputs { inputs: chunk }).map_err(|e| unexpected(&label, e))?;
            let call = self.call(
                Method::POST,
                url.clone(),
                &label,
                body,
                Idempotency::Idempotent,
                LimitClass::Associations,
            );
            let resp = self.send(call).await?;
            if !resp.is_success() {
                return Err(self.error(&resp));
            }
            let parsed: AssocReadResponse = crate::http::decode(&resp.endpoint, &resp.body)?;
            for r in parsed.results {
                for t in &r.to {
                    for ty in &t.association_types {
                        out.insert(Association {
                            from_id: r.from.id.clone(),
                            to_id: t.to_object_id.clone(),
                            type_id: ty.type_id,
                        });
                    }
                }
                if let Some(after) = r.paging.and_then(|p| p.next).map(|n| n.after) {
                    pending.push(AssocReadInput {
                        id: r.from.id.clone(),
                        after: Some(after),
                    });
                }
            }
        }
        Ok(out.into_iter().collect())
    }

    /// Create associations `from` → `to` with their explicit type ids.
    /// Creating an existing association is a no-op on HubSpot, so chunks are
    /// retried like reads. Returns each input with `Ok(())` or its error.
    pub async fn associations_create(
        &self,
        from: &str,
        to: &str,
        assocs: &[Association],
    ) -> Result<Vec<(Association, Result<(), HsItemError>)>, HubSpotError> {
        let (path, label) = self.assoc_batch_path(from, to, "create");
        let url = self.url(&path, &[])?;
        let mut out = Vec::with_capacity(assocs.len());
        for chunk in assocs.chunks(self.config().assoc_create_batch.max(1)) {
            // One input per pair, carrying all its type ids.
            let mut pairs: BTreeMap<(String, String), Vec<u32>> = BTreeMap::new();
            for a in chunk {
                pairs
                    .entry((a.from_id.clone(), a.to_id.clone()))
                    .or_default()
                    .push(a.type_id);
            }
            let inputs: Vec<AssocCreateInput> = pairs
                .iter()
                .map(|((f, t), types)| AssocCreateInput {
                    from: IdRef { id: f.clone() },
                    to: IdRef { id: t.clone() },
                    types: types
                        .iter()
                        .map(|ty| AssocSpec {
                            category: "HUBSPOT_DEFINED".into(),
                            type_id: *ty,
                        })
                        .collect(),
                })
                .collect();
            let body = CallBody::json(&Inputs { inputs }).map_err(|e| unexpected(&label, e))?;
            let call = self.call(
                Method::POST,
                url.clone(),
                &label,
                body,
                Idempotency::Idempotent,
                LimitClass::Associations,
            );
            let resp = match self.send(call).await {
                Ok(r) => r,
                Err(HubSpotError::Http(e @ HttpError::Transport { .. })) => {
                    let err = HsItemError {
                        status: None,
                        category: "TRANSPORT".into(),
                        message: e.to_string(),
                        context: BTreeMap::new(),
                        correlation_id: None,
                    };
                    out.extend(chunk.iter().map(|a| (a.clone(), Err(err.clone()))));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let cid = crate::http::header_loose(&resp.headers, "x-hubspot-correlation-id");
            if !resp.is_success() {
                if matches!(resp.status, 401 | 403 | 429) {
                    return Err(self.error(&resp));
                }
                let err = match self.error(&resp) {
                    HubSpotError::Api(e) => HsItemError::from_api(&e),
                    other => return Err(other),
                };
                out.extend(chunk.iter().map(|a| (a.clone(), Err(err.clone()))));
                continue;
            }
            let parsed: AssocCreateResponse = crate::http::decode(&resp.endpoint, &resp.body)?;
            let done: BTreeSet<(String, String)> = parsed
                .results
                .iter()
                .map(|r| (r.from_object_id.clone(), r.to_object_id.clone()))
                .collect();
            let errors: Vec<HsItemError> = parsed
                .errors
                .into_iter()
                .map(|e| e.into_item(cid.clone()))
                .collect();
            for a in chunk {
                if done.contains(&(a.from_id.clone(), a.to_id.clone())) {
                    out.push((a.clone(), Ok(())));
                } else {
                    let e = errors
                        .iter()
                        .find(|e| e.mentions(&a.from_id) || e.mentions(&a.to_id))
                        .or(errors.first())
                        .cloned()
                        .unwrap_or_else(|| HsItemError {
                            status: None,
                            category: "MISSING_RESULT".into(),
                            message: "HubSpot returned no result for this association".into(),
                            context: BTreeMap::new(),
                            correlation_id: cid.clone(),
                        });
                    out.push((a.clone(), Err(e)));
                }
            }
        }
        Ok(out)
    }
}
