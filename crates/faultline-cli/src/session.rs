//! The one load path of every command (`check`, `triage`, `matrix`, `reach`, `diff`, `graph`,
//! and `check::analyze_sources` for tests and fuzzing).
//!
//! [`Setup::new`] reads the configuration (`.faultline.yaml` found upward from the working
//! directory, `--config FILE`, or none with `--no-config`) and resolves what decides how inputs
//! are read: the [`LoadOptions`] (`--include`, `--exclude` and the configuration's `exclude`,
//! `--no-ignore`, `--max-input-size`) and the default namespace (`--namespace`, then the
//! configuration's `namespace`, then `default`). [`Setup::load`] reads the inputs into a
//! [`Session`], which owns the files and their parse results; an input that cannot be read
//! stays in the file list as a file holding one `Unreadable` problem
//! ([`LoadError::into_unreadable`]), reported at its path by `check` and `triage`
//! (`input-unreadable`) and as a warning by the others ([`Session::input_warnings`]).
//! [`Session::with_model`] builds the inventory, with the archive layouts that type kindless
//! documents by their path, and the graph over it, borrowing from the session.

use std::path::{Path, PathBuf};

use faultline_graph::Graph;
use faultline_model::{Inventory, ModelOptions};
use faultline_rules::config::{self, Config};
use faultline_syntax::load::{self, Input, LoadError, LoadErrorKind, LoadOptions};
use faultline_syntax::{FileId, ParsedText, ProblemKind, SourceFile};

/// The options every command that reads inputs takes.
#[derive(Clone, Debug)]
pub struct LoadArgs {
    /// `--namespace`: for namespaced objects written without one.
    pub namespace: Option<String>,
    /// `--config`: the configuration file, instead of `.faultline.yaml` found upward.
    pub config: Option<PathBuf>,
    /// `--no-config`: read no configuration file.
    pub no_config: bool,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub no_ignore: bool,
    /// `--max-input-size`: the most bytes read from one input file or stream.
    pub max_input_size: u64,
    /// Where to look for `.faultline.yaml`.
    pub cwd: PathBuf,
    /// `--stdin-filename`: the path `-` stands for in every output (`<stdin>` without it).
    pub stdin_filename: Option<String>,
}

impl LoadArgs {
    /// Every option at its default, without a configuration file.
    pub fn new() -> Self {
        Self {
            namespace: None,
            config: None,
            no_config: true,
            include: Vec::new(),
            exclude: Vec::new(),
            no_ignore: false,
            max_input_size: load::MAX_INPUT_SIZE,
            cwd: PathBuf::from("."),
            stdin_filename: None,
        }
    }
}

impl Default for LoadArgs {
    fn default() -> Self {
        Self::new()
    }
}

/// The configuration and what it and the options decide about reading inputs, resolved once
/// per run.
#[derive(Debug)]
pub struct Setup {
    /// The configuration file read, if any.
    pub config: Option<Config>,
    /// Discovery and reading: the options' globs, then the configuration's `exclude`.
    pub load_options: LoadOptions,
    /// The namespace of namespaced objects written without one.
    pub namespace: String,
    /// The path standard input is shown as (`--stdin-filename`).
    pub stdin_filename: Option<String>,
}

impl Setup {
    /// Reads the configuration and resolves the options. `Err` is a configuration error (the
    /// file cannot be read, or names its mistakes with their line and column).
    pub fn new(args: &LoadArgs) -> Result<Self, String> {
        let config = load_config(args)?;
        let namespace = args
            .namespace
            .clone()
            .or_else(|| config.as_ref().and_then(|c| c.namespace.clone()))
            .unwrap_or_else(|| "default".to_owned());
        let mut load_options = LoadOptions {
            include: args.include.clone(),
            exclude: args.exclude.clone(),
            no_ignore: args.no_ignore,
            max_input_size: args.max_input_size,
            ..LoadOptions::default()
        };
        if let Some(c) = &config {
            load_options.exclude.extend(c.exclude.iter().cloned());
        }
        Ok(Self {
            config,
            load_options,
            namespace,
            stdin_filename: args.stdin_filename.clone(),
        })
    }

