//! `faultline matrix` and `faultline diff`: connectivity between workloads as the
//! NetworkPolicies allow it, and how it changes between two inputs.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write;
use std::net::Ipv4Addr;

use faultline_diagnostics::{Diagnostic, Severity};
use faultline_graph::netpol::diff::{self, DiffLine};
use faultline_graph::netpol::explain::{field_path, port_text};
use faultline_graph::netpol::services::PortPick;
use faultline_graph::netpol::{
    ClassId, Direction, Endpoint, MatrixLine, NetOptions, NetworkModel, Protocol, Verdict,
};
use faultline_syntax::SourceFile;

use crate::check::{self, CheckArgs};
use crate::render::escape::visible;
use crate::session::{LoadArgs, Session, Setup};

/// Output formats of `matrix` and `diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    Txt,
    Json,
    Csv,
    Md,
    Dot,
}

/// What the network commands read and how.
#[derive(Clone, Debug)]
pub struct NetArgs {
    pub paths: Vec<String>,
    /// How the inputs are read, as every command reads them.
    pub load: LoadArgs,
    pub options: NetOptions,
}

/// Loads the inputs, builds the network model and hands it to `f`, with warnings about input
/// that could not be read or parsed (which the caller prints). `Err` is a usage or
/// configuration error.
pub fn with_model<R>(
    args: &NetArgs,
    f: impl FnOnce(&NetworkModel<'_>, &[SourceFile]) -> R,
) -> Result<(R, Vec<String>), String> {
    let session = Setup::new(&args.load)?.load(&args.paths)?;
    Ok(model_of(&session, args.options, f))
}

/// The network model of a session's inputs, handed to `f`, with the warnings about them.
fn model_of<R>(
    session: &Session,
    options: NetOptions,
    f: impl FnOnce(&NetworkModel<'_>, &[SourceFile]) -> R,
) -> (R, Vec<String>) {
    let mut warnings = session.input_warnings();
    session.with_model(&|_| (), |m| {
        let model = NetworkModel::build(m.graph, options);
        for p in model.policies.iter().filter(|p| !p.problems.is_empty()) {
            warnings.push(format!(
                "NetworkPolicy/{}/{} is invalid and was left out; `faultline check` shows why",
                p.namespace, p.name
            ));
        }
        (f(&model, m.files), warnings)
    })
}

/// The connection list of the inputs and the names of all their workloads.
pub type Connectivity = (Vec<MatrixLine>, BTreeSet<String>);

/// The connection list of the inputs, the names of all their workloads, and warnings. `Err`
/// is a usage or configuration error.
pub fn connectivity(args: &NetArgs) -> Result<(Connectivity, Vec<String>), String> {
    with_model(args, |model, _| (model.matrix(), model.workload_names()))
}

/// What `--from`/`--to` name: `ns/name`, `ns/name[Kind]` or an IPv4 address, and for `--to`
/// an optional `:PORT[/PROTO]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointSpec {
    pub namespace: String,
    pub name: String,
    pub kind: Option<String>,
    pub ip: Option<Ipv4Addr>,
    pub port: Option<(Protocol, u16)>,
}

impl EndpointSpec {
    pub fn parse(s: &str) -> Result<EndpointSpec, String> {
        let (target, port) = match s.rsplit_once(':') {
            Some((t, p)) if !t.is_empty() => {
                let (number, proto) = p.split_once('/').unwrap_or((p, "TCP"));
                let number: u16 = number
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("`{p}` in `{s}` is not a port (1-65535)"))?;
                let proto = Protocol::parse(&proto.to_ascii_uppercase())
                    .ok_or_else(|| format!("`{proto}` in `{s}` is not TCP, UDP or SCTP"))?;
                (t, Some((proto, number)))
            }
            _ => (s, None),
        };
        if let Ok(ip) = target.parse::<Ipv4Addr>() {
            return Ok(EndpointSpec {
                namespace: String::new(),
                name: String::new(),
                kind: None,
                ip: Some(ip),
                port,
            });
        }
        let (namespace, rest) = target.split_once('/').ok_or_else(|| {
            format!("`{s}`: write NAMESPACE/NAME (a workload, pod or Service) or an IPv4 address")
        })?;
        let (name, kind) = match rest.strip_suffix(']').and_then(|r| r.split_once('[')) {
            Some((n, k)) => (n, Some(k.to_owned())),
            None => (rest, None),
        };
        if namespace.is_empty() || name.is_empty() {
            return Err(format!("`{s}`: write NAMESPACE/NAME"));
        }
        Ok(EndpointSpec {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            kind,
            ip: None,
            port,
        })
    }
}

