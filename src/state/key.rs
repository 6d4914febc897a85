//! The key that separates one manifest's state from others in a shared
//! database: `state.key` when given, else derived from what the manifest
//! connects to, so that every runner of the same manifest (CI, cron, a laptop)
//! finds the same state without configuration.

use crate::manifest::Manifest;

/// The state key of `m`: `state.key`, or `hubspot:<host>/quickbooks:<realm>,…`
/// from the connections (the sandbox: `sandbox:<data dir>/quickbooks:<realm>,…`).
///
/// The HubSpot portal id is not known before connecting (a private-app token
/// names no portal), so two manifests syncing *different* portals with the
/// *same* QuickBooks companies must set `state.key` themselves; `hsqb validate`
/// cannot detect that case.
pub fn default_state_key(m: &Manifest) -> String {
    if let Some(k) = &m.state.key {
        return k.value.clone();
    }
    let hubspot = match (&m.sandbox, &m.hubspot) {
        (Some(sb), _) => format!(
            "sandbox:{}",
            sb.data_dir
                .as_ref()
                .map_or(".hsqb/sandbox", |d| d.value.as_str())
        ),
        (None, Some(hs)) => {
            let base = hs.effective_base_url();
            let host = url::Url::parse(&base)
                .ok()
                .and_then(|u| {
                    u.host_str().map(|h| match u.port() {
                        Some(p) => format!("{h}:{p}"),
                        None => h.to_string(),
                    })
                })
                .unwrap_or(base);
            format!("hubspot:{host}")
        }
        (None, None) => "hubspot:none".to_string(),
    };
    let mut realms: Vec<String> = m
        .quickbooks
        .iter()
        .map(|(name, q)| {
            q.realm_id
                .as_ref()
                .map_or_else(|| format!("{name}?"), |r| r.value.clone())
        })
        .collect();
    realms.sort();
    realms.dedup();
    format!("{hubspot}/quickbooks:{}", realms.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(yaml: &str) -> Manifest {
        let env = |k: &str| match k {
            "HS" => Some("pat-na1-test-token-123456".to_string()),
            "QA" => Some("qbo-static-access-token-1".to_string()),
            _ => None,
        };
        crate::manifest::load_bytes(std::path::Path::new("hsqb.yaml"), yaml.as_bytes(), &env)
            .map(|l| l.manifest)
            .unwrap_or_else(|r| panic!("{}", r.render(false)))
    }

    #[test]
    fn derived_from_hubspot_host_and_sorted_realms_unless_given() {
        let base = "version: 1\nhubspot:\n  token: ${HS}\nquickbooks:\n  b:\n    realm_id: \"222\"\n    access_token: ${QA}\n  a:\n    realm_id: \"111\"\n    access_token: ${QA}\n";
        assert_eq!(
            default_state_key(&manifest(base)),
            "hubspot:api.hubapi.com/quickbooks:111,222"
        );
        let keyed = format!("{base}state:\n  key: team-a\n");
        assert_eq!(default_state_key(&manifest(&keyed)), "team-a");
    }
}
