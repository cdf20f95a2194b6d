//! Deterministic generator of realistic Kubernetes cluster snapshots and manifest trees, used as
//! benchmark input for faultline.
//!
//! * [`generate`] / [`generate_to`]: `kubectl get pods,deploy,rs,svc,endpointslices,netpol,
//!   configmaps,quota,limits,hpa,pdb,nodes,events -A -o yaml|json` output ([`Layout::List`]), or a
//!   `helm template` style multi-document stream ([`Layout::MultiDoc`]), of roughly
//!   `target_bytes` (generation stops at the first object boundary past it).
//! * [`generate_manifest_dir`]: many small manifest files.
//!
//! The YAML emitter follows go-yaml v2 (what kubectl uses): sorted keys, indentless sequences,
//! minimal quoting, `|` literals, folding of long scalars at column 80. JSON follows Go's
//! `json.MarshalIndent` with 4-space indentation.

mod helm;
mod json;
mod kube;
mod model;
mod network;
mod repeat;
mod rng;
mod sink;
mod snapshot;
mod time;
mod value;
mod words;
mod yaml;

pub use network::{NetworkShape, network_cluster};
pub use repeat::{DEMO, repeated};

use std::io::{self, Write};
use std::path::Path;

/// Output syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `kubectl -o yaml` style.
    Yaml,
    /// `kubectl -o json` style (4-space indent). In [`Layout::MultiDoc`], a stream of
    /// concatenated JSON documents.
    Json,
}

/// Document structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One `kind: List` document, like `kubectl get ... -A -o yaml`.
    List,
    /// `helm template` style stream: `---` separators, `# Source: chart/templates/x.yaml`
    /// comments, authoring key order.
    MultiDoc,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    /// Approximate output size; generation stops at the first object boundary past it.
    pub target_bytes: usize,
    /// Same seed (and options) ⇒ byte-identical output.
    pub seed: u64,
    pub format: Format,
    pub layout: Layout,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            target_bytes: 1 << 20,
            seed: 42,
            format: Format::Yaml,
            layout: Layout::List,
        }
    }
}

/// Generates the whole snapshot in memory.
pub fn generate(opts: &GenOptions) -> String {
    let mut out = Vec::with_capacity(opts.target_bytes + opts.target_bytes / 16 + 4096);
    generate_to(opts, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("generator emits UTF-8")
}

/// Streams the snapshot to `w` (buffered internally; memory stays proportional to one object plus
/// the cluster plan). Returns the number of bytes written.
pub fn generate_to<W: Write>(opts: &GenOptions, w: W) -> io::Result<u64> {
    let w = io::BufWriter::with_capacity(256 * 1024, w);
    match opts.layout {
        Layout::List => snapshot::write_list(opts, w),
        Layout::MultiDoc => helm::write_multidoc(opts, w),
    }
}

/// The snapshot `opts` describes as a file in `dir` (`list-100000000-seed42.yaml`), generated
/// there on first use and reused afterwards, so that benchmarks only read it.
pub fn cached_snapshot(opts: &GenOptions, dir: &Path) -> io::Result<std::path::PathBuf> {
    let layout = match opts.layout {
        Layout::List => "list",
        Layout::MultiDoc => "multidoc",
    };
    let ext = match opts.format {
        Format::Yaml => "yaml",
        Format::Json => "json",
    };
    let path = dir.join(format!(
        "{layout}-{}-seed{}.{ext}",
        opts.target_bytes, opts.seed
    ));
    if !path.exists() {
        std::fs::create_dir_all(dir)?;
        let tmp = path.with_extension(format!("{ext}.tmp{}", std::process::id()));
        generate_to(opts, std::fs::File::create(&tmp)?)?;
        std::fs::rename(&tmp, &path)?;
    }
    Ok(path)
}

/// `target/bench-data/` (under `CARGO_TARGET_DIR` when set): where benchmarks cache their
/// generated inputs.
pub fn bench_data_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("bench-data")
}

/// The YAML List snapshot of about `bytes` with seed 42, generated into [`bench_data_dir`] on
/// first use (the file several benchmarks share) and read as one source file.
pub fn yaml_list_snapshot(bytes: usize) -> faultline_syntax::SourceFile {
    let opts = GenOptions {
        target_bytes: bytes,
        seed: 42,
        format: Format::Yaml,
        layout: Layout::List,
    };
    let path = cached_snapshot(&opts, &bench_data_dir()).expect("cannot write bench data");
    let bytes = std::fs::read(&path).expect("cannot read bench data");
    faultline_syntax::load::source_from_bytes(
        faultline_syntax::FileId(0),
        &path.display().to_string(),
        bytes,
    )
    .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.message))
}

/// Writes `files` small manifest files (`<root>/<namespace>/<app>.yaml`, each a Deployment,
/// Service and ConfigMap, some with NetworkPolicies), for the "many small files" benchmark.
pub fn generate_manifest_dir(root: &Path, files: usize, seed: u64) -> io::Result<()> {
    helm::write_manifest_dir(root, files, seed)
}

/// Parses a size like `100M`, `1G`, `512K`, `1.5M`, `2MiB` or `12345` (decimal units: `M` = 10^6,
/// binary with `i`: `Mi` = 2^20).
pub fn parse_size(s: &str) -> Option<usize> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let unit = unit.trim().trim_end_matches(['B', 'b']);
    let mult: f64 = match unit {
        "" => 1.0,
        "K" | "k" => 1e3,
        "M" | "m" => 1e6,
        "G" | "g" => 1e9,
        "Ki" | "ki" => 1024.0,
        "Mi" | "mi" => 1024.0 * 1024.0,
        "Gi" | "gi" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let v = n * mult;
    (v.is_finite() && v >= 0.0).then_some(v as usize)
}