    /// Discovers, reads and parses `paths` (`-` for standard input). `Err` is an invalid
    /// `--include`/`--exclude` glob.
    pub fn load(&self, paths: &[String]) -> Result<Session, String> {
        let mut session = self.empty();
        let mut loaded = load_paths(paths, &self.load_options);
        if let Some(name) = &self.stdin_filename {
            for f in &mut loaded.files {
                if f.path == load::STDIN_PATH {
                    f.path.clone_from(name);
                }
            }
            for e in &mut loaded.errors {
                if e.path == load::STDIN_PATH {
                    e.path.clone_from(name);
                }
            }
        }
        session.add(loaded)?;
        session.checked = session.files.len();
        Ok(session)
    }

    /// [`Setup::load`] on sources already in memory, `(display path, bytes)`: the same checks
    /// (binary, encoding) and parsing as files read from disk.
    pub fn load_sources(&self, sources: Vec<(String, Vec<u8>)>) -> Result<Session, String> {
        let mut session = self.empty();
        session.add(load::load_bytes(sources))?;
        session.checked = session.files.len();
        Ok(session)
    }

    fn empty(&self) -> Session {
        Session {
            files: Vec::new(),
            parsed: Vec::new(),
            checked: 0,
            namespace: self.namespace.clone(),
            warnings: Vec::new(),
        }
    }
}

fn load_paths(paths: &[String], options: &LoadOptions) -> load::Loaded {
    let inputs: Vec<Input> = paths.iter().map(Input::from_arg).collect();
    load::load_all(&inputs, options)
}

/// The inputs of a run, read and parsed: what the inventory and the graph borrow.
#[derive(Debug)]
pub struct Session {
    /// Every file, `files[i].id == FileId(i)`: the inputs, then the manifests read beside them
    /// ([`Session::add_manifests`]). An input that could not be read is here too, with its
    /// readable text (possibly none).
    pub files: Vec<SourceFile>,
    /// `parsed[i]` belongs to `files[i]`; an unreadable input's holds one `Unreadable` problem.
    pub parsed: Vec<ParsedText>,
    /// How many of the files are inputs; the rest are manifests.
    checked: usize,
    namespace: String,
    /// Inputs refused (`false`) and ignore-file lines that could not be used (`true`), as
    /// `path[:line:col]: message`, in the loader's order.
    warnings: Vec<(bool, String)>,
}

/// What the commands analyse, borrowed from a [`Session`]: the files, the graph over the
/// inputs' inventory (`graph.inventory`), and the inventory of the manifests read beside them.
pub struct Model<'a> {
    pub files: &'a [SourceFile],
    pub parsed: &'a [ParsedText],
    pub graph: &'a Graph<'a>,
    /// Empty unless [`Session::add_manifests`] read some.
    pub manifests: &'a Inventory<'a>,
}

impl std::fmt::Debug for Model<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("files", &self.files.len())
            .field("objects", &self.graph.inventory.objects.len())
            .field("manifest_objects", &self.manifests.objects.len())
            .finish_non_exhaustive()
    }
}

/// At most this many files with problems are named in warnings; the rest are counted.
const WARNED_FILES: usize = 10;

impl Session {
    /// Reads `paths` as the manifests the inputs were created from (`triage --manifests`):
    /// after the inputs, in a second inventory; a file already read as an input is left out
    /// (a manifest directory may hold the snapshot too).
    pub fn add_manifests(&mut self, paths: &[String], options: &LoadOptions) -> Result<(), String> {
        if paths.is_empty() {
            return Ok(());
        }
        self.add(load_paths(paths, options))
    }

    /// How many of [`Session::files`] are inputs (the rest are manifests).
    pub fn inputs(&self) -> usize {
        self.checked
    }

