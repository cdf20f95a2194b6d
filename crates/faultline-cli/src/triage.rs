//! `faultline triage`: the incident report of a snapshot, as text for a terminal, Markdown for
//! a post-mortem document, or JSON.

use std::fmt::Write as _;
use std::io::Write;

use faultline_diagnostics::{Location, ObjectRef};
use faultline_model::time::Timestamp;
use faultline_syntax::SourceFile;
use faultline_triage::Cause;
use faultline_triage::report::{self as triage, Evidence, Incident, Problem, Symptom};
use serde_json::{Value, json};

use crate::check::{self, CheckArgs};

/// How the report is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TriageFormat {
    Human,
    #[value(alias = "md")]
    Markdown,
    Json,
}

/// What a triage found, for the exit code.
#[derive(Debug)]
pub struct TriageOutcome {
    pub incident: Incident,
    /// An input could not be read, or faultline failed on something.
    pub broken_input: bool,
}

impl TriageOutcome {
    /// 2 when an input could not be read, 1 when there is a problem, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.broken_input {
            2
        } else if self.incident.problems.is_empty() {
            0
        } else {
            1
        }
    }
}

/// Analyses the snapshot in `args.paths` and writes the report to `out`.
pub fn run(
    args: &CheckArgs,
    manifests: &[String],
    format: TriageFormat,
    out: &mut dyn Write,
) -> Result<TriageOutcome, String> {
    let color = args.color;
    let (analysis, mut incident) = check::analyze_with(args, manifests, triage::build)?;
    analysis.redactor.scrub_incident(&mut incident);
    let broken_input = analysis.diagnostics.iter().any(|d| {
        matches!(
            d.rule,
            faultline_rules::registry::input_unreadable::InputUnreadable::ID
                | faultline_rules::registry::internal_error::InternalError::ID
        )
    });
    let files = &analysis.files;
    let inputs = analysis.inputs;
    let text = match format {
        TriageFormat::Human => report_text(&shown(&incident), files, inputs, &Human { color }),
        TriageFormat::Markdown => report_text(&shown(&incident), files, inputs, &Markdown),
        TriageFormat::Json => {
            crate::render::escape::to_json_pretty(&to_json(&incident, files)) + "\n"
        }
    };
    crate::render::unless_closed(out.write_all(text.as_bytes()))
        .map_err(|e| format!("cannot write output: {e}"))?;
    Ok(TriageOutcome {
        incident,
        broken_input,
    })
}

/// The report as the text formats show it: every text from the input one visible line
/// (object names are made so by `ObjectRef`'s `Display`, paths by `location_label`).
fn shown(incident: &Incident) -> Incident {
    let mut shown = incident.clone();
    shown.for_each_text_mut(&mut |_, text| {
        if let std::borrow::Cow::Owned(v) = crate::render::escape::visible(text) {
            *text = v;
        }
    });
    shown
}

/// How many input problems of one rule the text reports list before "… and N more".
const INPUT_PROBLEMS_SHOWN: usize = 3;

/// The input problems, at most [`INPUT_PROBLEMS_SHOWN`] per rule, `q` quoting code.
fn input_lines(problems: &[&Symptom], files: &[SourceFile], q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rules: Vec<&str> = problems.iter().map(|y| y.rule).collect();
    rules.sort_unstable();
    rules.dedup();
    for rule in rules {
        let of_rule: Vec<&Symptom> = problems
            .iter()
            .copied()
            .filter(|y| y.rule == rule)
            .collect();
        for y in of_rule.iter().take(INPUT_PROBLEMS_SHOWN) {
            out.push(format!(
                "{q}{rule}{q}: {} — {q}{}{q}",
                y.message,
                at(files, y.location)
            ));
        }
        if of_rule.len() > INPUT_PROBLEMS_SHOWN {
            out.push(format!(
                "… and {} more {q}{rule}{q} (`--format json` lists them all)",
                of_rule.len() - INPUT_PROBLEMS_SHOWN
            ));
        }
    }
    out
}

/// `path:line:col`.
fn at(files: &[SourceFile], l: Location) -> String {
    crate::render::location_label(files, l.file, l.range)
}

fn at_opt(files: &[SourceFile], l: Option<Location>) -> Option<String> {
    l.map(|l| at(files, l))
}

fn time(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "?".to_owned(), |t| t.to_string())
}

