//! `measure (--file PATH | --repeat-demo N [--renamed]) [--threads N] [--rules] [--per-rule] [--skip-rules PREFIX]… [--chunk-stats] [--namespace NS]`
//!
//! Reads one file the way `faultline check` does, parses it, builds the inventory (and, with
//! `--rules`, the graph, every enabled rule and the cause chains, each timed as its own stage),
//! and prints the time of each stage, the parse + model throughput, the number of objects, and
//! the peak resident set size (`VmHWM` from `/proc/self/status`) against the input size. This
//! is how the memory targets are measured; criterion measures time only. `--chunk-stats` parses
//! a YAML file a second time, after every figure, to report what the `kind: List` chunker did
//! (chunks, fallbacks to a sequential parse). `--per-rule` (implies `--rules`) then runs each
//! rule alone on the same context and prints the ten slowest. `--skip-rules PREFIX` (implies
//! `--rules`, repeatable) leaves the rules whose id starts with PREFIX out of the rules stage,
//! to measure what a family of rules costs (`--skip-rules schema- --skip-rules api-unknown`).
//!
//! `--repeat-demo N` measures, instead of a file, microservices-demo's release manifests
//! (`../shared/corpora/microservices-demo/release/kubernetes-manifests.yaml`) copied N times
//! into one stream, built in memory: a realistic application repeated, whose copies share
//! names and labels in one namespace. With `--renamed`, copy `i` (from 1) renames every object
//! (`metadata.name: x` becomes `x-c<i>`) and keeps its labels: n releases of one chart whose
//! selectors do not tell the releases apart, so each Service really selects the pods of all n
//! copies. It prints a message and exits 0 when `../shared` is missing.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use faultline_benches::DEMO;
use faultline_graph::Graph;
use faultline_model::{Inventory, ModelOptions};
use faultline_rules::{Context, Settings};
use faultline_syntax::FileId;
use faultline_syntax::chunk::{ChunkOptions, parse_yaml_with};
use faultline_syntax::load::{FrontEnd, front_end, parse_source, source_from_bytes};

const USAGE: &str = "usage: measure (--file PATH | --repeat-demo N [--renamed]) [--threads N] [--rules] [--per-rule] [--skip-rules PREFIX]… [--chunk-stats] [--namespace NS]";

/// What to measure.
enum Input {
    File(PathBuf),
    /// microservices-demo's manifests copied this many times into one stream.
    RepeatDemo {
        copies: usize,
        renamed: bool,
    },
}

struct Args {
    input: Input,
    threads: Option<usize>,
    rules: bool,
    per_rule: bool,
    /// Rule id prefixes left out of the rules stage (`--skip-rules schema-`).
    skip_rules: Vec<String>,
    chunk_stats: bool,
    namespace: String,
}

fn parse_args() -> Result<Args, String> {
    let mut file = None;
    let mut repeat = None;
    let mut renamed = false;
    let mut threads = None;
    let mut rules = false;
    let mut per_rule = false;
    let mut skip_rules = Vec::new();
    let mut chunk_stats = false;
    let mut namespace = "default".to_owned();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (flag, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Err(String::new()),
            "--file" | "-f" => file = Some(PathBuf::from(value()?)),
            "--repeat-demo" => {
                let v = value()?;
                let n: usize = v.parse().map_err(|_| format!("bad copy count {v:?}"))?;
                if n == 0 {
                    return Err("--repeat-demo must be at least 1".to_owned());
                }
                repeat = Some(n);
            }
            "--threads" | "-j" => {
                let v = value()?;
                let n: usize = v.parse().map_err(|_| format!("bad thread count {v:?}"))?;
                if n == 0 {
                    return Err("--threads must be at least 1".to_owned());
                }
                threads = Some(n);
            }
            "--renamed" => renamed = true,
            "--rules" => rules = true,
            "--per-rule" => {
                rules = true;
                per_rule = true;
            }
            "--skip-rules" => {
                rules = true;
                skip_rules.push(value()?);
            }
            "--chunk-stats" => chunk_stats = true,
            "--namespace" | "-n" => namespace = value()?,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let input = match (file, repeat) {
        (Some(f), None) => Input::File(f),
        (None, Some(copies)) => Input::RepeatDemo { copies, renamed },
        _ => return Err("one of --file PATH and --repeat-demo N is required".to_owned()),
    };
    Ok(Args {
        input,
        threads,
        rules,
        per_rule,
        skip_rules,
        chunk_stats,
        namespace,
    })
}

/// Each rule run alone on the same context (its indexes already built by the full run), the
/// ten slowest printed: where a rules stage that grows too fast spends its time.
#[allow(clippy::print_stdout)]
fn per_rule(cx: &Context<'_>, rules: &[&'static dyn faultline_rules::Rule]) {
    let mut times: Vec<(f64, &str)> = rules
        .iter()
        .map(|rule| {
            let t = Instant::now();
            let diags = faultline_rules::run(cx, std::slice::from_ref(rule));
            drop(diags);
            (t.elapsed().as_secs_f64(), rule.meta().info.id)
        })
        .collect();
    times.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (secs, id) in times.iter().take(10) {
        println!("rule {id:<40} {secs:.3} s");
    }
}

