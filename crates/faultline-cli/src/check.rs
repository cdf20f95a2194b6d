//! `faultline check`: configuration, loading, the rules, redaction and rendering.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use faultline_diagnostics::{Diagnostic, Related, RuleInfo, Severity};
use faultline_model::provenance::ManifestIndex;
use faultline_rules::api_versions::KubeVersion;
use faultline_rules::custom::CustomRules;
use faultline_rules::{Context, Settings, registry};
use faultline_syntax::load;
use faultline_syntax::{FileId, SourceFile, TextRange};
use faultline_triage::Chain;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::helm::{HelmOptions, Mapper};
use crate::redact::Redactor;
use crate::render::{self, Format, RenderContext, Summary};
use crate::session::{LoadArgs, Session, Setup};

/// Everything `faultline check` was asked to do.
#[derive(Clone, Debug)]
pub struct CheckArgs {
    pub paths: Vec<String>,
    pub format: Format,
    pub fail_on: Option<String>,
    pub rules: Vec<String>,
    pub skip: Vec<String>,
    pub namespace: Option<String>,
    pub kube_version: Option<String>,
    /// `--pod-security LEVEL`: the `default-level` of the `pod-security` rule.
    pub pod_security: Option<String>,
    /// `--now`: the time a snapshot is judged at (RFC 3339).
    pub now: Option<String>,
    /// `--complete`: the input holds every object the workloads need.
    pub complete: bool,
    pub config: Option<PathBuf>,
    pub no_config: bool,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub no_ignore: bool,
    /// `--max-input-size`: the most bytes read from one input file or stream.
    pub max_input_size: u64,
    pub color: bool,
    pub progress: bool,
    /// Where to look for `.faultline.yaml`.
    pub cwd: PathBuf,
    /// `--allow-empty`: no input file at all is not an error.
    pub allow_empty: bool,
    /// `-q/--quiet`: only the summary line (and the exit code).
    pub quiet: bool,
    /// `--stdin-filename`: the path `-` stands for.
    pub stdin_filename: Option<String>,
    /// Whether findings about Helm output move to the templates' lines ([`crate::helm`]),
    /// found under `chart` (`--chart DIR`) or the current directory.
    pub helm_templates: bool,
    pub chart: Option<PathBuf>,
}

impl CheckArgs {
    /// A check of `paths` with every option at its default: human output, no configuration
    /// file, no colour or progress. Callers set what they need.
    pub fn new(paths: Vec<String>) -> Self {
        Self {
            paths,
            format: Format::Human,
            fail_on: None,
            rules: Vec::new(),
            skip: Vec::new(),
            namespace: None,
            kube_version: None,
            pod_security: None,
            now: None,
            complete: false,
            config: None,
            no_config: true,
            include: Vec::new(),
            exclude: Vec::new(),
            no_ignore: false,
            max_input_size: load::MAX_INPUT_SIZE,
            color: false,
            progress: false,
            cwd: PathBuf::from("."),
            allow_empty: false,
            quiet: false,
            stdin_filename: None,
            helm_templates: false,
            chart: None,
        }
    }

    /// These arguments reading the inputs as `load` says (namespace, configuration, globs,
    /// size limit, working directory).
    pub fn with_load(self, load: LoadArgs) -> Self {
        Self {
            namespace: load.namespace,
            config: load.config,
            no_config: load.no_config,
            include: load.include,
            exclude: load.exclude,
            no_ignore: load.no_ignore,
            max_input_size: load.max_input_size,
            cwd: load.cwd,
            stdin_filename: load.stdin_filename,
            ..self
        }
    }

    /// The options that decide how the inputs are read, as every command takes them.
    pub fn load_args(&self) -> LoadArgs {
        LoadArgs {
            namespace: self.namespace.clone(),
            config: self.config.clone(),
            no_config: self.no_config,
            include: self.include.clone(),
            exclude: self.exclude.clone(),
            no_ignore: self.no_ignore,
            max_input_size: self.max_input_size,
            cwd: self.cwd.clone(),
            stdin_filename: self.stdin_filename.clone(),
        }
    }
}

