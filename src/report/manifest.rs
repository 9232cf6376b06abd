//! manifest.json: what was run on what. ccm's version, the rules' digest, the arguments and
//! the as-of date; every input read (path as given, size, SHA-256) and every output written
//! (size, SHA-256); and when the run started, under `started_at` only, so two identical
//! runs give manifests identical but for that key.

use serde::Serialize;
use std::io::{self, Write};

/// The version of manifest.json's layout (docs/schemas/manifest.schema.json).
pub const MANIFEST_SCHEMA_VERSION: u32 = 1;

/// A file's size and SHA-256 (hex).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileDigest {
    pub size: u64,
    pub sha256: String,
}

/// Everything in the manifest but the outputs, which are known only once written.
#[derive(Serialize, Debug, Clone)]
pub struct ManifestHead {
    pub ccm_version: &'static str,
    /// RFC 3339, UTC, to the second: the one key that differs between identical runs.
    pub started_at: String,
    pub as_of: String,
    /// The command line after `ccm`, as given.
    pub arguments: Vec<String>,
    pub rules: RulesEntry,
    pub inputs: Vec<InputEntry>,
}

#[derive(Serialize, Debug, Clone)]
pub struct RulesEntry {
    /// `embedded`, or the `--rules` folder and the files it replaced.
    pub origin: String,
    pub sha256: String,
    pub files: Vec<PathDigest>,
}

#[derive(Serialize, Debug, Clone)]
pub struct PathDigest {
    pub path: String,
    pub sha256: String,
}

/// One input file as read: its path as given, its kind, size and SHA-256.
#[derive(Serialize, Debug, Clone)]
pub struct InputEntry {
    pub path: String,
    pub kind: &'static str,
    pub size: u64,
    pub sha256: String,
}

/// Writes manifest.json: the head, then `outputs` (name in the `--out` folder, or the
/// workbook's path when it goes elsewhere, with size and SHA-256), in the order given.
pub fn write_manifest(
    mut w: impl Write,
    head: &ManifestHead,
    outputs: &[(String, FileDigest)],
) -> io::Result<()> {
    #[derive(Serialize)]
    struct Output<'a> {
        name: &'a str,
        size: u64,
        sha256: &'a str,
    }
    #[derive(Serialize)]
    struct Doc<'a> {
        schema_version: u32,
        ccm_version: &'a str,
        started_at: &'a str,
        as_of: &'a str,
        arguments: &'a [String],
        rules: &'a RulesEntry,
        inputs: &'a [InputEntry],
        outputs: Vec<Output<'a>>,
    }
    let doc = Doc {
        schema_version: MANIFEST_SCHEMA_VERSION,
        ccm_version: head.ccm_version,
        started_at: &head.started_at,
        as_of: &head.as_of,
        arguments: &head.arguments,
        rules: &head.rules,
        inputs: &head.inputs,
        outputs: outputs
            .iter()
            .map(|(name, d)| Output {
                name,
                size: d.size,
                sha256: &d.sha256,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut w, &doc)?;
    writeln!(w)
}