/// `4 pods affected; no ready endpoints: Service/shop/payment`.
fn blast(p: &Problem) -> String {
    let mut parts = Vec::new();
    match p.pods_affected {
        0 => {}
        1 => parts.push("1 pod affected".to_owned()),
        n => parts.push(format!("{n} pods affected")),
    }
    if !p.services_down.is_empty() {
        let names: Vec<String> = p.services_down.iter().map(ToString::to_string).collect();
        parts.push(format!("no ready endpoints: {}", names.join(", ")));
    }
    parts.join("; ")
}

/// `likely a consequence of: problem 1 (Deployment/shop/api), …; their OOM kills use up the
/// node's memory`, for a problem that follows from others.
fn consequence(incident: &Incident, p: &Problem) -> Option<String> {
    if p.consequence_of.is_empty() {
        return None;
    }
    let mut numbered: Vec<(Option<usize>, &ObjectRef)> = p
        .consequence_of
        .iter()
        .map(|o| (incident.problems.iter().position(|q| &q.subject == o), o))
        .collect();
    numbered.sort();
    let of: Vec<String> = numbered
        .iter()
        .map(|(i, o)| match i {
            Some(i) => format!("problem {} ({o})", i + 1),
            None => o.to_string(),
        })
        .collect();
    Some(format!(
        "likely a consequence of: {}; their OOM kills use up the node's memory",
        of.join(", ")
    ))
}

fn headline(incident: &Incident, other_word: &str) -> String {
    let n = incident.problems.len();
    let symptoms: usize = incident.problems.iter().map(|p| p.symptoms.len()).sum();
    let mut s = match n {
        0 => "No problem found in the snapshot's status".to_owned(),
        1 => format!("1 problem ({symptoms} status findings)"),
        n => format!("{n} problems ({symptoms} status findings)"),
    };
    if incident.other_findings > 0 {
        write!(
            s,
            "; {} configuration findings{other_word}",
            incident.other_findings
        )
        .ok();
    }
    s
}

fn cause_line(c: &Cause) -> String {
    match c.rule {
        Some(r) => format!("{} [{r}]", c.what),
        None => c.what.clone(),
    }
}

fn evidence_line(e: &Evidence, files: &[SourceFile]) -> String {
    match e {
        Evidence::Event {
            reason,
            type_,
            count,
            objects,
            first_seen,
            last_seen,
            message,
            about,
            location,
        } => {
            let on = if *objects > 1 {
                format!(" on {objects} objects")
            } else {
                format!(" on {about}")
            };
            let when = if first_seen == last_seen {
                format!("at {}", time(*first_seen))
            } else {
                format!("first {}, last {}", time(*first_seen), time(*last_seen))
            };
            format!(
                "event {reason} ({}) ×{count}{on}, {when}{} — {}",
                type_.as_deref().unwrap_or("?"),
                message
                    .as_deref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default(),
                at(files, *location)
            )
        }
        Evidence::Log {
            pod,
            container,
            cause,
            line,
            count,
            location,
        } => {
            let c = container
                .as_deref()
                .map(|c| format!(" container {c}"))
                .unwrap_or_default();
            let times = if *count > 1 {
                format!(" ({count} such lines)")
            } else {
                String::new()
            };
            format!(
                "log of {pod}{c}: {cause}{times}: `{line}` — {}",
                at(files, *location)
            )
        }
    }
}

/// The parts of the text report, each written in one style (terminal text or Markdown). The
/// order and what goes into each part are decided once, in [`report_text`].
trait Style {
    fn title(&self, s: &mut String, incident: &Incident);
    /// The input problems of the snapshot (`manifests` false), or of the `--manifests` files.
    fn input_problems(
        &self,
        s: &mut String,
        problems: &[&Symptom],
        manifests: bool,
        files: &[SourceFile],
    );
    fn problem(&self, s: &mut String, n: usize, p: &Problem);
    fn blast(&self, s: &mut String, blast: &str);
    fn consequence(&self, s: &mut String, text: &str);
    fn symptoms(&self, s: &mut String, p: &Problem, files: &[SourceFile]);
    fn causes(&self, s: &mut String, p: &Problem, files: &[SourceFile]);
    fn evidence(&self, s: &mut String, lines: &[String]);
    fn commands(&self, s: &mut String, commands: &[String]);
    fn timeline(&self, s: &mut String, incident: &Incident);
}