/// What a check found, for the exit code.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub diagnostics: Vec<Diagnostic>,
    /// `None` for `--fail-on never`.
    pub fail_on: Option<Severity>,
    /// No input file matched, and `--allow-empty` was not given.
    pub no_input: bool,
}

impl Outcome {
    /// 2 when no input matched (without `--allow-empty`), an input could not be read or
    /// faultline failed, 1 when a finding is at or above `--fail-on`, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.no_input {
            return 2;
        }
        if self.diagnostics.iter().any(|d| {
            matches!(
                d.rule,
                registry::input_unreadable::InputUnreadable::ID
                    | registry::internal_error::InternalError::ID
            )
        }) {
            return 2;
        }
        match self.fail_on {
            Some(min) if self.diagnostics.iter().any(|d| d.severity >= min) => 1,
            _ => 0,
        }
    }
}

/// Runs a check and renders the result to `out`. `Err` is a usage or configuration error.
pub fn run(args: &CheckArgs, out: &mut dyn Write) -> Result<Outcome, String> {
    let analysis = analyze(args)?;
    let no_input = analysis.files.is_empty() && !args.allow_empty;
    if no_input {
        let _ = writeln!(
            std::io::stderr(),
            "faultline: warning: no input file matched {} (directories are walked for {}); \
             nothing was checked; pass --allow-empty if that is expected",
            render::escape::visible(&args.paths.join(" ")),
            if args.include.is_empty() {
                "`*.yaml`, `*.yml` and `*.json`".to_owned()
            } else {
                format!("--include {}", args.include.join(", "))
            }
        );
    }
    let written = if args.quiet {
        writeln!(out, "{}", analysis.summary_line())
    } else {
        analysis.render(args.format, args.color, out)
    };
    render::unless_closed(written).map_err(|e| format!("cannot write output: {e}"))?;
    Ok(Outcome {
        diagnostics: analysis.diagnostics,
        fail_on: analysis.fail_on,
        no_input,
    })
}

/// The findings of a check, before rendering.
#[derive(Debug)]
pub struct Analysis {
    pub files: Vec<SourceFile>,
    pub objects: usize,
    /// The engine's findings, sorted, with Secret values scrubbed from messages.
    pub diagnostics: Vec<Diagnostic>,
    /// The suspected causes of the status findings, as the notes the formats list with them:
    /// `(index into diagnostics, notes)`, in order, scrubbed like the findings.
    pub causes: Vec<(usize, Vec<Related>)>,
    /// `None` for `--fail-on never`.
    pub fail_on: Option<Severity>,
    /// What of the input must never be shown, for every renderer.
    pub redactor: Redactor,
    /// How many of `files`, at their end, are Helm templates findings were moved to (not
    /// inputs: the summary does not count them).
    pub templates: usize,
    /// How many of `files`, at their start, are inputs; after them come the manifests read
    /// beside them (`triage --manifests`), then the templates.
    pub inputs: usize,
    /// The configuration's custom rules (the SARIF rule table lists them with the others).
    pub custom_rules: Option<&'static CustomRules>,
}

impl Analysis {
    /// Renders the findings in `format`, with Secret values masked.
    pub fn render(&self, format: Format, color: bool, out: &mut dyn Write) -> std::io::Result<()> {
        let rule_infos = rule_infos_with(self.custom_rules);
        let (redactor, files) = (&self.redactor, &self.files);
        let redact = |file: FileId, range: TextRange| {
            files
                .get(file.0 as usize)
                .is_some_and(|f| redactor.hides_text(file, &f.text, range))
        };
        let ctx = RenderContext {
            tool_version: env!("CARGO_PKG_VERSION"),
            rules: &rule_infos,
            summary: Summary {
                files: self.files.len() - self.templates,
                objects: self.objects,
            },
            color,
            fail_on: self.fail_on,
            redact: &redact,
        };
        render::render(format, out, &self.shown(), &self.files, &ctx)
    }

    /// `1 error, 2 warnings, 0 infos in 3 files (4 objects)`, what `--quiet` prints.
    pub fn summary_line(&self) -> String {
        let ctx = RenderContext {
            tool_version: env!("CARGO_PKG_VERSION"),
            rules: &[],
            summary: Summary {
                files: self.files.len() - self.templates,
                objects: self.objects,
            },
            color: false,
            fail_on: self.fail_on,
            redact: &render::redact_nothing,
        };
        render::human::summary_line(render::Counts::of(&self.diagnostics), &ctx)
    }