/// A `kB` field of `/proc/self/status` (`VmHWM`, `VmRSS`), in bytes; 0 where unavailable.
fn proc_status_bytes(field: &str) -> u64 {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return 0;
    };
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kb| kb * 1024)
}

/// CPU time (user + system, all threads) this process has used so far, in seconds, from
/// `/proc/self/stat` (clock ticks, assumed 100 Hz as on every Linux target).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the `(comm)`, which may contain spaces: state is field 3, utime 14, stime 15.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks(11) + ticks(12)) as f64 / 100.0
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

/// A stage's wall-clock start and CPU-time start.
struct Clock {
    wall: Instant,
    cpu: f64,
}

impl Clock {
    fn start() -> Self {
        Clock {
            wall: Instant::now(),
            cpu: cpu_seconds(),
        }
    }
}

/// One line per stage: wall seconds, throughput, CPU seconds (a CPU/wall ratio well below the
/// thread count means the machine was busy with something else), then peak and current RSS.
#[allow(clippy::print_stdout)]
fn stage(name: &str, clock: &Clock, input: u64) -> f64 {
    let secs = clock.wall.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - clock.cpu;
    let hwm = proc_status_bytes("VmHWM");
    let rss = proc_status_bytes("VmRSS");
    println!(
        "{name:<12} {secs:>8.3} s   {:>8.1} MB/s   cpu {cpu:>7.2} s   peak RSS so far {:>8.1} MB ({:.2}x input), RSS now {:>8.1} MB",
        mb(input) / secs.max(1e-9),
        mb(hwm),
        hwm as f64 / input.max(1) as f64,
        mb(rss),
    );
    secs
}

/// The input's display path and bytes: the file, or the demo's manifests copied `n` times
/// (`None` when `../shared` is missing).
fn read_input(input: &Input) -> Result<Option<(String, Vec<u8>)>, String> {
    match input {
        Input::File(file) => {
            let path = file.display().to_string();
            let bytes = std::fs::read(file).map_err(|e| format!("{path}: {e}"))?;
            Ok(Some((path, bytes)))
        }
        Input::RepeatDemo { copies, renamed } => {
            let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(DEMO);
            let Ok(one) = std::fs::read_to_string(&demo) else {
                return Ok(None);
            };
            let bytes = faultline_benches::repeated(&one, *copies, *renamed);
            let suffix = if *renamed { "-renamed" } else { "" };
            Ok(Some((
                format!("microservices-demo-x{copies}{suffix}.yaml"),
                bytes,
            )))
        }
    }
}

