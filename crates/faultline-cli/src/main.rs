//! The `faultline` binary. Only this crate prints, reads the environment or exits.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use faultline_cli::check::{self, CheckArgs};
use faultline_cli::graph::{self, GraphFormat};
use faultline_cli::network::{self, NetArgs, TableFormat};
use faultline_cli::render::Format;
use faultline_cli::session::LoadArgs;
use faultline_cli::triage::{self, TriageFormat};
use faultline_graph::netpol::NetOptions;
use faultline_rules::custom::CustomRules;
use faultline_rules::registry;
use faultline_syntax::load::{self, MAX_INPUT_SIZE};

/// Exit codes, as documented in the README.
const EXIT_USAGE: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "faultline",
    version,
    about = "Offline static analysis of Kubernetes manifests and cluster snapshots",
    long_about = None,
    after_help = "Exit codes: 0 no findings at or above --fail-on; 1 findings; 2 usage error, unreadable input or internal failure."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check manifests or snapshots (files, directories, or `-` for stdin).
    Check(Box<CheckCmd>),
    /// An incident report of a cluster snapshot (`kubectl get … -o yaml`, `kubectl
    /// cluster-info dump`): problems ranked by blast radius, their evidence, suspected causes
    /// and the `kubectl` commands that confirm them, and a timeline. Exit code 1 when there is
    /// a problem, 2 when an input cannot be read.
    Triage(Box<TriageCmd>),
    /// The connectivity NetworkPolicies allow between workloads and external ranges.
    Matrix(MatrixCmd),
    /// Whether one workload, pod or Service may connect to another, and which policy rule
    /// allows it or came closest. Exit code 0 allowed, 1 denied, 2 usage error.
    Reach(ReachCmd),
    /// Connectivity and findings that changed between two inputs (e.g. two `helm template`
    /// renders). Exit code 1 when connectivity was lost or new errors appeared.
    Diff(DiffCmd),
    /// The relations between the input's objects (what selects, references, scales and owns
    /// what), including references to objects the input lacks.
    Graph(GraphCmd),
    /// List every rule, with the custom rules of the configuration.
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
        #[command(flatten)]
        config: ConfigFlags,
    },
    /// Print a rule's documentation (a custom rule's from the configuration).
    Explain {
        /// The rule id, e.g. `api-removed`.
        rule: String,
        #[command(flatten)]
        config: ConfigFlags,
    },
    /// Print a shell completion script, e.g. `faultline completions bash >
    /// ~/.local/share/bash-completion/completions/faultline`.
    Completions {
        /// The shell: bash, zsh, fish, powershell or elvish.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `faultline man > faultline.1`; `faultline man check`
    /// prints the page of one command (faultline-check(1)).
    Man {
        /// A command, for its own page.
        command: Option<String>,
    },
    /// Write the rule documentation pages (rules/*.md) generated from the declarations.
    #[command(hide = true)]
    GenDocs {
        /// The output directory (the repository's `rules/`).
        dir: PathBuf,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RulesFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug)]
