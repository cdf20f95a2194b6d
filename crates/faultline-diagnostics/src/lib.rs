//! Diagnostics are plain data. Rules build them; renderers at the edge (the CLI) print them.
//!
//! Architecture invariant: nothing here formats for a terminal or reads the environment.

use std::cmp::Ordering;
use std::fmt;

use faultline_syntax::{FileId, TextRange};
use serde::Serialize;

pub use faultline_syntax::visible;
use faultline_syntax::visible::visible;

/// How bad a finding is. `Error`: will break or be rejected by the API server. `Warning`:
/// risky. `Info`: worth knowing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The family a rule belongs to; `faultline rules` groups by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Reading and parsing the input.
    Syntax,
    /// apiVersion/kind against the target Kubernetes version.
    Api,
    Network,
    Services,
    Probes,
    Resources,
    Quota,
    Workloads,
    References,
    Scheduling,
    Status,
    /// Fields and values against the Kubernetes API schemas and CRDs.
    Schema,
    /// Pod Security Standards, container hardening, credentials, RBAC.
    Security,
    /// Admission policies (ValidatingAdmissionPolicy, CEL).
    Admission,
    /// faultline's own failures.
    Internal,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Syntax => "syntax",
            Category::Api => "api",
            Category::Network => "network",
            Category::Services => "services",
            Category::Probes => "probes",
            Category::Resources => "resources",
            Category::Quota => "quota",
            Category::Workloads => "workloads",
            Category::References => "references",
            Category::Scheduling => "scheduling",
            Category::Status => "status",
            Category::Schema => "schema",
            Category::Security => "security",
            Category::Admission => "admission",
            Category::Internal => "internal",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The Kubernetes object a diagnostic is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    /// `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    pub name: String,
}

impl fmt::Display for ObjectRef {
    /// `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects; control characters in
    /// the parts are shown as escapes ([`visible()`]), so a name is always one visible line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(
                f,
                "{}/{}/{}",
                visible(&self.kind),
                visible(ns),
                visible(&self.name)
            ),
            None => write!(f, "{}/{}", visible(&self.kind), visible(&self.name)),
        }
    }
}

/// A place in an input file. `range` is `None` for problems with a whole file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    pub file: FileId,
    pub range: Option<TextRange>,
}

impl Location {
    pub fn new(file: FileId, range: TextRange) -> Self {
        Self {
            file,
            range: Some(range),
        }
    }
    pub fn file(file: FileId) -> Self {
        Self { file, range: None }
    }
}

/// Index of an object in the run's inventory (`faultline_model::Inventory`). Findings carry it
/// so that what comes after the engine (cause chains, the triage report) reaches the object
/// itself; the [`ObjectRef`] beside it is its name for output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId(pub u32);

/// Another object or place involved in a finding (the Service whose selector misses, the
/// first definition of a duplicated key).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Related {
    pub message: String,
    pub object: Option<ObjectRef>,
    /// The object's id in the run's inventory, when `object` is one of its objects.
    pub object_id: Option<ObjectId>,
    pub location: Option<Location>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// The rule's kebab-case id.
    pub rule: &'static str,
    pub severity: Severity,
    pub category: Category,
    /// What is wrong: lowercase start, no trailing period, values in backticks. One line:
    /// renderers show a line break or any other control character in it as an escape (`\n`,
    /// `\u{1b}`), since values quoted from the input may hold them.
    pub message: String,
    /// What to change, in the imperative. One line, like `message`.
    pub help: String,
    pub object: Option<ObjectRef>,
    /// The object's id in the run's inventory, when the finding is about one of its objects.
    pub object_id: Option<ObjectId>,
    pub location: Location,
    pub related: Vec<Related>,
}

impl Diagnostic {
    pub fn new(
        rule: &'static str,
        severity: Severity,
        category: Category,
        location: Location,
        message: impl Into<String>,
    ) -> Self {
        Self {
            rule,
            severity,
            category,
            message: message.into(),
            help: String::new(),
            object: None,
            object_id: None,
            location,
            related: Vec::new(),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = help.into();
        self
    }

    pub fn with_object(mut self, object: ObjectRef) -> Self {
        self.object = Some(object);
        self
    }

    pub fn with_related(
        mut self,
        message: impl Into<String>,
        object: Option<ObjectRef>,
        location: Option<Location>,
    ) -> Self {
        self.related.push(Related {
            message: message.into(),
            object,
            object_id: None,
            location,
        });
        self
    }

    /// The order of output: by file, position, rule, then message, so that output never
    /// depends on thread scheduling.
    pub fn output_order(&self, other: &Self) -> Ordering {
        let key = |d: &Self| {
            (
                d.location.file,
                d.location.range.map(|r| (r.start, r.end)),
                d.rule,
                d.object.clone(),
            )
        };
        key(self)
            .cmp(&key(other))
            .then_with(|| self.message.cmp(&other.message))
            .then_with(|| self.help.cmp(&other.help))
    }
}

/// Sorts diagnostics into output order and drops exact duplicates.
pub fn sort_diagnostics(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(Diagnostic::output_order);
    diags.dedup();
}

/// What a renderer needs to know about a rule (SARIF `tool.driver.rules`, `faultline rules`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: &'static str,
    pub category: Category,
    pub default_severity: Severity,
    /// One line, lowercase start, no trailing period.
    pub summary: &'static str,
    /// Markdown with the sections What it does / Why it matters / Example / Options.
    pub doc: &'static str,
}
