//! Loading a manifest: read (capped), decode, parse, check the structure,
//! deserialize with `${ENV}` interpolation, validate — collecting every
//! problem into one [`ManifestReport`].

use super::diagnostic::{Diagnostic, ManifestReport, Sink};
use super::effective::{SANDBOX_DATA_DIR, STATE_PATH};
use super::node::{self, NodeKind, PathIndex};
use super::source::{self, SourceText};
use super::types::Manifest;
use super::{interp, schema, structure, validate};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// A valid manifest and where it came from.
#[derive(Debug, Clone)]
pub struct LoadedManifest {
    /// The typed manifest, `${ENV}` references resolved.
    pub manifest: Manifest,
    /// The manifest path as given.
    pub path: PathBuf,
    /// The manifest's directory: relative paths in the manifest (sandbox
    /// `data_dir`/`seed`, state `path`) are resolved against it.
    pub dir: PathBuf,
    /// The file's text (without a byte order mark).
    pub source: String,
    /// Lower-case hex SHA-256 of the file's bytes (plans record it).
    pub sha256: String,
    /// Warnings found while validating (the manifest is valid).
    pub warnings: Vec<Diagnostic>,
}

impl LoadedManifest {
    /// Resolve a path written in the manifest against its directory (absolute
    /// paths stay as they are).
    pub fn resolve(&self, relative: &str) -> PathBuf {
        let p = Path::new(relative);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.dir.join(p)
        }
    }

    /// The sandbox data directory (default `.hsqb/sandbox`), when `sandbox` is set.
    pub fn sandbox_data_dir(&self) -> Option<PathBuf> {
        let sb = self.manifest.sandbox.as_ref()?;
        Some(
            self.resolve(
                sb.data_dir
                    .as_ref()
                    .map_or(SANDBOX_DATA_DIR, |s| s.as_str()),
            ),
        )
    }

    /// The sandbox seed directory, when given.
    pub fn sandbox_seed(&self) -> Option<PathBuf> {
        let sb = self.manifest.sandbox.as_ref()?;
        sb.seed.as_ref().map(|s| self.resolve(s.as_str()))
    }

    /// The local state file (default `.hsqb/state.json`).
    pub fn state_path(&self) -> PathBuf {
        self.resolve(
            self.manifest
                .state
                .path
                .as_ref()
                .map_or(STATE_PATH, |s| s.as_str()),
        )
    }

    /// The warnings as a report (for rendering).
    pub fn warnings_report(&self) -> ManifestReport {
        ManifestReport::new(&self.path, self.warnings.clone())
    }
}

/// Load and validate the manifest at `path`. `env` looks up environment
/// variables (the CLI passes `std::env::var`); the library never reads the
/// process environment itself.
pub fn load(
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<LoadedManifest, ManifestReport> {
    let bytes = source::read_capped(path).map_err(|d| ManifestReport::new(path, vec![d]))?;
    load_bytes(path, &bytes, env)
}

/// Load and validate manifest bytes as if read from `path` (used for the
/// report and to resolve relative paths).
pub fn load_bytes(
    path: &Path,
    bytes: &[u8],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<LoadedManifest, ManifestReport> {
    if bytes.len() as u64 > source::MAX_MANIFEST_BYTES {
        return Err(ManifestReport::new(
            path,
            vec![Diagnostic::error("the manifest is larger than 1 MiB")],
        ));
    }
    let sha256 = hex::encode(Sha256::digest(bytes));
    let text = source::decode(bytes).map_err(|d| ManifestReport::new(path, vec![d]))?;
    let (manifest, warnings) = check_text(path, text, env)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok(LoadedManifest {
        manifest,
        path: path.to_path_buf(),
        dir,
        source: text.to_string(),
        sha256,
        warnings,
    })
}

/// Parse and validate manifest text (no file involved; reports name it
/// `<manifest>`). Returns the manifest and its warnings.
pub fn parse_str(
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Manifest, Vec<Diagnostic>), ManifestReport> {
    check_text(Path::new("<manifest>"), text, env)
}

fn check_text(
    path: &Path,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Manifest, Vec<Diagnostic>), ManifestReport> {
    let src = SourceText::new(text);
    let mut sink = Sink::new(&src);
    let fail = |sink: Sink<'_>| ManifestReport::new(path, sink.into_diagnostics());
    let root = match node::parse(src.text()) {
        Ok(root) => root,
        Err(err) => {
            let (mut d, span) = *err;
            // `key: {{name}}` is YAML flow syntax, not text: say so.
            let line = span.and_then(|s| src.line(s.loc.line)).unwrap_or_default();
            if d.message.starts_with("invalid YAML") && line.contains("{{") {
                d.hint = Some(
                    "text containing `{{…}}` placeholders must be quoted: write `\"{{firstname}} {{lastname}}\"`"
                        .to_string(),
                );
            }
            sink.push(d, span);
            return Err(fail(sink));
        }
    };
    if matches!(root.kind, NodeKind::Null) {
        sink.push(source::empty_manifest(), None);
        return Err(fail(sink));
    }
    let shape = structure::check(&root, schema::schema_value(), env, &mut sink);
    if shape.blocking > 0 {
        return Err(fail(sink));
    }
    let parsed = interp::with_env(shape.env, || {
        serde_saphyr::from_str_with_options::<Manifest>(src.text(), node::yaml_options())
    });
    let manifest = match parsed {
        Ok(m) => m,
        Err(e) => {
            // The structural pass should have caught this; report it anyway.
            let (d, span) = node::yaml_error(&e);
            sink.push(d, span);
            return Err(fail(sink));
        }
    };
    let idx = PathIndex::build(&root);
    validate::validate(&manifest, &idx, &shape.unresolved, &mut sink);
    if sink.error_count() > 0 {
        return Err(fail(sink));
    }
    let mut warnings = sink.into_diagnostics();
    warnings.sort_by_key(|d| d.loc.map(|l| (l.line, l.column)));
    Ok((manifest, warnings))
}