    /// The findings as the formats show them: each status finding's suspected causes listed
    /// after its own related entries.
    fn shown(&self) -> std::borrow::Cow<'_, [Diagnostic]> {
        if self.causes.is_empty() {
            return std::borrow::Cow::Borrowed(&self.diagnostics);
        }
        let mut shown = self.diagnostics.clone();
        for (i, notes) in &self.causes {
            shown[*i].related.extend(notes.iter().cloned());
        }
        std::borrow::Cow::Owned(shown)
    }
}

/// Loads the inputs and runs the rules. `Err` is a usage or configuration error.
pub fn analyze(args: &CheckArgs) -> Result<Analysis, String> {
    analyze_with(args, &[], |_, _, _| ()).map(|(analysis, ())| analysis)
}

/// [`analyze`] on sources already in memory, `(display path, bytes)`, instead of
/// `args.paths`: the same checks, parsing, rules and redaction as files read from disk.
pub fn analyze_sources(
    args: &CheckArgs,
    sources: Vec<(String, Vec<u8>)>,
) -> Result<Analysis, String> {
    let run = Prepared::new(args)?;
    let session = run.setup.load_sources(sources)?;
    run.analyze(session, |_, _, _| ())
        .map(|(analysis, ())| analysis)
}

/// [`analyze`], then `then` on the run's context, its findings (sorted, scrubbed) and their
/// cause chains, while the context is alive (`faultline triage` builds its report there).
///
/// `manifests` are read beside the inputs but not checked: they are what the running objects
/// were created from, and the causes of status findings point into them.
pub fn analyze_with<R>(
    args: &CheckArgs,
    manifests: &[String],
    then: impl FnOnce(&Context<'_>, &[Diagnostic], &[Chain]) -> R,
) -> Result<(Analysis, R), String> {
    let run = Prepared::new(args)?;
    run.progress.stage("reading and parsing inputs");
    let mut session = run.setup.load(&args.paths)?;
    // A manifest directory may hold the snapshot too (`triage demo/snapshot --manifests
    // demo`): a file already read as the snapshot is not a manifest.
    session.add_manifests(manifests, &run.setup.load_options)?;
    for w in session.take_ignore_warnings() {
        let _ = writeln!(
            std::io::stderr(),
            "faultline: warning: {}",
            render::escape::visible(&w)
        );
    }
    run.analyze(session, then)
}

/// A check's settings, read once from the arguments and the configuration file: how the
/// inputs are read ([`Prepared::setup`]) and what runs on them ([`Prepared::analyze`]).
pub struct Prepared {
    /// The configuration, the load options and the default namespace.
    pub setup: Setup,
    settings: Settings,
    fail_on: Option<Severity>,
    progress: Progress,
    /// Where Helm templates are looked for, when findings move to them.
    helm: Option<HelmOptions>,
    /// The paths named on the command line (for [`crate::session::namespace_meetings`]).
    paths: Vec<String>,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("setup", &self.setup)
            .field("fail_on", &self.fail_on)
            .finish_non_exhaustive()
    }
}