#[allow(clippy::print_stdout)]
fn measure(args: &Args) -> Result<(), String> {
    let threads = rayon::current_num_threads();
    let baseline = proc_status_bytes("VmRSS");

    let t = Clock::start();
    let Some((path, bytes)) = read_input(&args.input)? else {
        println!(
            "skipping: {} not found (microservices-demo in ../shared beside the repository)",
            DEMO.trim_start_matches("../../")
        );
        return Ok(());
    };
    let file = source_from_bytes(FileId(0), &path, bytes).map_err(|e| e.message)?;
    let input = file.text.len() as u64;
    println!("file         {path}");
    println!("bytes        {input} ({:.1} MB)", mb(input));
    println!("threads      {threads}");
    println!("baseline RSS {:.1} MB (before reading)", mb(baseline));
    stage("read", &t, input);

    let t = Clock::start();
    let parsed = vec![parse_source(&file)];
    let parse = stage("parse", &t, input);

    let t = Clock::start();
    let options = ModelOptions {
        default_namespace: &args.namespace,
    };
    let inventory = Inventory::build(&parsed, &options);
    let model = stage("model", &t, input);

    let mut rules_secs = None;
    let mut diagnostics = 0;
    let mut chains = 0;
    if args.rules {
        let settings = Settings::default();
        let files = std::slice::from_ref(&file);
        let mut rules = settings.enabled_rules();
        rules.retain(|r| {
            let id = r.meta().info.id;
            !args.skip_rules.iter().any(|p| id.starts_with(p.as_str()))
        });
        let t = Clock::start();
        let graph = Graph::build(&inventory);
        let graph_secs = stage("graph", &t, input);
        let t = Clock::start();
        let cx = Context::new(files, &parsed, &graph, &settings);
        let diags = faultline_rules::run(&cx, &rules);
        let run_secs = stage("rules", &t, input);
        let t = Clock::start();
        chains = faultline_triage::chains(&cx, &diags).len();
        let chain_secs = stage("chains", &t, input);
        if args.per_rule {
            per_rule(&cx, &rules);
        }
        diagnostics = diags.len();
        rules_secs = Some(graph_secs + run_secs + chain_secs);
        std::mem::forget(diags);
        std::mem::forget(cx);
        std::mem::forget(graph);
    }

    let p = &parsed[0];
    let peak = proc_status_bytes("VmHWM");
    let parse_model = parse + model;
    println!(
        "documents    {}   problems {}   skipped {}",
        p.documents.len(),
        p.problems.len(),
        p.skipped.len()
    );
    println!(
        "objects      {}   not objects {}",
        inventory.objects.len(),
        inventory.not_objects.len()
    );
    if args.rules {
        println!("diagnostics  {diagnostics}   chains {chains}");
    }
    println!("--");
    println!(
        "parse+model  {parse_model:.3} s   {:.1} MB/s   ({threads} threads)",
        mb(input) / parse_model.max(1e-9)
    );
    if let Some(r) = rules_secs {
        let all = parse_model + r;
        println!(
            "+rules       {all:.3} s   {:.1} MB/s   (graph + rules + chains {r:.3} s = {:.2}x parse+model)",
            mb(input) / all.max(1e-9),
            r / parse_model.max(1e-9)
        );
    }
    println!(
        "peak RSS     {:.1} MB   ratio {:.2}x input",
        mb(peak),
        peak as f64 / input.max(1) as f64
    );
    if args.chunk_stats && front_end(&path, &file.text) == FrontEnd::Yaml {
        // A second YAML parse, after every figure above: what the `kind: List` chunker did.
        let t = Instant::now();
        let (_, stats) = parse_yaml_with(&file.text, ChunkOptions::DEFAULT);
        println!(
            "chunker      {} documents chunked, {} chunks, {} fallbacks to sequential ({:.3} s)",
            stats.chunked,
            stats.chunks,
            stats.fallbacks,
            t.elapsed().as_secs_f64()
        );
    }
    // Dropping the trees of a 1 GB input takes a while and is not part of any figure.
    std::mem::forget(inventory);
    std::mem::forget(parsed);
    std::mem::forget(file);
    Ok(())
}

#[allow(clippy::print_stderr)]
fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("measure: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match args.threads {
        Some(n) => match rayon::ThreadPoolBuilder::new().num_threads(n).build() {
            Ok(pool) => pool.install(|| measure(&args)),
            Err(e) => Err(format!("cannot start {n} threads: {e}")),
        },
        None => measure(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("measure: {e}");
            ExitCode::FAILURE
        }
    }
}