/// An endpoint and the port to ask about on it.
type Target = (Endpoint, Option<(Protocol, u16)>);

/// The classes (with the port to ask about on each) an endpoint spec names.
fn resolve(model: &NetworkModel<'_>, spec: &EndpointSpec) -> Result<Vec<Target>, String> {
    if let Some(ip) = spec.ip {
        let ip = u32::from(ip);
        return Ok(vec![(Endpoint::External((ip, ip)), spec.port)]);
    }
    let inventory = model.graph.inventory;
    let wants = |kind: &str| spec.kind.as_deref().is_none_or(|k| k == kind);
    if wants("Service")
        && let Some(svc) = inventory.find("Service", Some(&spec.namespace), &spec.name)
    {
        let pick = match spec.port {
            Some((_, n)) => PortPick::Number(n),
            None => PortPick::All,
        };
        let backends = model.service_backends(svc, &pick);
        if backends.is_empty() {
            return Err(format!(
                "Service {}/{} has no backing pod in the input{}",
                spec.namespace,
                spec.name,
                if spec.port.is_some() {
                    " on that port"
                } else {
                    ""
                }
            ));
        }
        let mut out = Vec::new();
        for (class, conn) in backends {
            let target = spec.port.and_then(|(proto, _)| {
                conn.ports(proto)
                    .ranges()
                    .first()
                    .map(|(lo, _)| (proto, *lo))
            });
            out.push((Endpoint::Class(class), target.or(spec.port)));
        }
        return Ok(out);
    }
    let mut classes: Vec<ClassId> = model
        .workloads
        .iter()
        .filter(|w| w.namespace == spec.namespace && w.name == spec.name && wants(w.kind))
        .flat_map(|w| w.classes.iter().copied())
        .collect();
    if wants("Pod")
        && let Some(pod) = inventory.find("Pod", Some(&spec.namespace), &spec.name)
        && let Some(c) = model.class_of(pod.id)
    {
        classes.push(c);
    }
    classes.sort_unstable();
    classes.dedup();
    if classes.is_empty() {
        let known: Vec<String> = model
            .workloads
            .iter()
            .filter(|w| w.namespace == spec.namespace)
            .map(|w| w.label())
            .take(10)
            .collect();
        return Err(format!(
            "no workload, pod or Service `{}/{}` in the input{}",
            spec.namespace,
            spec.name,
            if known.is_empty() {
                format!("; namespace `{}` has no pods", spec.namespace)
            } else {
                format!("; `{}` has {}", spec.namespace, known.join(", "))
            }
        ));
    }
    Ok(classes
        .into_iter()
        .map(|c| (Endpoint::Class(c), spec.port))
        .collect())
}

/// `faultline reach`: whether `from` may open connections to `to`, and why. Returns the report
/// and whether everything asked about is allowed.
pub fn reach(
    args: &NetArgs,
    from: &EndpointSpec,
    to: &EndpointSpec,
) -> (Result<(String, bool), String>, Vec<String>) {
    let result = with_model(args, |model, files| {
        let sources = resolve(model, from)?;
        let targets = resolve(model, to)?;
        let inventory = model.graph.inventory;
        let at = |policy: usize, node: faultline_syntax::NodeRef<'_>| -> String {
            let obj = inventory.get(model.policies[policy].object);
            let file = &files[obj.file.0 as usize];
            let lc = file.lines.line_col(&file.text, node.range().start);
            format!("{}:{}:{}", visible(&file.path), lc.line, lc.column)
        };
        let mut out = String::new();
        let mut all_allowed = true;
        for (src, _) in &sources {
            for (dst, port) in &targets {
                let verdict = model.explain(*src, *dst, *port);
                all_allowed &= verdict.is_allowed();
                out.push_str(&verdict_text(&verdict));
                for side in [&verdict.egress, &verdict.ingress] {
                    for p in &side.isolating {
                        let _ = writeln!(out, "  at {}: {p}", at(p.index, p.node));
                    }
                    if !side.admits
                        && let Some(near) = side.nearest()
                    {
                        for r in &near.reasons {
                            let _ = writeln!(
                                out,
                                "  at {}: {}",
                                at(near.policy.index, r.node),
                                r.field
                            );
                        }
                    }
                }
                out.push('\n');
            }
        }
        Ok((out, all_allowed))
    });
    match result {
        Ok((verdict, warnings)) => (verdict, warnings),
        Err(e) => (Err(e), Vec::new()),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// JSON, CSV and Markdown renderings of a table with these column names (JSON keys) and
/// headers (CSV/Markdown).
fn tabular(format: TableFormat, keys: &[&str], headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    match format {
        TableFormat::Json => {
            let items: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    keys.iter()
                        .zip(r)
                        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
                        .collect::<serde_json::Map<_, _>>()
                        .into()
                })
                .collect();
            out = crate::render::escape::to_json_pretty(&items);
            out.push('\n');
        }
        TableFormat::Csv => {
            let _ = writeln!(out, "{}", headers.join(","));
            for r in rows {
                let fields: Vec<String> = r.iter().map(|f| csv_field(&visible(f))).collect();
                let _ = writeln!(out, "{}", fields.join(","));
            }
        }
        TableFormat::Md => {
            let _ = writeln!(out, "| {} |", headers.join(" | "));
            let rules: Vec<String> = headers.iter().map(|h| "-".repeat(h.len() + 2)).collect();
            let _ = writeln!(out, "|{}|", rules.join("|"));
            for r in rows {
                let cells: Vec<String> = r.iter().map(|c| visible(c).replace('|', "\\|")).collect();
                let _ = writeln!(out, "| {} |", cells.join(" | "));
            }
        }
        TableFormat::Txt | TableFormat::Dot => unreachable!("rendered by the caller"),
    }
    out
}