impl Prepared {
    /// Reads the configuration and the options. `Err` is a usage or configuration error.
    pub fn new(args: &CheckArgs) -> Result<Self, String> {
        let progress = Progress::start(args.progress);
        let setup = Setup::new(&args.load_args())?;
        let config = setup.config.as_ref();
        let mut settings = Settings::default();
        if let Some(c) = config {
            c.apply(&mut settings);
        }
        if let Some(v) = &args.kube_version {
            settings.kube_version =
                KubeVersion::parse(v).map_err(|e| format!("--kube-version: {e}"))?;
        }
        if let Some(level) = &args.pod_security {
            use faultline_rules::registry::pod_security::PodSecurity;
            if faultline_model::pod_security::Level::parse(level).is_none() {
                return Err(format!(
                    "--pod-security: `{level}` is not `privileged`, `baseline` or `restricted`"
                ));
            }
            settings
                .params
                .entry(PodSecurity::ID.to_owned())
                .or_default()
                .insert("default-level".to_owned(), level.clone());
        }
        if let Some(now) = &args.now {
            settings.now = Some(faultline_model::time::Timestamp::parse(now).ok_or_else(|| {
                format!("--now: `{now}` is not an RFC 3339 time such as `2024-05-01T12:00:00Z`")
            })?);
        }
        if args.complete {
            settings.complete = true;
        }
        for id in args.rules.iter().chain(&args.skip) {
            if !settings.knows_rule(id) {
                return Err(format!("unknown rule `{id}`; {}", rule_hint(id)));
            }
        }
        if !args.rules.is_empty() {
            settings.only = Some(args.rules.iter().cloned().collect());
        }
        settings.disabled.extend(args.skip.iter().cloned());
        let fail_on_text = args
            .fail_on
            .clone()
            .or_else(|| config.and_then(|c| c.fail_on.clone()))
            .unwrap_or_else(|| "warning".to_owned());
        let fail_on = Severity::parse(&fail_on_text);
        if let Some(chart) = &args.chart
            && !args.cwd.join(chart).is_dir()
        {
            return Err(format!("--chart: `{}` is not a directory", chart.display()));
        }
        let helm = args.helm_templates.then(|| HelmOptions {
            chart: args.chart.clone(),
            cwd: args.cwd.clone(),
        });
        Ok(Self {
            setup,
            settings,
            fail_on,
            progress,
            helm,
            paths: args.paths.clone(),
        })
    }