struct CheckCmd {
    /// Files or directories to check; `-` reads standard input. Defaults to `.`.
    paths: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// The lowest severity that makes the exit code 1.
    #[arg(long, value_parser = ["error", "warning", "info", "never"])]
    fail_on: Option<String>,
    /// Run only these rules (repeatable).
    #[arg(long = "rule", value_name = "ID")]
    rules: Vec<String>,
    /// Skip these rules (repeatable).
    #[arg(long = "skip", value_name = "ID")]
    skip: Vec<String>,
    /// The input holds every object the workloads need: report references to absent
    /// ConfigMaps, Secrets, claims and the like as warnings, not as information.
    #[arg(long)]
    complete: bool,
    /// The Kubernetes version the manifests target (e.g. 1.30).
    #[arg(long)]
    kube_version: Option<String>,
    /// The Pod Security Standards level that namespaces without Pod Security labels are checked
    /// at, as warnings (rule `pod-security`; default `baseline`).
    #[arg(long, value_name = "LEVEL", value_parser = ["privileged", "baseline", "restricted"])]
    pod_security: Option<String>,
    /// The time a snapshot is judged at, RFC 3339 (default: the latest time the input records;
    /// never the wall clock).
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
    #[command(flatten)]
    input: InputFlags,
    /// When to use colour in human output (`NO_COLOR` is honoured with `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// The chart the Helm output on the input was rendered from: findings about a document
    /// with `# Source: CHART/templates/x.yaml` point at the line of `DIR/templates/x.yaml`
    /// that writes the offending key (the rendered place becomes a related note). Without
    /// it, a source path that exists under the current directory is used.
    #[arg(long, value_name = "DIR")]
    chart: Option<PathBuf>,
    /// Keep findings about Helm output at the rendered lines, even when the templates are
    /// found.
    #[arg(long, conflicts_with = "chart")]
    no_helm_templates: bool,
    /// No input file matching is not an error (exit code 0 rather than 2).
    #[arg(long)]
    allow_empty: bool,
    /// Print only the summary line; the exit code tells the rest.
    #[arg(long, short = 'q', conflicts_with = "format")]
    quiet: bool,
}

#[derive(clap::Args, Debug)]
struct TriageCmd {
    /// The snapshot: files or directories (`kubectl cluster-info dump --output-directory`),
    /// or `-` for stdin. Defaults to `.`.
    paths: Vec<String>,
    /// The manifests the running objects were created from (e.g. `helm template` output):
    /// causes then point at the line in them rather than in the snapshot (repeatable).
    #[arg(long, value_name = "PATH")]
    manifests: Vec<String>,
    /// Output format (`md` is accepted for `markdown`).
    #[arg(long, value_enum, default_value_t = TriageFormat::Human)]
    format: TriageFormat,
    /// The time the snapshot is judged at, RFC 3339 (default: the latest time it records).
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
    #[command(flatten)]
    input: InputFlags,
    /// When to use colour in the human report (`NO_COLOR` is honoured with `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

/// Which configuration `rules` and `explain` read, for its custom rules.
#[derive(clap::Args, Debug)]
struct ConfigFlags {
    /// Configuration file (default: `.faultline.yaml` in the current directory or a parent).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Do not read any configuration file.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
}

impl ConfigFlags {
    /// The custom rules of the configuration, or the configuration's mistakes.
    fn custom_rules(&self) -> Result<Option<&'static CustomRules>, String> {
        check::custom_rules(&LoadArgs {
            config: self.config.clone(),
            no_config: self.no_config,
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            ..LoadArgs::new()
        })
    }
}

/// How every command that reads inputs reads them: the same options, the same configuration.
#[derive(clap::Args, Debug)]
struct InputFlags {
    /// Namespace for namespaced objects written without one, as `kubectl apply -n` (default:
    /// the configuration's `namespace`, else `default`).
    #[arg(long, short = 'n')]
    namespace: Option<String>,
    /// Configuration file (default: `.faultline.yaml` in the current directory or a parent).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Do not read any configuration file.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
    /// Only files matching these globs in directory walks (default `*.yaml`, `*.yml`, `*.json`).
    #[arg(long, value_name = "GLOB")]
    include: Vec<String>,
    /// Leave out files matching these globs.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Do not respect .gitignore and .ignore files in directory walks.
    #[arg(long)]
    no_ignore: bool,
    /// Refuse an input file or stream larger than SIZE: bytes, or a number with a suffix,
    /// `Ki`/`Mi`/`Gi` (1024-based, as in Kubernetes) or `k`/`M`/`G` (1000-based): `500Mi`,
    /// `100M`. Default and most: 4Gi (4 GiB - 1 byte: offsets are 32-bit).
    #[arg(long, value_name = "SIZE", value_parser = load::parse_max_input_size)]
    max_input_size: Option<u64>,
    /// The path standard input (`-`) stands for, e.g. the file `helm template` output is
    /// saved as: every format shows it instead of `<stdin>`.
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<String>,
}