/// Renders a connection list.
pub fn render_matrix(lines: &[MatrixLine], format: TableFormat) -> String {
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| vec![l.src.to_string(), l.dst.to_string(), l.conn.to_string()])
        .collect();
    let mut out = String::new();
    match format {
        TableFormat::Txt => {
            for l in lines {
                let _ = writeln!(out, "{}", visible(&l.to_string()));
            }
        }
        TableFormat::Dot => {
            out.push_str("digraph {\n");
            let nodes: BTreeSet<&String> = rows.iter().flat_map(|r| [&r[0], &r[1]]).collect();
            for n in nodes {
                let n = visible(n);
                let _ = writeln!(out, "\t{} [label={}]", json_string(&n), json_string(&n));
            }
            for r in &rows {
                let _ = writeln!(
                    out,
                    "\t{} -> {} [label={}]",
                    json_string(&visible(&r[0])),
                    json_string(&visible(&r[1])),
                    json_string(&visible(&r[2]))
                );
            }
            out.push_str("}\n");
        }
        _ => {
            out = tabular(
                format,
                &["src", "dst", "conn"],
                &["src", "dst", "conn"],
                &rows,
            )
        }
    }
    out
}

/// Renders connectivity changes.
pub fn render_diff(lines: &[DiffLine], format: TableFormat) -> String {
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            vec![
                l.kind.as_str().to_owned(),
                l.src.to_string(),
                l.dst.to_string(),
                l.old.to_string(),
                l.new.to_string(),
                l.info.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let mut out = String::new();
    match format {
        TableFormat::Txt => {
            out.push_str("Connectivity diff:\n");
            for l in lines {
                let _ = writeln!(out, "{}", visible(&l.to_string()));
            }
        }
        TableFormat::Dot => {
            out.push_str("digraph {\n");
            for r in &rows {
                let color = match r[0].as_str() {
                    "added" => "darkgreen",
                    "removed" => "red2",
                    _ => "magenta",
                };
                let label = format!("{} → {}", r[3], r[4]);
                let _ = writeln!(
                    out,
                    "\t{} -> {} [label={} color={color} fontcolor={color}]",
                    json_string(&visible(&r[1])),
                    json_string(&visible(&r[2])),
                    json_string(&visible(&label))
                );
            }
            out.push_str("}\n");
        }
        _ => {
            out = tabular(
                format,
                &[
                    "diff-type",
                    "src",
                    "dst",
                    "ref1",
                    "ref2",
                    "workloads-diff-info",
                ],
                &[
                    "diff-type",
                    "source",
                    "destination",
                    "ref1",
                    "ref2",
                    "workloads-diff-info",
                ],
                &rows,
            );
        }
    }
    out
}

/// A diagnostic's identity across two inputs: rule, object and message, not position.
fn finding_key(d: &Diagnostic) -> String {
    let object = d
        .object
        .as_ref()
        .map(|o| {
            format!(
                "{}/{}/{}",
                o.kind,
                o.namespace.as_deref().unwrap_or(""),
                o.name
            )
        })
        .unwrap_or_default();
    format!(
        "[{}] {} {}: {}",
        d.severity.as_str(),
        d.rule,
        object,
        d.message
    )
}

/// The outcome of `faultline diff`.
#[derive(Debug)]
pub struct DiffOutcome {
    pub connectivity: Vec<DiffLine>,
    /// Findings of NEW that OLD did not have, and of OLD that NEW no longer has.
    pub new_findings: Vec<String>,
    pub fixed_findings: Vec<String>,
    pub new_errors: usize,
    /// Pod shapes the Pod Security admission refuses in NEW and not in OLD (`refused: …`),
    /// and the reverse (`admitted: …`), with why.
    pub admission: Vec<String>,
}

impl DiffOutcome {
    /// 1 when connectivity was lost or new errors appeared, else 0.
    pub fn exit_code(&self) -> u8 {
        let lost = self.connectivity.iter().any(DiffLine::loses_connectivity);
        u8::from(lost || self.new_errors > 0)
    }
}

/// Compares two inputs, `old` and `new` (each a file, a directory or `-`), read as `check`
/// reads them with `check_args` (whose `paths` are not used): connectivity with `options`,
/// then findings. Each side is read once, for both.
pub fn diff(
    old: &str,
    new: &str,
    options: NetOptions,
    check_args: &CheckArgs,
    warnings: &mut Vec<String>,
) -> Result<DiffOutcome, String> {
    let run = check::Prepared::new(check_args)?;
    type Side = (Connectivity, BTreeSet<(String, Severity)>, Admission);
    let mut side = |path: &str| -> Result<Side, String> {
        let session = run.setup.load(&[path.to_owned()])?;
        let (connectivity, w) = model_of(&session, options, |model, _| {
            (model.matrix(), model.workload_names())
        });
        warnings.extend(w);
        let (analysis, admission) =
            run.analyze(session, |cx, diags, _| Admission::of(cx, diags))?;
        let findings = analysis
            .diagnostics
            .iter()
            .map(|d| (finding_key(d), d.severity))
            .collect();
        Ok((connectivity, findings, admission))
    };
    let ((old_lines, old_names), before, old_admission) = side(old)?;
    let ((new_lines, new_names), after, new_admission) = side(new)?;
    let connectivity = diff::diff(&old_lines, &new_lines, &old_names, &new_names);
    let new_findings: Vec<&(String, Severity)> = after.difference(&before).collect();
    let new_errors = new_findings
        .iter()
        .filter(|(_, s)| *s == Severity::Error)
        .count();
    Ok(DiffOutcome {
        connectivity,
        new_findings: new_findings.into_iter().map(|(k, _)| k.clone()).collect(),
        fixed_findings: before.difference(&after).map(|(k, _)| k.clone()).collect(),
        new_errors,
        admission: Admission::diff(&old_admission, &new_admission),
    })
}

/// What the Pod Security admission does with one side's pod shapes, read from the
/// `pod-security` errors (so with the run's configuration, exemptions and suppressions).
#[derive(Debug, Default)]
struct Admission {
    /// `Kind/namespace/name` of every Pod and pod template.
    shapes: BTreeSet<String>,
    /// The shapes whose pods the API server refuses, with the violations.
    refused: BTreeMap<String, Vec<String>>,
    /// Each Namespace of the input: the level and version it enforces.
    enforce: BTreeMap<String, String>,
}

impl Admission {
    fn of(cx: &faultline_rules::Context<'_>, diags: &[Diagnostic]) -> Self {
        use faultline_model::pod_security::policy::NamespacePolicy;
        use faultline_model::pod_security::{Level, LevelVersion, Version};
        let key = |kind: &str, ns: Option<&str>, name: &str| {
            format!("{kind}/{}/{name}", ns.unwrap_or(""))
        };
        let mut out = Self::default();
        let unlabelled = NamespacePolicy::uniform(LevelVersion {
            level: Level::Privileged,
            version: Version::Latest,
        });
        for o in &cx.inventory.objects {
            if faultline_model::pod::PodTemplate::of(o).is_some() {
                out.shapes.insert(key(o.kind, o.namespace, o.name));
            } else if o.kind == "Namespace" {
                let p =
                    NamespacePolicy::from_labels(o.node.path(&["metadata", "labels"]), &unlabelled);
                out.enforce
                    .insert(o.name.to_owned(), p.enforce.level_version.to_string());
            }
        }
        let rule = faultline_rules::registry::pod_security::PodSecurity::ID;
        for d in diags {
            if d.rule == rule
                && d.severity == Severity::Error
                && let Some(o) = &d.object
            {
                out.refused
                    .entry(key(&o.kind, o.namespace.as_deref(), &o.name))
                    .or_default()
                    .push(d.message.clone());
            }
        }
        out
    }

    /// `refused: Deployment/shop/web: namespace `shop` now enforces restricted:latest (was
    /// privileged:latest); violates PodSecurity …`, then `admitted: …`.
    fn diff(old: &Self, new: &Self) -> Vec<String> {
        let why = |key: &str, from: &Self, to: &Self| {
            if !from.shapes.contains(key) {
                return "new in this input".to_owned();
            }
            let ns = key.split('/').nth(1).unwrap_or("");
            let was = from
                .enforce
                .get(ns)
                .map_or("no Namespace in the input", String::as_str);
            let now = to
                .enforce
                .get(ns)
                .map_or("no Namespace in the input", String::as_str);
            if was == now {
                "its pod template changed".to_owned()
            } else {
                format!("namespace `{ns}` now enforces {now} (was {was})")
            }
        };
        let mut out = Vec::new();
        for (key, violations) in &new.refused {
            if !old.refused.contains_key(key) {
                // `violates PodSecurity "restricted:latest": ` once, then each check.
                let prefix = violations[0]
                    .find("\": ")
                    .map_or("", |i| &violations[0][..i + 3]);
                let checks: Vec<&str> = violations
                    .iter()
                    .map(|v| v.strip_prefix(prefix).unwrap_or(v))
                    .collect();
                out.push(format!(
                    "refused: {key}: {}; {prefix}{}",
                    why(key, old, new),
                    checks.join("; ")
                ));
            }
        }
        for key in old.refused.keys() {
            if !new.refused.contains_key(key) && new.shapes.contains(key) {
                out.push(format!("admitted: {key}: {}", why(key, old, new)));
            }
        }
        out
    }
}

/// Writes a diff: the connectivity table, then (in txt and md) the findings that changed.
pub fn write_diff(
    out: &mut dyn Write,
    outcome: &DiffOutcome,
    format: TableFormat,
) -> std::io::Result<()> {
    let mut text = render_diff(&outcome.connectivity, format);
    if matches!(format, TableFormat::Txt | TableFormat::Md) {
        let _ = writeln!(text, "\nFindings diff:");
        if outcome.new_findings.is_empty() && outcome.fixed_findings.is_empty() {
            let _ = writeln!(text, "no change");
        }
        for f in &outcome.new_findings {
            let _ = writeln!(text, "new: {}", visible(f));
        }
        for f in &outcome.fixed_findings {
            let _ = writeln!(text, "fixed: {}", visible(f));
        }
        if !outcome.admission.is_empty() {
            let _ = writeln!(text, "\nAdmission diff (Pod Security):");
            for a in &outcome.admission {
                let _ = writeln!(text, "{}", visible(a));
            }
        }
    }
    out.write_all(text.as_bytes())
}

/// How `reach` shows a verdict: the connection and whether it is allowed, then per direction
/// the isolating policies and the rules that allow it, or the nearest rule and why it does not.
/// Names are the model's labels, already one visible line each.
fn verdict_text(v: &Verdict<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} => {} ({}): {}",
        v.src_label,
        v.dst_label,
        port_text(v.port),
        if v.is_allowed() { "allowed" } else { "denied" }
    );
    let _ = writeln!(out, "  allowed connections: {}", v.allowed);
    for side in [&v.egress, &v.ingress] {
        let whose = match side.dir {
            Direction::Egress => "source",
            Direction::Ingress => "destination",
        };
        if side.subject.is_none() {
            let _ = writeln!(
                out,
                "  {}: the {whose} is not a pod of the input; no policy applies",
                side.dir.as_str()
            );
            continue;
        }
        if side.isolating.is_empty() {
            let _ = writeln!(
                out,
                "  {}: no policy isolates the {whose}; allowed",
                side.dir.as_str()
            );
            continue;
        }
        let names: Vec<String> = side
            .isolating
            .iter()
            .map(|p| {
                if p.rules == 0 {
                    format!("{p} (no {} rules)", side.dir.as_str())
                } else {
                    p.to_string()
                }
            })
            .collect();
        let _ = writeln!(
            out,
            "  {}: the {whose} is isolated by {}; {}",
            side.dir.as_str(),
            names.join(", "),
            if side.admits { "allowed" } else { "denied" }
        );
        for r in &side.allowing {
            let p = &side.isolating.iter().find(|p| p.index == r.policy);
            if let Some(p) = p {
                let _ = writeln!(out, "    allowed by {p} {}", field_path(*r));
            }
        }
        if !side.admits {
            match side.nearest() {
                None => {
                    let _ = writeln!(out, "    no rule of these policies allows anything");
                }
                Some(near) => {
                    let _ = writeln!(
                        out,
                        "    nearest rule: {} {}",
                        near.policy,
                        field_path(near.rule)
                    );
                    for reason in &near.reasons {
                        let _ = writeln!(out, "      {}: {}", reason.field, reason.miss);
                    }
                }
            }
        }
    }

    out
}