/// The report in `style`: title, the snapshot's input problems, each problem (blast radius,
/// what it follows from, symptoms, causes, evidence, commands), the input problems of the
/// `--manifests` files (the first `inputs` files are the snapshot's), then the timeline.
fn report_text(
    incident: &Incident,
    files: &[SourceFile],
    inputs: usize,
    style: &dyn Style,
) -> String {
    let mut s = String::new();
    style.title(&mut s, incident);
    let (snapshot, manifests): (Vec<&Symptom>, Vec<&Symptom>) = incident
        .input_problems
        .iter()
        .partition(|y| (y.location.file.0 as usize) < inputs);
    if !snapshot.is_empty() {
        style.input_problems(&mut s, &snapshot, false, files);
    }
    for (n, p) in incident.problems.iter().enumerate() {
        style.problem(&mut s, n + 1, p);
        let b = blast(p);
        if !b.is_empty() {
            style.blast(&mut s, &b);
        }
        if let Some(c) = consequence(incident, p) {
            style.consequence(&mut s, &c);
        }
        style.symptoms(&mut s, p, files);
        if !p.causes.is_empty() {
            style.causes(&mut s, p, files);
        }
        if !p.evidence.is_empty() {
            let lines: Vec<String> = p.evidence.iter().map(|e| evidence_line(e, files)).collect();
            style.evidence(&mut s, &lines);
        }
        style.commands(&mut s, &p.commands);
    }
    if !manifests.is_empty() {
        style.input_problems(&mut s, &manifests, true, files);
    }
    if !incident.timeline.is_empty() {
        style.timeline(&mut s, incident);
    }
    s
}

/// For a terminal; `color`: headings bold, severities and `$` commands coloured (ANSI).
struct Human {
    color: bool,
}

impl Human {
    /// `text` in the ANSI style `sgr` (`1` bold, `1;31` bold red…) when colour is on.
    fn paint(&self, sgr: &str, text: &str) -> String {
        if self.color {
            format!("\u{1b}[{sgr}m{text}\u{1b}[0m")
        } else {
            text.to_owned()
        }
    }

    fn heading(&self, text: &str) -> String {
        self.paint("1", text)
    }
}

impl Style for Human {
    fn title(&self, s: &mut String, incident: &Incident) {
        let title = format!("faultline triage — snapshot at {}", time(incident.now));
        writeln!(s, "{}", self.heading(&title)).ok();
        writeln!(
            s,
            "{}\n",
            headline(incident, " (`faultline check` lists them)")
        )
        .ok();
    }

    fn input_problems(
        &self,
        s: &mut String,
        problems: &[&Symptom],
        manifests: bool,
        files: &[SourceFile],
    ) {
        let heading = if manifests {
            "input problems in the --manifests files (causes may miss what they hide):"
        } else {
            "input problems (the report may miss what they hide):"
        };
        writeln!(s, "{}", self.heading(heading)).ok();
        for line in input_lines(problems, files, "") {
            writeln!(s, "  - {line}").ok();
        }
        s.push('\n');
    }

    fn problem(&self, s: &mut String, n: usize, p: &Problem) {
        let sgr = match p.severity {
            faultline_diagnostics::Severity::Error => "1;31",
            faultline_diagnostics::Severity::Warning => "1;33",
            faultline_diagnostics::Severity::Info => "1;36",
        };
        let severity = self.paint(sgr, &format!("[{}]", p.severity));
        writeln!(
            s,
            "{n}. {severity} {}",
            self.heading(&p.subject.to_string())
        )
        .ok();
    }

    fn blast(&self, s: &mut String, blast: &str) {
        writeln!(s, "   blast radius: {blast}").ok();
    }

    fn consequence(&self, s: &mut String, text: &str) {
        writeln!(s, "   {text}").ok();
    }

    fn symptoms(&self, s: &mut String, p: &Problem, files: &[SourceFile]) {
        writeln!(s, "   symptoms:").ok();
        for y in &p.symptoms {
            writeln!(s, "     - {}: {}", y.rule, y.message).ok();
            writeln!(s, "       at {}", at(files, y.location)).ok();
        }
    }

    fn causes(&self, s: &mut String, p: &Problem, files: &[SourceFile]) {
        writeln!(s, "   suspected causes, most likely first:").ok();
        for (k, c) in p.causes.iter().enumerate() {
            writeln!(s, "     {}. {}", k + 1, cause_line(c)).ok();
            writeln!(s, "        why: {}", c.why).ok();
            if let Some(l) = at_opt(files, c.location) {
                writeln!(s, "        at {l}{}", object_suffix(c.object.as_ref())).ok();
            }
            if let Some(l) = at_opt(files, c.running) {
                writeln!(s, "        running object: {l}").ok();
            }
        }
    }