    /// Builds the inventory and the graph of `session` (its manifests in a second inventory)
    /// and runs the rules.
    pub fn analyze<R>(
        &self,
        session: Session,
        then: impl FnOnce(&Context<'_>, &[Diagnostic], &[Chain]) -> R,
    ) -> Result<(Analysis, R), String> {
        let (settings, progress) = (&self.settings, &self.progress);
        let stage = |s: &str| progress.stage(s);
        let has_manifests = session.inputs() < session.files.len();
        let (objects, diagnostics, causes, redactor, result, templates) =
            session.with_model(&stage, |m| {
                let inventory = m.graph.inventory;
                if let Some(w) = crate::session::namespace_meetings(inventory, m.files, &self.paths)
                {
                    let _ = writeln!(
                        std::io::stderr(),
                        "faultline: warning: {}",
                        render::escape::visible(&w)
                    );
                }
                for w in unknown_suppressions(m.files, m.parsed, inventory, settings) {
                    let _ = writeln!(
                        std::io::stderr(),
                        "faultline: warning: {}",
                        render::escape::visible(&w)
                    );
                }
                let manifest_index = ManifestIndex::new(m.manifests);
                progress.stage(&format!("checking {} objects", inventory.objects.len()));
                let mut cx = Context::new(m.files, m.parsed, m.graph, settings);
                if has_manifests {
                    cx = cx.with_manifests(&manifest_index);
                }
                let rules = settings.enabled_rules();
                let mut diagnostics = faultline_rules::run(&cx, &rules);
                progress.stage("linking symptoms to causes");
                let chains = faultline_triage::chains(&cx, &diagnostics);
                let mut redactor = Redactor::build(m.files, m.parsed, &[inventory, m.manifests]);
                redactor.scrub_diagnostics(&mut diagnostics);
                let mut causes: Vec<(usize, Vec<Related>)> = chains
                    .iter()
                    .map(|c| {
                        let mut notes = c.related_entries();
                        redactor.scrub_related(&mut notes);
                        (c.symptom, notes)
                    })
                    .collect();
                let result = then(&cx, &diagnostics, &chains);
                let objects = inventory.objects.len();
                let mut templates = Vec::new();
                if let Some(options) = &self.helm {
                    let mut mapper = Mapper::new(options, m.files.len() as u32);
                    mapper.map(inventory, &mut diagnostics);
                    templates = mapper.files;
                    if let Some(chart) = &options.chart
                        && templates.is_empty()
                        && !diagnostics.is_empty()
                    {
                        let _ = writeln!(
                            std::io::stderr(),
                            "faultline: warning: {}",
                            render::escape::visible(&format!(
                                "--chart {}: no template that a `# Source:` line of the input \
                                 names was found there (`# Source: CHART/templates/x.yaml` is \
                                 looked for as `{}/templates/x.yaml`)",
                                chart.display(),
                                chart.display()
                            ))
                        );
                    }
                    for t in &templates {
                        redactor.add_template(t);
                    }
                    resort(&mut diagnostics, &mut causes);
                }
                (objects, diagnostics, causes, redactor, result, templates)
            });
        progress.finish();
        let inputs = session.inputs();
        let mut files = session.into_files();
        let template_count = templates.len();
        files.extend(templates);
        Ok((
            Analysis {
                files,
                objects,
                diagnostics,
                causes,
                fail_on: self.fail_on,
                redactor,
                templates: template_count,
                inputs,
                custom_rules: self.settings.custom,
            },
            result,
        ))
    }
}

/// `did you mean `api-removed`?`, or where the rules are listed.
fn rule_hint(id: &str) -> String {
    match faultline_rules::config::closest_rule(id) {
        Some(near) => format!("did you mean `{near}`?"),
        None => "`faultline rules` lists them".to_owned(),
    }
}

/// Suppressions in the inputs (the `faultline.dev/ignore` annotation, `# faultline:ignore`
/// comments) that name no rule, as `path:line:col: …` warnings with the closest rule id: a
/// misspelt id silences nothing.
fn unknown_suppressions(
    files: &[SourceFile],
    parsed: &[faultline_syntax::ParsedText],
    inventory: &faultline_model::Inventory<'_>,
    settings: &Settings,
) -> Vec<String> {
    use faultline_rules::suppress::{ANNOTATION, COMMENT_MARKER};
    let mut out = Vec::new();
    let mut check = |file: FileId, at: u32, list: &str, what: &str| {
        for id in list.split([',', ' ']).map(str::trim) {
            if id.is_empty() || id == "all" || settings.knows_rule(id) {
                continue;
            }
            let Some(f) = files.get(file.0 as usize) else {
                continue;
            };
            let lc = f.line_col(at);
            out.push(format!(
                "{}:{}:{}: unknown rule `{id}` in {what}, so it silences nothing; {}",
                f.path,
                lc.line,
                lc.column,
                rule_hint(id)
            ));
        }
    };
    let inputs: std::collections::HashSet<FileId> =
        inventory.objects.iter().map(|o| o.file).collect();
    for o in &inventory.objects {
        if let Some(list) = o
            .annotation(ANNOTATION)
            .and_then(|a| a.scalar_text().map(|t| (a, t)))
        {
            check(
                o.file,
                list.0.range().start,
                list.1,
                &format!("`{ANNOTATION}`"),
            );
        }
    }
    for (i, p) in parsed.iter().enumerate() {
        let Some(f) = files.get(i) else { continue };
        if !inputs.contains(&f.id) {
            continue;
        }
        for range in &p.comments {
            let text = f.slice(*range);
            if let Some(rest) = text
                .trim_start_matches('#')
                .trim()
                .strip_prefix(COMMENT_MARKER)
            {
                check(f.id, range.start, rest, "a `# faultline:ignore` comment");
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|w| seen.insert(w.clone()));
    out
}

/// Puts `diagnostics` back in output order after some moved (to Helm templates), with the
/// indexes of `causes` following them.
fn resort(diagnostics: &mut Vec<Diagnostic>, causes: &mut [(usize, Vec<Related>)]) {
    let mut order: Vec<usize> = (0..diagnostics.len()).collect();
    order.sort_by(|&a, &b| diagnostics[a].output_order(&diagnostics[b]));
    let mut new_index = vec![0; order.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let mut taken: Vec<Option<Diagnostic>> =
        std::mem::take(diagnostics).into_iter().map(Some).collect();
    *diagnostics = order
        .iter()
        .map(|&i| taken[i].take().expect("each index once"))
        .collect();
    for (i, _) in causes.iter_mut() {
        *i = new_index[*i];
    }
    causes.sort_by_key(|(i, _)| *i);
}

/// A spinner on stderr that appears only when a run takes more than a moment.
struct Progress {
    bar: Option<ProgressBar>,
    done: Arc<AtomicBool>,
}

impl Progress {
    fn start(enabled: bool) -> Self {
        let done = Arc::new(AtomicBool::new(false));
        if !enabled {
            return Self { bar: None, done };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        let (b, d) = (bar.clone(), done.clone());
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            if !d.load(Ordering::SeqCst) {
                b.set_draw_target(ProgressDrawTarget::stderr());
                b.enable_steady_tick(Duration::from_millis(120));
            }
        });
        Self {
            bar: Some(bar),
            done,
        }
    }

    fn stage(&self, message: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(message.to_owned());
        }
    }

    fn finish(&self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Every rule's metadata with its documentation as Markdown (without the leading space each
/// line of a doc comment carries). Built once per process.
pub fn rule_infos() -> Vec<RuleInfo> {
    static DOCS: std::sync::OnceLock<Vec<RuleInfo>> = std::sync::OnceLock::new();
    DOCS.get_or_init(|| {
        registry::ALL
            .iter()
            .map(|r| {
                let mut info = r.meta().info;
                info.doc = Box::leak(faultline_rules::docs::clean_doc(info.doc).into_boxed_str());
                info
            })
            .collect()
    })
    .clone()
}

/// [`rule_infos`] and the custom rules of the configuration.
pub fn rule_infos_with(custom: Option<&CustomRules>) -> Vec<RuleInfo> {
    let mut infos = rule_infos();
    infos.extend(custom.iter().flat_map(|c| &c.rules).map(|r| r.meta.info));
    infos
}

/// The custom rules of the configuration `load` names or finds (`faultline rules`,
/// `faultline explain`). `Err` is the configuration's mistakes, located.
pub fn custom_rules(load: &LoadArgs) -> Result<Option<&'static CustomRules>, String> {
    Ok(Setup::new(load)?.config.and_then(|c| c.custom_rules))
}

/// `faultline rules` as a table.
pub fn rules_table() -> String {
    rules_table_with(None)
}

/// `faultline rules` as a table, with `custom`'s rules marked `custom (FILE:LINE)`.
pub fn rules_table_with(custom: Option<&CustomRules>) -> String {
    let mut rows: Vec<[String; 4]> = registry::ALL
        .iter()
        .map(|r| {
            let i = r.meta().info;
            [
                i.id.to_owned(),
                i.category.to_string(),
                i.default_severity.to_string(),
                i.summary.to_owned(),
            ]
        })
        .chain(custom.iter().flat_map(|c| &c.rules).map(|r| {
            let i = r.meta.info;
            [
                i.id.to_owned(),
                i.category.to_string(),
                i.default_severity.to_string(),
                format!("custom ({}:{}): {}", r.origin, r.line, i.summary),
            ]
        }))
        .collect();
    rows.sort();
    let header = ["RULE", "CATEGORY", "SEVERITY", "SUMMARY"].map(str::to_owned);
    let widths: Vec<usize> = (0..3)
        .map(|c| {
            rows.iter()
                .chain([&header])
                .map(|r| r[c].len())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let line = format!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `faultline rules --format json`: `[{"id","category","severity","summary"}]`.
pub fn rules_json() -> String {
    rules_json_with(None)
}

/// `faultline rules --format json` with `custom`'s rules, each with
/// `"custom": {"config": FILE, "line": N}`.
pub fn rules_json_with(custom: Option<&CustomRules>) -> String {
    let rows: Vec<serde_json::Value> = registry::ALL
        .iter()
        .map(|r| {
            let i = r.meta().info;
            serde_json::json!({
                "id": i.id,
                "category": i.category.as_str(),
                "severity": i.default_severity.as_str(),
                "summary": i.summary,
            })
        })
        .chain(custom.iter().flat_map(|c| &c.rules).map(|r| {
            let i = r.meta.info;
            serde_json::json!({
                "id": i.id,
                "category": i.category.as_str(),
                "severity": i.default_severity.as_str(),
                "summary": i.summary,
                "custom": {"config": r.origin, "line": r.line},
            })
        }))
        .collect();
    serde_json::to_string_pretty(&rows).expect("plain JSON values serialize") + "\n"
}
