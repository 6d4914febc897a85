//! The committed JSON Schema (`schemas/manifest.schema.json`) must be what the
//! Rust types generate, and the examples must point editors at it.

use std::path::Path;

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_schema_is_current() {
    let path = crate_dir().join("schemas/manifest.schema.json");
    let generated = hsqb::manifest::schema_json();
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &generated).expect("write schema");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schemas/manifest.schema.json is stale: regenerate it with \
         `UPDATE_SCHEMAS=1 cargo test --test manifest_schema` \
         (or `cargo run -- schema > schemas/manifest.schema.json`)"
    );
}

#[test]
fn schema_describes_the_manifest() {
    let s = hsqb::manifest::schema_value();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(s["properties"]["version"]["const"], 1);
    assert_eq!(s["required"], serde_json::json!(["version"]));
    assert_eq!(s["additionalProperties"], false);
    // Secrets are environment references only.
    assert_eq!(
        s["$defs"]["SecretStr"]["pattern"],
        "^\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}$"
    );
    assert_eq!(
        s["$defs"]["HubSpotConnection"]["properties"]["token"]["anyOf"][0]["$ref"],
        "#/$defs/SecretStr"
    );
    // Every struct rejects unknown keys, so editors flag typos too.
    for (name, def) in s["$defs"].as_object().expect("defs") {
        if def.get("type") == Some(&serde_json::json!("object")) && def.get("properties").is_some()
        {
            assert_eq!(
                def["additionalProperties"], false,
                "{name} allows unknown keys"
            );
        }
    }
}

#[test]
fn examples_point_editors_at_the_schema() {
    for example in ["examples/quickstart.yaml", "examples/full.yaml"] {
        let text = std::fs::read_to_string(crate_dir().join(example)).expect("read example");
        assert_eq!(
            text.lines().next(),
            Some("# yaml-language-server: $schema=../schemas/manifest.schema.json"),
            "{example}"
        );
    }
}