impl InputFlags {
    fn load_args(&self) -> LoadArgs {
        LoadArgs {
            namespace: self.namespace.clone(),
            config: self.config.clone(),
            no_config: self.no_config,
            include: self.include.clone(),
            exclude: self.exclude.clone(),
            no_ignore: self.no_ignore,
            max_input_size: self.max_input_size.unwrap_or(MAX_INPUT_SIZE),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            stdin_filename: self.stdin_filename.clone(),
        }
    }
}

/// The inputs, `.` when none are named.
fn or_current_dir(paths: Vec<String>) -> Vec<String> {
    if paths.is_empty() {
        vec![".".to_owned()]
    } else {
        paths
    }
}

#[derive(clap::Args, Debug)]
struct NetFlags {
    /// Let `ipBlock` peers match only addresses outside the cluster, never pod IPs (the model
    /// of np-guard's netpol-analyzer). By default they match pods whose IPs the input shows,
    /// as CNIs do.
    #[arg(long)]
    ipblock_ignores_pods: bool,
    #[command(flatten)]
    input: InputFlags,
}

impl NetFlags {
    fn options(&self) -> NetOptions {
        NetOptions {
            ipblock_matches_pods: !self.ipblock_ignores_pods,
        }
    }

    fn args(&self, paths: Vec<String>) -> NetArgs {
        NetArgs {
            paths: or_current_dir(paths),
            load: self.input.load_args(),
            options: self.options(),
        }
    }
}

#[derive(clap::Args, Debug)]
struct MatrixCmd {
    /// Files or directories; `-` reads standard input. Defaults to `.`.
    paths: Vec<String>,
    /// Output format: `src => dst : conn` lines (txt), or json, csv, md, dot.
    #[arg(long, value_enum, default_value_t = TableFormat::Txt)]
    format: TableFormat,
    #[command(flatten)]
    net: NetFlags,
}

#[derive(clap::Args, Debug)]
struct GraphCmd {
    /// Files or directories; `-` reads standard input. Defaults to `.`.
    paths: Vec<String>,
    /// Output format: Graphviz dot, a Mermaid flowchart, or JSON (see the README).
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    format: GraphFormat,
    #[command(flatten)]
    input: InputFlags,
}

#[derive(clap::Args, Debug)]
struct DiffCmd {
    /// The input before the change (file or directory).
    old: String,
    /// The input after the change.
    new: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Txt)]
    format: TableFormat,
    #[command(flatten)]
    net: NetFlags,
}

#[derive(clap::Args, Debug)]
struct ReachCmd {
    /// Files or directories; `-` reads standard input. Defaults to `.`.
    paths: Vec<String>,
    /// The client: NAMESPACE/NAME (a workload, pod or Service; `NAME[Kind]` to choose) or an
    /// IPv4 address.
    #[arg(long)]
    from: String,
    /// The server: NAMESPACE/NAME[:PORT[/PROTO]]; for a Service, PORT is the Service port and
    /// is resolved to each backing pod's target port.
    #[arg(long)]
    to: String,
    #[command(flatten)]
    net: NetFlags,
}

