//! `docs/manifest.md` documents the default field mappings and the QuickBooks
//! field catalog; these tests keep its generated tables equal to
//! `src/manifest/defaults.rs` and `src/model/catalog.rs`. Regenerate with
//! `UPDATE_DOCS=1 cargo test --test manifest_docs`.

use hsqb::manifest::BlockKind;
use hsqb::manifest::defaults::DefaultMapping;
use hsqb::model::catalog::{self, Access};
use std::path::Path;

fn direction(d: &DefaultMapping) -> &'static str {
    match d.direction {
        None => "the block's",
        Some(d) => d.as_str(),
    }
}

fn access(a: Access) -> &'static str {
    match a {
        Access::ReadWrite => "read/write",
        Access::CreateOnly => "set on create only",
        Access::ReadOnly => "read-only",
    }
}

fn mappings_table(kind: BlockKind) -> String {
    let mut out = String::from(
        "| HubSpot property | QuickBooks field | HubSpot type | QuickBooks type | direction |\n|---|---|---|---|---|\n",
    );
    for d in kind.default_mappings() {
        // hsqb's own invoice properties: amounts are numbers, the recipient text.
        let hs = if d.hubspot.starts_with("hsqb_") {
            let ty = if d.hubspot.ends_with("recipient") {
                "text"
            } else {
                "number"
            };
            format!("{ty} (created by hsqb)")
        } else {
            catalog::hubspot_property(kind.hubspot_object().api_name(), d.hubspot)
                .map_or("?".to_string(), |s| s.ty.to_string())
        };
        let qb = catalog::qbo_field(kind.qbo_entity(), d.quickbooks)
            .map_or("?".to_string(), |s| s.ty.to_string());
        out.push_str(&format!(
            "| `{}` | `{}` | {hs} | {qb} | {} |\n",
            d.hubspot,
            d.quickbooks,
            direction(d)
        ));
    }
    out
}

fn catalog_table(entity: &str) -> String {
    let mut out =
        String::from("| field path | type | max length | writable |\n|---|---|---|---|\n");
    for f in catalog::qbo_fields(entity) {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            f.path,
            f.ty,
            f.max_len.map_or("".to_string(), |n| n.to_string()),
            access(f.access)
        ));
    }
    out
}

fn sections() -> Vec<(String, String)> {
    let mut v = Vec::new();
    for kind in [
        BlockKind::Contacts,
        BlockKind::Products,
        BlockKind::Invoices,
    ] {
        v.push((
            format!("default-mappings:{}", kind.name()),
            mappings_table(kind),
        ));
    }
    for entity in ["Customer", "Item", "Invoice"] {
        v.push((format!("qbo-fields:{entity}"), catalog_table(entity)));
    }
    v
}

/// Replace the text between `<!-- BEGIN name -->` and `<!-- END name -->`.
fn splice(doc: &str, name: &str, body: &str) -> Option<String> {
    let begin = format!("<!-- BEGIN {name} -->\n");
    let end = format!("<!-- END {name} -->");
    let start = doc.find(&begin)? + begin.len();
    let stop = start + doc[start..].find(&end)?;
    Some(format!("{}{body}{}", &doc[..start], &doc[stop..]))
}

#[test]
fn generated_tables_match_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/manifest.md");
    let doc = std::fs::read_to_string(&path).expect("docs/manifest.md exists");
    let mut updated = doc.clone();
    for (name, body) in sections() {
        updated = splice(&updated, &name, &body)
            .unwrap_or_else(|| panic!("docs/manifest.md lacks the `{name}` markers"));
    }
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &updated).expect("write docs");
        return;
    }
    assert!(
        updated == doc,
        "docs/manifest.md is out of date with the code: run `UPDATE_DOCS=1 cargo test --test manifest_docs`"
    );
}

#[test]
fn default_mappings_name_real_fields() {
    for kind in [
        BlockKind::Contacts,
        BlockKind::Products,
        BlockKind::Invoices,
    ] {
        for d in kind.default_mappings() {
            assert!(
                catalog::qbo_field(kind.qbo_entity(), d.quickbooks).is_some(),
                "{}: {} is not in the {} catalog",
                kind.name(),
                d.quickbooks,
                kind.qbo_entity()
            );
            if !d.hubspot.starts_with("hsqb_") {
                assert!(
                    catalog::hubspot_property(kind.hubspot_object().api_name(), d.hubspot)
                        .is_some(),
                    "{}: {} is not a built-in HubSpot property",
                    kind.name(),
                    d.hubspot
                );
            }
        }
    }
}

#[test]
fn docs_cover_every_manifest_key() {
    // Every property name in the schema appears in the reference as `key`.
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/manifest.md"))
            .expect("docs");
    let schema = hsqb::manifest::schema_value();
    let mut missing = Vec::new();
    let check = |props: &serde_json::Value, missing: &mut Vec<String>| {
        if let Some(p) = props.as_object() {
            for key in p.keys() {
                // `key`, `key: …`, `parent.key`, `key.child`, `{key: …}`.
                let forms = [
                    format!("`{key}`"),
                    format!("`{key}:"),
                    format!("`{key}."),
                    format!(".{key}`"),
                    format!("{{{key}:"),
                ];
                if !forms.iter().any(|f| doc.contains(f.as_str())) {
                    missing.push(key.clone());
                }
            }
        }
    };
    check(&schema["properties"], &mut missing);
    for def in schema["$defs"].as_object().expect("defs").values() {
        check(&def["properties"], &mut missing);
        if let Some(variants) = def["oneOf"].as_array() {
            for v in variants {
                check(&v["properties"], &mut missing);
                if let Some(c) = v["const"].as_str()
                    && !doc.contains(&format!("`{c}`"))
                {
                    missing.push(c.to_string());
                }
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "docs/manifest.md does not mention: {missing:?}"
    );
}
