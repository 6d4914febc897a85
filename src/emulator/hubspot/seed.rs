//! Seed fixtures: JSON files under `<seed>/hubspot/`, all optional, loaded
//! through the same validation as the API (format in `docs/emulator-hubspot.md`):
//! `account.json`, `groups.json`, `properties.json`, one `<object>.json` per
//! object type (`contacts.json`, …, `line_items.json`, …), `associations.json`.

use super::errors::HsError;
use super::kinds::ObjectKind;
use super::props::PropertyGroup;
use super::store::HsState;
use super::values::parse_instant;
use super::wire::kind_of;
use crate::emulator::{Clock, EmulatorError};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AccountSeed {
    portal_id: Option<u64>,
    time_zone: Option<String>,
    company_currency: Option<String>,
    additional_currencies: Option<Vec<String>>,
    utc_offset_milliseconds: Option<i64>,
    ui_domain: Option<String>,
    data_hosting_location: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GroupSeed {
    name: String,
    label: String,
    #[serde(default)]
    display_order: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RecordSeed {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    properties: Map<String, Value>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    archived: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AssocSeed {
    from_object_type: String,
    from_id: String,
    to_object_type: String,
    to_id: String,
    #[serde(default)]
    association_type_id: Option<u32>,
}

fn bad(path: &Path, message: impl std::fmt::Display) -> EmulatorError {
    EmulatorError::BadFile {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

fn read<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, EmulatorError> {
    if !path.exists() {
        return Ok(None);
    }
    let bytes = std::fs::read(path).map_err(|source| EmulatorError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    serde_path_to_error::deserialize(de)
        .map(Some)
        .map_err(|e| bad(path, format!("{} (at {})", e.inner(), e.path())))
}

fn time(path: &Path, v: &Option<String>, default: i64) -> Result<i64, EmulatorError> {
    match v {
        None => Ok(default),
        Some(s) => parse_instant(s).ok_or_else(|| bad(path, format!("invalid timestamp '{s}'"))),
    }
}

impl HsState {
    /// Load seed fixtures from `dir/hubspot/` (missing files are skipped).
    pub fn load_seed(&mut self, dir: &Path, clock: &Clock) -> Result<(), EmulatorError> {
        let base: PathBuf = dir.join("hubspot");
        let now = clock.now().timestamp_millis();
        let p = base.join("account.json");
        if let Some(a) = read::<AccountSeed>(&p)? {
            let acc = &mut self.account;
            acc.portal_id = a.portal_id.unwrap_or(acc.portal_id);
            acc.time_zone = a.time_zone.unwrap_or_else(|| acc.time_zone.clone());
            acc.company_currency = a
                .company_currency
                .unwrap_or_else(|| acc.company_currency.clone());
            acc.additional_currencies = a.additional_currencies.unwrap_or_default();
            acc.utc_offset_milliseconds = a
                .utc_offset_milliseconds
                .unwrap_or(acc.utc_offset_milliseconds);
            acc.ui_domain = a.ui_domain.unwrap_or_else(|| acc.ui_domain.clone());
            acc.data_hosting_location = a
                .data_hosting_location
                .unwrap_or_else(|| acc.data_hosting_location.clone());
        }
        let p = base.join("groups.json");
        for (obj, groups) in read::<BTreeMap<String, Vec<GroupSeed>>>(&p)?.unwrap_or_default() {
            let kind = kind_of(&obj).map_err(|e| bad(&p, e.message))?;
            for g in groups {
                self.groups.entry(kind).or_default().insert(
                    g.name.clone(),
                    PropertyGroup {
                        name: g.name,
                        label: g.label,
                        display_order: g.display_order.unwrap_or(-1),
                        archived: false,
                    },
                );
            }
        }
        let p = base.join("properties.json");
        for (obj, defs) in
            read::<BTreeMap<String, Vec<Map<String, Value>>>>(&p)?.unwrap_or_default()
        {
            let kind = kind_of(&obj).map_err(|e| bad(&p, e.message))?;
            for d in defs {
                self.add_property(kind, &d, now)
                    .map_err(|e| bad(&p, format!("{obj}: {}", e.message)))?;
            }
        }
        for kind in ObjectKind::ALL {
            let p = base.join(format!("{}.json", kind.name()));
            for (i, r) in read::<Vec<RecordSeed>>(&p)?
                .unwrap_or_default()
                .into_iter()
                .enumerate()
            {
                self.seed_record(kind, &r, now)
                    .map_err(|e| bad(&p, format!("record {i}: {}", e.message)))?;
            }
        }
        let p = base.join("associations.json");
        for (i, a) in read::<Vec<AssocSeed>>(&p)?
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            self.associate(
                &a.from_object_type,
                &a.from_id,
                &a.to_object_type,
                &a.to_id,
                a.association_type_id,
            )
            .map_err(|e| bad(&p, format!("association {i}: {}", e.message)))?;
        }
        Ok(())
    }

    fn seed_record(&mut self, kind: ObjectKind, r: &RecordSeed, now: i64) -> Result<(), HsError> {
        let forced =
            match &r.id {
                Some(s) => Some(s.parse::<u64>().map_err(|_| {
                    HsError::validation(format!("id '{s}' is not a numeric string"))
                })?),
                None => None,
            };
        let path = Path::new("");
        let created =
            time(path, &r.created_at, now).map_err(|e| HsError::validation(e.to_string()))?;
        let updated =
            time(path, &r.updated_at, created).map_err(|e| HsError::validation(e.to_string()))?;
        let id = self.create_record(kind, &r.properties, created, forced)?;
        if let Some(rec) = self.table_mut(kind).records.get_mut(&id) {
            rec.updated = updated;
        }
        if r.archived {
            self.archive_record(kind, id, updated);
        }
        Ok(())
    }
}
