//! Saved plans: serialisation with a checksum, and the checks that refuse a
//! tampered, truncated, foreign or future-version plan file.

use super::model::{FORMAT_VERSION, Plan, Severity};
use sha2::{Digest, Sha256};

impl Plan {
    /// Compute and store the checksum (sha256 of the JSON with an empty checksum).
    pub fn seal(&mut self) {
        self.checksum = String::new();
        self.checksum = self.compute_checksum();
    }

    fn compute_checksum(&self) -> String {
        let mut copy = self.clone();
        copy.checksum = String::new();
        let bytes = serde_json::to_vec(&copy).unwrap_or_default();
        hex::encode(Sha256::digest(&bytes))
    }

    /// True when a blocking diagnostic refuses the plan.
    pub fn is_blocked(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.blocking && d.severity == Severity::Error)
    }

    /// Serialise for `--out`.
    pub fn to_file_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Parse a saved plan, refusing anything that is not exactly a plan this
    /// version of hsqb wrote: bad JSON (with the JSON path of the problem), a
    /// different `format_version`, or a checksum mismatch (edited or truncated).
    pub fn from_file_json(text: &str) -> Result<Plan, String> {
        let probe: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            format!("not a valid plan file: {e} (the file is truncated or not JSON)")
        })?;
        match probe.get("format_version") {
            Some(v) if v.as_u64() == Some(u64::from(FORMAT_VERSION)) => {}
            // Any other value (a newer version, but also a 30-digit number or a
            // string) is reported as what it is rather than as "missing".
            Some(v) => {
                let shown: String = v.to_string().chars().take(64).collect();
                return Err(format!(
                    "plan format_version {shown} is not supported by this hsqb (which reads version {FORMAT_VERSION}); re-run `hsqb plan` with this version"
                ));
            }
            None => return Err("not a plan file: it has no `format_version`".into()),
        }
        let de = &mut serde_json::Deserializer::from_str(text);
        let plan: Plan = serde_path_to_error::deserialize(de)
            .map_err(|e| format!("not a valid plan file: at `{}`: {}", e.path(), e.inner()))?;
        if plan.checksum != plan.compute_checksum() {
            return Err("the plan file was modified after `hsqb plan` wrote it (checksum mismatch); re-run `hsqb plan --out`".into());
        }
        Ok(plan)
    }
}