    /// The namespace of namespaced objects written without one.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Builds the inputs' inventory (kindless documents in an archive layout typed by their
    /// path), the manifests' and the graph, and hands them to `f`; `stage` is told of each step
    /// (for a progress display).
    pub fn with_model<R>(&self, stage: &dyn Fn(&str), f: impl FnOnce(&Model<'_>) -> R) -> R {
        stage("building the inventory");
        let options = ModelOptions {
            default_namespace: &self.namespace,
        };
        let paths: Vec<&str> = self.files.iter().map(|f| f.path.as_str()).collect();
        let inventory = Inventory::build_files(&self.parsed, &paths, 0..self.checked, &options);
        let manifests = Inventory::build_files(
            &self.parsed,
            &paths,
            self.checked..self.parsed.len(),
            &options,
        );
        stage("building the graph");
        let graph = Graph::build(&inventory);
        f(&Model {
            files: &self.files,
            parsed: &self.parsed,
            graph: &graph,
            manifests: &manifests,
        })
    }

    /// The ignore-file lines that could not be used, as `path:line:col: message`, taken out
    /// (the commands that report unreadable inputs as findings warn of these only).
    pub fn take_ignore_warnings(&mut self) -> Vec<String> {
        let (ignore, refused) = std::mem::take(&mut self.warnings)
            .into_iter()
            .partition(|(ignore, _)| *ignore);
        self.warnings = refused;
        ignore.into_iter().map(|(_, w)| w).collect()
    }

    /// Warnings about the input for the commands that report no findings (`matrix`, `reach`,
    /// `diff`, `graph`), each naming its file: every input that could not be read
    /// (`path[:line:col]: message`), every ignore-file line that could not be used, and per
    /// file the problems that were skipped (the first one located, the rest counted; at most
    /// ten files named). Duplicate keys are left to `faultline check`.
    pub fn input_warnings(&self) -> Vec<String> {
        let mut warnings: Vec<String> = self.warnings.iter().map(|(_, w)| w.clone()).collect();
        let mut broken = self
            .files
            .iter()
            .zip(&self.parsed)
            .filter(|(_, p)| !p.problems.iter().any(|p| p.kind == ProblemKind::Unreadable))
            .filter_map(|(f, p)| {
                let mut problems = p
                    .problems
                    .iter()
                    .filter(|p| p.kind != ProblemKind::DuplicateKey);
                let first = problems.next()?;
                let at = match first.range {
                    Some(r) => {
                        let lc = f.line_col(r.start);
                        format!("{}:{}:{}", f.path, lc.line, lc.column)
                    }
                    None => f.path.clone(),
                };
                let rest = match problems.count() {
                    0 => String::new(),
                    n => format!(" (and {n} more problem(s) in this file)"),
                };
                Some(format!(
                    "{at}: {}{rest}; skipped, `faultline check` shows where",
                    first.message
                ))
            });
        warnings.extend(broken.by_ref().take(WARNED_FILES));
        let unnamed = broken.count();
        if unnamed > 0 {
            warnings.push(format!(
                "{unnamed} more file(s) with problems skipped; `faultline check` shows them"
            ));
        }
        warnings
    }

    /// The files, for what outlives the session (`check`'s `Analysis` keeps them for
    /// rendering).
    pub fn into_files(self) -> Vec<SourceFile> {
        self.files
    }

    /// Appends what the loader produced, renumbering the files after those already here and
    /// leaving out a file already among them; an input that could not be read becomes a file
    /// with an `Unreadable` problem, an ignore-file line a warning, an invalid glob `Err`.
    fn add(&mut self, loaded: load::Loaded) -> Result<(), String> {
        let seen: std::collections::HashSet<String> =
            self.files.iter().map(|f| f.path.clone()).collect();
        for (mut f, p) in loaded.files.into_iter().zip(loaded.parsed) {
            if seen.contains(&f.path) {
                continue;
            }
            f.id = FileId(self.files.len() as u32);
            self.files.push(f);
            self.parsed.push(p);
        }
        for e in loaded.errors {
            match e.kind {
                LoadErrorKind::InvalidGlob => return Err(e.message),
                LoadErrorKind::IgnoreFile => self.warnings.push((true, located(&e))),
                _ => {
                    self.warnings.push((false, located(&e)));
                    let (file, parsed) = e.into_unreadable(FileId(self.files.len() as u32));
                    self.files.push(file);
                    self.parsed.push(parsed);
                }
            }
        }
        Ok(())
    }
}

/// When objects written without `metadata.namespace` come from unrelated projects and all
/// land in one namespace (several charts checked at once, all in `default`), a warning that
/// says so: rules that relate objects (NetworkPolicies, Services, quotas) then treat them as
/// one application, and their findings vanish when each is checked alone.
///
/// A project is the chart a Helm `# Source:` names (its first component; subcharts belong to
/// their parent), else the directory named on the command line (`paths`) that holds the
/// file, else the file's folder; a folder inside another is the same project.
pub fn namespace_meetings(
    inventory: &Inventory<'_>,
    files: &[SourceFile],
    paths: &[String],
) -> Option<String> {
    use std::collections::{BTreeMap, BTreeSet};
    let dirs: Vec<&Path> = paths.iter().map(Path::new).filter(|p| p.is_dir()).collect();
    let mut by_namespace: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for o in &inventory.objects {
        let (true, Some(ns)) = (o.namespace_defaulted, o.namespace) else {
            continue;
        };
        let Some(file) = files.get(o.file.0 as usize) else {
            continue;
        };
        let project = match o.helm_source.and_then(|s| s.split('/').next()) {
            Some(chart) if !chart.is_empty() => format!("the chart `{chart}`"),
            _ => {
                let path = Path::new(&file.path);
                let folder = dirs
                    .iter()
                    .filter(|d| path.starts_with(d))
                    .max_by_key(|d| d.as_os_str().len())
                    .map(|d| d.to_path_buf())
                    .or_else(|| path.parent().map(Path::to_path_buf))
                    .unwrap_or_default();
                format!("folder:{}", folder.display())
            }
        };
        by_namespace.entry(ns).or_default().insert(project);
    }
    for (ns, projects) in by_namespace {
        // Folders inside another named folder are the same project.
        let folders: Vec<&str> = projects
            .iter()
            .filter_map(|p| p.strip_prefix("folder:"))
            .collect();
        let kept: Vec<String> = projects
            .iter()
            .filter(|p| match p.strip_prefix("folder:") {
                Some(f) => !folders
                    .iter()
                    .any(|g| *g != f && Path::new(f).starts_with(g)),
                None => true,
            })
            .map(|p| match p.strip_prefix("folder:") {
                Some("") => "`.`".to_owned(),
                Some(f) => format!("`{f}/`"),
                None => p.clone(),
            })
            .collect();
        if kept.len() < 2 {
            continue;
        }
        let named = if kept.len() > 3 {
            format!("{} and {} more", kept[..3].join(", "), kept.len() - 3)
        } else {
            kept.join(", ")
        };
        return Some(format!(
            "objects without `metadata.namespace` from {} unrelated projects ({named}) all \
             land in namespace `{ns}`, so they are checked as one application (a NetworkPolicy \
             of one selects the pods of another); check each alone with its own `--namespace`, \
             or set `metadata.namespace`",
            kept.len()
        ));
    }
    None
}

/// `path[:line:col]: message` of a load error.
fn located(e: &LoadError) -> String {
    match e.line_col {
        Some(lc) => format!("{}:{}:{}: {}", e.path, lc.line, lc.column, e.message),
        None => format!("{}: {}", e.path, e.message),
    }
}

fn load_config(args: &LoadArgs) -> Result<Option<Config>, String> {
    if args.no_config {
        return Ok(None);
    }
    let path = match &args.config {
        Some(p) => p.clone(),
        None => match find_config(&args.cwd) {
            Some(p) => p,
            None => return Ok(None),
        },
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Config::parse_at(&text, &path.display().to_string())
        .map(Some)
        .map_err(|errors| {
            errors
                .iter()
                .map(|e| format!("{}:{}:{}: {}", path.display(), e.line, e.column, e.message))
                .collect::<Vec<_>>()
                .join("\n")
        })
}

/// `.faultline.yaml` in `dir` or the nearest parent that has one.
pub fn find_config(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(config::FILE_NAME))
        .find(|p| p.is_file())
}
