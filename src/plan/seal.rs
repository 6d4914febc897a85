//! Saved plans: serialisation with a checksum, and the checks that refuse a
//! tampered, truncated, foreign or future-version plan file.

use super::model::{FORMAT_VERSION, Plan, Severity};
use sha2::{Digest, Sha256};

/// Feeds serialised bytes straight into the hash: checksumming a plan with
/// 100k changes must not copy the plan or hold its JSON in memory.
struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Plan {
    /// Compute and store the checksum (sha256 of the JSON with an empty checksum).
    pub fn seal(&mut self) {
        self.checksum = String::new();
        self.checksum = self.compute_checksum();
    }

    /// sha256 of the compact JSON of the plan with an empty `checksum` (the
    /// field is emptied for the duration, so no copy of the plan is made).
    fn checksum_of(&mut self) -> String {
        let saved = std::mem::take(&mut self.checksum);
        let sum = self.compute_checksum();
        self.checksum = saved;
        sum
    }

    /// sha256 of the compact JSON of the plan as it is (callers empty the
    /// checksum first).
    fn compute_checksum(&self) -> String {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, HashWriter(Sha256::new()));
        // Serialising a plan into a hash cannot fail (no IO, string keys only).
        let _ = serde_json::to_writer(&mut w, self);
        match w.into_inner() {
            Ok(h) => hex::encode(h.0.finalize()),
            Err(_) => String::new(),
        }
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
        /// Only the version, read before the full parse so that a plan from
        /// another version is named as such (the rest is skipped, not built).
        #[derive(serde::Deserialize)]
        struct Probe {
            format_version: Option<serde_json::Value>,
        }
        if !text.trim_start().starts_with('{') {
            // Not an object (an array would otherwise read as a struct).
            return Err(match serde_json::from_str::<serde::de::IgnoredAny>(text) {
                Ok(_) => "not a plan file: it has no `format_version`".to_string(),
                Err(e) => format!("not a valid plan file: {e} (the file is truncated or not JSON)"),
            });
        }
        let probe: Probe = serde_json::from_str(text).map_err(|e| {
            if e.is_data() {
                // Valid JSON but not an object: no version to read.
                "not a plan file: it has no `format_version`".to_string()
            } else {
                format!("not a valid plan file: {e} (the file is truncated or not JSON)")
            }
        })?;
        match probe.format_version {
            Some(v) if v.as_u64() == Some(u64::from(FORMAT_VERSION)) => {}
            // Any other value (a newer version, but also a 30-digit number or a
            // string) is reported as what it is rather than as "missing".
            Some(serde_json::Value::Null) | None => {
                return Err("not a plan file: it has no `format_version`".into());
            }
            Some(v) => {
                let shown: String = v.to_string().chars().take(64).collect();
                return Err(format!(
                    "plan format_version {shown} is not supported by this hsqb (which reads version {FORMAT_VERSION}); re-run `hsqb plan` with this version"
                ));
            }
        }
        let de = &mut serde_json::Deserializer::from_str(text);
        let mut plan: Plan = serde_path_to_error::deserialize(de)
            .map_err(|e| format!("not a valid plan file: at `{}`: {}", e.path(), e.inner()))?;
        let actual = plan.checksum_of();
        if plan.checksum != actual {
            return Err("the plan file was modified after `hsqb plan` wrote it (checksum mismatch); re-run `hsqb plan --out`".into());
        }
        Ok(plan)
    }
}