    fn evidence(&self, s: &mut String, lines: &[String]) {
        writeln!(s, "   evidence:").ok();
        for line in lines {
            writeln!(s, "     - {line}").ok();
        }
    }

    fn commands(&self, s: &mut String, commands: &[String]) {
        writeln!(s, "   confirm on the live cluster:").ok();
        for c in commands {
            writeln!(s, "     {} {c}", self.paint("32", "$")).ok();
        }
        s.push('\n');
    }

    fn timeline(&self, s: &mut String, incident: &Incident) {
        writeln!(s, "{}", self.heading("timeline (Events):")).ok();
        for t in &incident.timeline {
            writeln!(
                s,
                "  {}  {:<7}  {} ×{}  {}: {}",
                time(t.first_seen),
                t.type_.as_deref().unwrap_or(""),
                t.reason,
                t.count,
                t.about,
                t.message
            )
            .ok();
        }
        if incident.timeline_omitted > 0 {
            writeln!(s, "  … {} more Events", incident.timeline_omitted).ok();
        }
    }
}

/// For a post-mortem document.
struct Markdown;

impl Style for Markdown {
    fn title(&self, s: &mut String, incident: &Incident) {
        writeln!(s, "# Incident triage\n").ok();
        writeln!(
            s,
            "Snapshot at `{}`. {}.\n",
            time(incident.now),
            headline(incident, " (`faultline check` lists them)")
        )
        .ok();
    }

    fn input_problems(
        &self,
        s: &mut String,
        problems: &[&Symptom],
        manifests: bool,
        files: &[SourceFile],
    ) {
        let heading = if manifests {
            "**Input problems in the `--manifests` files** (causes may miss what they hide)\n"
        } else {
            "**Input problems** (the report may miss what they hide)\n"
        };
        writeln!(s, "{heading}").ok();
        for line in input_lines(problems, files, "`") {
            writeln!(s, "- {line}").ok();
        }
        s.push('\n');
    }

    fn problem(&self, s: &mut String, n: usize, p: &Problem) {
        writeln!(s, "## {n}. `{}` ({})\n", p.subject, p.severity).ok();
    }

    fn blast(&self, s: &mut String, blast: &str) {
        writeln!(s, "**Blast radius:** {blast}.\n").ok();
    }

    fn consequence(&self, s: &mut String, text: &str) {
        let rest = text
            .strip_prefix("likely a consequence of: ")
            .unwrap_or(text);
        writeln!(s, "**Likely a consequence of:** {rest}.\n").ok();
    }

    fn symptoms(&self, s: &mut String, p: &Problem, files: &[SourceFile]) {
        writeln!(s, "**Symptoms**\n").ok();
        for y in &p.symptoms {
            writeln!(
                s,
                "- `{}`: {} (`{}`)",
                y.rule,
                y.message,
                at(files, y.location)
            )
            .ok();
        }
    }

    fn causes(&self, s: &mut String, p: &Problem, files: &[SourceFile]) {
        writeln!(s, "\n**Suspected causes** (most likely first)\n").ok();
        for (k, c) in p.causes.iter().enumerate() {
            let rule = c.rule.map(|r| format!(" (`{r}`)")).unwrap_or_default();
            writeln!(s, "{}. {}{rule}  ", k + 1, c.what).ok();
            write!(s, "   Why: {}", c.why).ok();
            if let Some(l) = at_opt(files, c.location) {
                write!(s, "  \n   At: `{l}`{}", object_suffix(c.object.as_ref())).ok();
            }
            if let Some(l) = at_opt(files, c.running) {
                write!(s, "  \n   Running object: `{l}`").ok();
            }
            s.push('\n');
        }
    }

    fn evidence(&self, s: &mut String, lines: &[String]) {
        writeln!(s, "\n**Evidence**\n").ok();
        for line in lines {
            writeln!(s, "- {line}").ok();
        }
    }

    fn commands(&self, s: &mut String, commands: &[String]) {
        writeln!(s, "\n**Confirm on the live cluster**\n\n```sh").ok();
        for c in commands {
            writeln!(s, "{c}").ok();
        }
        writeln!(s, "```\n").ok();
    }