fn run_reach(cmd: ReachCmd) -> ExitCode {
    let specs = network::EndpointSpec::parse(&cmd.from)
        .and_then(|f| network::EndpointSpec::parse(&cmd.to).map(|t| (f, t)));
    let (from, to) = match specs {
        Ok(s) => s,
        Err(e) => {
            // One line: the spec quoted in it is the user's text.
            eprintln_safe(&format!(
                "faultline: {}",
                faultline_cli::render::escape::visible(&e)
            ));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let (result, warnings) = network::reach(&cmd.net.args(cmd.paths), &from, &to);
    for w in &warnings {
        warn(w);
    }
    match result {
        Ok((text, allowed)) => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            ExitCode::from(u8::from(!allowed))
        }
        Err(e) => {
            eprintln_safe(&format!("faultline: {e}"));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn run_matrix(cmd: MatrixCmd) -> ExitCode {
    match network::connectivity(&cmd.net.args(cmd.paths)) {
        Ok(((lines, _), warnings)) => {
            for w in &warnings {
                warn(w);
            }
            let _ = std::io::stdout()
                .lock()
                .write_all(network::render_matrix(&lines, cmd.format).as_bytes());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln_safe(&format!("faultline: {e}"));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn run_diff(cmd: DiffCmd) -> ExitCode {
    let check_args = CheckArgs {
        format: Format::Json,
        ..CheckArgs::new(Vec::new())
    }
    .with_load(cmd.net.input.load_args());
    let mut warnings = Vec::new();
    let outcome = network::diff(
        &cmd.old,
        &cmd.new,
        cmd.net.options(),
        &check_args,
        &mut warnings,
    );
    for w in &warnings {
        warn(w);
    }
    match outcome {
        Ok(outcome) => {
            let _ = network::write_diff(&mut std::io::stdout().lock(), &outcome, cmd.format);
            ExitCode::from(outcome.exit_code())
        }
        Err(e) => {
            eprintln_safe(&format!("faultline: {e}"));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Rule panics are caught and reported as `internal-error` diagnostics; keep the default
    // hook from also printing them.
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(|| run(cli));
    match result {
        Ok(code) => code,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            eprintln_safe(&format!("faultline: internal error: {what}"));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// A warning about the input on stderr: one line, whatever the file or object names in it hold.
fn warn(w: &str) {
    eprintln_safe(&format!(
        "faultline: warning: {}",
        faultline_cli::render::escape::visible(w)
    ));
}

/// Writes a message to stderr, each of its lines without control characters (file names and
/// messages may come from the input; see `render::escape`).
fn eprintln_safe(msg: &str) {
    let shown: Vec<_> = msg
        .split('\n')
        .map(faultline_cli::render::escape::visible)
        .collect();
    let _ = writeln!(std::io::stderr(), "{}", shown.join("\n"));
}

fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(cmd) => run_check(*cmd),
        Command::Triage(cmd) => run_triage(*cmd),
        Command::Matrix(cmd) => run_matrix(cmd),
        Command::Reach(cmd) => run_reach(cmd),
        Command::Diff(cmd) => run_diff(cmd),
        Command::Graph(cmd) => {
            let paths = or_current_dir(cmd.paths);
            match graph::graph(&paths, &cmd.input.load_args(), cmd.format) {
                Ok((text, warnings)) => {
                    for w in &warnings {
                        warn(w);
                    }
                    let _ = std::io::stdout().lock().write_all(text.as_bytes());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln_safe(&format!("faultline: {e}"));
                    ExitCode::from(EXIT_USAGE)
                }
            }
        }
        Command::Rules { format, config } => {
            let custom = match config.custom_rules() {
                Ok(c) => c,
                Err(e) => {
                    eprintln_safe(&format!("faultline: {e}"));
                    return ExitCode::from(EXIT_USAGE);
                }
            };
            let mut out = std::io::stdout().lock();
            let text = match format {
                RulesFormat::Table => check::rules_table_with(custom),
                RulesFormat::Json => check::rules_json_with(custom),
            };
            let _ = out.write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
        Command::Explain { rule, config } => {
            let meta = match registry::find(&rule) {
                Some(r) => Some(r.meta()),
                None => match config.custom_rules() {
                    Ok(custom) => custom.and_then(|c| c.find(&rule)).map(|r| r.meta),
                    Err(e) => {
                        eprintln_safe(&format!("faultline: {e}"));
                        return ExitCode::from(EXIT_USAGE);
                    }
                },
            };
            match meta {
                Some(meta) => {
                    let _ = std::io::stdout()
                        .lock()
                        .write_all(faultline_rules::docs::rule_page(meta).as_bytes());
                    ExitCode::SUCCESS
                }
                None => {
                    eprintln_safe(&format!(
                        "faultline: unknown rule `{rule}`; `faultline rules` lists them"
                    ));
                    ExitCode::from(EXIT_USAGE)
                }
            }
        }
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "faultline", &mut buf);
            let _ = std::io::stdout().lock().write_all(&buf);
            ExitCode::SUCCESS
        }
        Command::Man { command } => {
            let mut cli = Cli::command();
            cli.build();
            let page = match &command {
                None => clap_mangen::Man::new(cli),
                Some(name) => match cli.find_subcommand(name) {
                    Some(sub) if !sub.is_hide_set() => clap_mangen::Man::new(sub.clone())
                        .title(format!("faultline-{}", sub.get_name()))
                        .source(format!("faultline {}", env!("CARGO_PKG_VERSION"))),
                    _ => {
                        eprintln_safe(&format!(
                            "faultline: no command `{name}`; `faultline --help` lists them"
                        ));
                        return ExitCode::from(EXIT_USAGE);
                    }
                },
            };
            let mut buf = Vec::new();
            if page.render(&mut buf).is_err() {
                return ExitCode::from(EXIT_USAGE);
            }
            let _ = std::io::stdout().lock().write_all(&buf);
            ExitCode::SUCCESS
        }
        Command::GenDocs { dir } => match write_docs(&dir) {
            Ok(n) => {
                eprintln_safe(&format!("wrote {n} files to {}", dir.display()));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln_safe(&format!("faultline: cannot write {}: {e}", dir.display()));
                ExitCode::from(EXIT_USAGE)
            }
        },
    }
}

fn write_docs(dir: &Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let files = faultline_rules::docs::generate();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".md") && !files.contains_key(name) {
            std::fs::remove_file(&path)?;
        }
    }
    for (name, content) in &files {
        std::fs::write(dir.join(name), content)?;
    }
    Ok(files.len())
}

/// Whether to colour what goes to stdout: `--color`, then `NO_COLOR` and whether stdout is a
/// terminal.
fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

fn run_check(cmd: CheckCmd) -> ExitCode {
    let color = use_color(cmd.color);
    let args = CheckArgs {
        format: cmd.format,
        fail_on: cmd.fail_on,
        rules: cmd.rules,
        skip: cmd.skip,
        kube_version: cmd.kube_version,
        pod_security: cmd.pod_security,
        now: cmd.now,
        complete: cmd.complete,
        allow_empty: cmd.allow_empty,
        quiet: cmd.quiet,
        helm_templates: !cmd.no_helm_templates,
        chart: cmd.chart,
        color,
        progress: std::io::stderr().is_terminal(),
        ..CheckArgs::new(or_current_dir(cmd.paths))
    }
    .with_load(cmd.input.load_args());
    let mut stdout = std::io::stdout().lock();
    match check::run(&args, &mut stdout) {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(e) => {
            let _ = stdout.flush();
            eprintln_safe(&format!("faultline: {e}"));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn run_triage(cmd: TriageCmd) -> ExitCode {
    let args = CheckArgs {
        format: Format::Json,
        now: cmd.now,
        color: use_color(cmd.color),
        progress: std::io::stderr().is_terminal(),
        ..CheckArgs::new(or_current_dir(cmd.paths))
    }
    .with_load(cmd.input.load_args());
    let mut stdout = std::io::stdout().lock();
    match triage::run(&args, &cmd.manifests, cmd.format, &mut stdout) {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(e) => {
            let _ = stdout.flush();
            eprintln_safe(&format!("faultline: {e}"));
            ExitCode::from(EXIT_USAGE)
        }
    }
}
