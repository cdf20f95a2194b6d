//! `gen-snapshot --size 100M --format yaml|json --layout list|multidoc --seed 42 --out FILE`
//! `gen-snapshot --manifest-dir DIR --files 5000 --seed 42`

use std::fs::File;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use faultline_benches::{
    Format, GenOptions, Layout, generate_manifest_dir, generate_to, parse_size,
};

const USAGE: &str = "usage: gen-snapshot [--size 100M] [--format yaml|json] [--layout list|multidoc] [--seed N] --out FILE
       gen-snapshot --manifest-dir DIR [--files N] [--seed N]";

struct Args {
    opts: GenOptions,
    out: Option<PathBuf>,
    manifest_dir: Option<PathBuf>,
    files: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        opts: GenOptions {
            target_bytes: 100_000_000,
            ..GenOptions::default()
        },
        out: None,
        manifest_dir: None,
        files: 1000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (flag, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--size" => {
                let v = value()?;
                a.opts.target_bytes = parse_size(&v).ok_or_else(|| format!("bad size {v:?}"))?;
            }
            "--format" => {
                a.opts.format = match value()?.as_str() {
                    "yaml" => Format::Yaml,
                    "json" => Format::Json,
                    other => return Err(format!("unknown format {other:?}")),
                }
            }
            "--layout" => {
                a.opts.layout = match value()?.as_str() {
                    "list" => Layout::List,
                    "multidoc" | "multi" => Layout::MultiDoc,
                    other => return Err(format!("unknown layout {other:?}")),
                }
            }
            "--seed" => {
                let v = value()?;
                a.opts.seed = v.parse().map_err(|_| format!("bad seed {v:?}"))?;
            }
            "--out" | "-o" => a.out = Some(PathBuf::from(value()?)),
            "--manifest-dir" => a.manifest_dir = Some(PathBuf::from(value()?)),
            "--files" => {
                let v = value()?;
                a.files = v.parse().map_err(|_| format!("bad file count {v:?}"))?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if a.out.is_none() && a.manifest_dir.is_none() {
        return Err("--out FILE (or --manifest-dir DIR) is required".to_string());
    }
    Ok(a)
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("gen-snapshot: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let start = Instant::now();
    if let Some(dir) = &args.manifest_dir {
        if let Err(e) = generate_manifest_dir(dir, args.files, args.opts.seed) {
            eprintln!("gen-snapshot: {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
        println!(
            "wrote {} files under {} in {:.2?}",
            args.files,
            dir.display(),
            start.elapsed()
        );
        return ExitCode::SUCCESS;
    }
    let Some(out) = &args.out else {
        return ExitCode::from(2);
    };
    let result = File::create(out).and_then(|f| generate_to(&args.opts, f));
    match result {
        Ok(bytes) => {
            let secs = start.elapsed().as_secs_f64();
            println!(
                "wrote {bytes} bytes to {} in {secs:.2}s ({:.1} MB/s)",
                out.display(),
                bytes as f64 / 1e6 / secs.max(1e-9)
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen-snapshot: {}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}