    fn timeline(&self, s: &mut String, incident: &Incident) {
        writeln!(s, "## Timeline (Events)\n").ok();
        writeln!(
            s,
            "| First seen | Last seen | Type | Reason | Count | Object | Message |"
        )
        .ok();
        writeln!(s, "|---|---|---|---|---|---|---|").ok();
        for t in &incident.timeline {
            writeln!(
                s,
                "| {} | {} | {} | {} | {} | `{}` | {} |",
                time(t.first_seen),
                time(t.last_seen),
                t.type_.as_deref().unwrap_or(""),
                cell(&t.reason),
                t.count,
                t.about,
                cell(&t.message)
            )
            .ok();
        }
        if incident.timeline_omitted > 0 {
            writeln!(
                s,
                "\n{} more Events are not shown.",
                incident.timeline_omitted
            )
            .ok();
        }
    }
}

fn object_suffix(o: Option<&ObjectRef>) -> String {
    o.map(|o| format!(" ({o})")).unwrap_or_default()
}

/// Text safe inside a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn loc_json(files: &[SourceFile], l: Location) -> Value {
    let f = &files[l.file.0 as usize];
    match l.range {
        Some(r) => {
            let lc = f.line_col(r.start);
            json!({"path": f.path, "line": lc.line, "column": lc.column})
        }
        None => json!({"path": f.path}),
    }
}

fn obj_json(o: Option<&ObjectRef>) -> Value {
    o.map_or(Value::Null, |o| Value::String(o.to_string()))
}

fn time_json(t: Option<Timestamp>) -> Value {
    t.map_or(Value::Null, |t| Value::String(t.to_string()))
}

fn to_json(incident: &Incident, files: &[SourceFile]) -> Value {
    let problems: Vec<Value> = incident
        .problems
        .iter()
        .map(|p| {
            json!({
                "subject": p.subject.to_string(),
                "severity": p.severity.as_str(),
                "podsAffected": p.pods_affected,
                "consequenceOf": p.consequence_of.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "servicesWithoutEndpoints": p.services_down.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "symptoms": p.symptoms.iter().map(|y| symptom_json(y, files)).collect::<Vec<_>>(),
                "causes": p.causes.iter().enumerate().map(|(k, c)| json!({
                    "rank": k + 1,
                    "what": c.what,
                    "why": c.why,
                    "score": c.score,
                    "rule": c.rule,
                    "finding": c.detail,
                    "object": obj_json(c.object.as_ref()),
                    "location": c.location.map_or(Value::Null, |l| loc_json(files, l)),
                    "runningLocation": c.running.map_or(Value::Null, |l| loc_json(files, l)),
                    "confirm": c.confirm,
                })).collect::<Vec<_>>(),
                "evidence": p.evidence.iter().map(|e| evidence_json(e, files)).collect::<Vec<_>>(),
                "commands": p.commands,
            })
        })
        .collect();
    let timeline: Vec<Value> = incident
        .timeline
        .iter()
        .map(|t| {
            json!({
                "firstSeen": time_json(t.first_seen),
                "lastSeen": time_json(t.last_seen),
                "type": t.type_,
                "reason": t.reason,
                "count": t.count,
                "object": t.about,
                "message": t.message,
                "location": loc_json(files, t.location),
            })
        })
        .collect();
    json!({
        "version": 1,
        "tool": {"name": "faultline", "version": env!("CARGO_PKG_VERSION")},
        "now": time_json(incident.now),
        "problems": problems,
        "inputProblems": incident.input_problems.iter().map(|y| symptom_json(y, files)).collect::<Vec<_>>(),
        "otherFindings": incident.other_findings,
        "timeline": timeline,
        "timelineOmitted": incident.timeline_omitted,
    })
}

fn symptom_json(y: &Symptom, files: &[SourceFile]) -> Value {
    json!({
        "rule": y.rule,
        "severity": y.severity.as_str(),
        "message": y.message,
        "object": obj_json(y.object.as_ref()),
        "location": loc_json(files, y.location),
    })
}

fn evidence_json(e: &Evidence, files: &[SourceFile]) -> Value {
    match e {
        Evidence::Event {
            reason,
            type_,
            count,
            objects,
            first_seen,
            last_seen,
            message,
            about,
            location,
        } => json!({
            "kind": "event",
            "reason": reason,
            "type": type_,
            "count": count,
            "objects": objects,
            "firstSeen": time_json(*first_seen),
            "lastSeen": time_json(*last_seen),
            "message": message,
            "object": about,
            "location": loc_json(files, *location),
        }),
        Evidence::Log {
            pod,
            container,
            cause,
            line,
            count,
            location,
        } => json!({
            "kind": "log",
            "pod": pod.to_string(),
            "container": container,
            "cause": cause,
            "line": line,
            "count": count,
            "location": loc_json(files, *location),
        }),
    }
}
