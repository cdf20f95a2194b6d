//! A fixed set of diagnostics over two files for the renderers' snapshot tests: non-ASCII text
//! before a span, a file-level diagnostic, related places in the same and in another file, one
//! with no place at all, characters that need escaping, and a redacted Secret value.

use faultline_diagnostics::{
    Category, Diagnostic, Location, ObjectRef, RuleInfo, Severity, sort_diagnostics,
};
use faultline_syntax::{FileId, SourceFile, TextRange};

use super::{Format, RenderContext, Summary, render_to_string};

/// Must never appear in any output.
pub const SECRET_VALUE: &str = "hunter2-s3cr3t";

pub const APP_YAML: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
  labels: {tier: \"café-服务\", app: web}
spec:
  template:
    spec:
      containers:
        - name: app
          resources:
            requests: {memory: 2Gi}
            limits: {memory: 1Gi}
          env:
            - name: DB_PASSWORD
              valueFrom: {secretKeyRef: {name: db, key: pasword}}
";

pub const SECRET_YAML: &str = "\
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: prod
stringData:
  password: hunter2-s3cr3t
";

pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "limit-below-request",
        category: Category::Resources,
        default_severity: Severity::Error,
        summary: "a container's limit is below its request",
        doc: "## What it does\n\nChecks that every limit is at least the matching request.\n\n## Why it matters\n\nThe API server rejects the Pod.\n",
    },
    RuleInfo {
        id: "secret-key-missing",
        category: Category::References,
        default_severity: Severity::Error,
        summary: "a `secretKeyRef` names a key the Secret does not have",
        doc: "## What it does\n\nResolves `secretKeyRef` against the Secrets in the input.\n",
    },
    RuleInfo {
        id: "secret-in-plain-text",
        category: Category::Workloads,
        default_severity: Severity::Warning,
        summary: "a Secret value is committed in plain text",
        doc: "## What it does\n\nFlags `stringData` values.\n",
    },
    RuleInfo {
        id: "unused-label",
        category: Category::Services,
        default_severity: Severity::Info,
        summary: "a label no selector uses",
        doc: "Labels that nothing selects.\n",
    },
    RuleInfo {
        id: "empty-document",
        category: Category::Syntax,
        default_severity: Severity::Info,
        summary: "a file ends with an empty YAML document",
        doc: "## What it does\n\nFinds empty documents.\n",
    },
];

pub struct Fixture {
    pub files: Vec<SourceFile>,
    pub diags: Vec<Diagnostic>,
    pub secret: TextRange,
}

/// The range of the `n`th (0-based) occurrence of `needle` in `text`.
pub fn find(text: &str, needle: &str, n: usize) -> TextRange {
    let start = text
        .match_indices(needle)
        .nth(n)
        .unwrap_or_else(|| panic!("{needle:?} #{n} not in fixture"))
        .0 as u32;
    TextRange::new(start, start + needle.len() as u32)
}

fn obj(api_version: &str, kind: &str, ns: Option<&str>, name: &str) -> ObjectRef {
    ObjectRef {
        api_version: api_version.into(),
        kind: kind.into(),
        namespace: ns.map(Into::into),
        name: name.into(),
    }
}

impl Fixture {
    pub fn new() -> Self {
        let app = FileId(0);
        let sec = FileId(1);
        let files = vec![
            SourceFile::new(app, "manifests/app.yaml", APP_YAML),
            SourceFile::new(sec, "./manifests/secret.yaml", SECRET_YAML),
        ];
        let web = obj("apps/v1", "Deployment", Some("prod"), "web");
        let db = obj("v1", "Secret", Some("prod"), "db");
        let secret = find(SECRET_YAML, SECRET_VALUE, 0);
        let mut diags = vec![
            Diagnostic::new(
                "limit-below-request",
                Severity::Error,
                Category::Resources,
                Location::new(app, find(APP_YAML, "1Gi", 0)),
                "memory limit `1Gi` is below the request `2Gi`",
            )
            .with_help("raise the limit to at least `2Gi`, or lower the request")
            .with_object(web.clone())
            .with_related(
                "request set here",
                Some(web.clone()),
                Some(Location::new(app, find(APP_YAML, "2Gi", 0))),
            )
            .with_related(
                "namespace `prod` has no LimitRange default",
                Some(obj("v1", "LimitRange", Some("prod"), "defaults")),
                None,
            ),
            Diagnostic::new(
                "unused-label",
                Severity::Info,
                Category::Services,
                Location::new(app, find(APP_YAML, "app: web", 0)),
                "label `app: web` is selected by no Service",
            )
            .with_object(web.clone()),
            Diagnostic::new(
                "secret-key-missing",
                Severity::Error,
                Category::References,
                Location::new(app, find(APP_YAML, "pasword", 0)),
                "Secret `db` has no key `pasword`",
            )
            .with_help("use one of the Secret's keys: `password`")
            .with_object(web)
            .with_related(
                "Secret `db` is defined here",
                Some(db.clone()),
                Some(Location::new(sec, find(SECRET_YAML, "db", 0))),
            ),
            Diagnostic::new(
                "secret-in-plain-text",
                Severity::Warning,
                Category::Workloads,
                Location::new(sec, secret),
                "`stringData.password` is committed in plain text",
            )
            .with_help("move the value to a secret store, e.g. a SealedSecret")
            .with_object(db),
            Diagnostic::new(
                "empty-document",
                Severity::Info,
                Category::Syntax,
                Location::file(sec),
                "100% empty: the last document, after `---`, has <no> content & \"nothing\", really",
            )
            .with_help("remove the trailing `---`\nor add content"),
        ];
        sort_diagnostics(&mut diags);
        Fixture {
            files,
            diags,
            secret,
        }
    }

    pub fn redact(&self) -> impl Fn(FileId, TextRange) -> bool + '_ {
        move |f: FileId, r: TextRange| {
            f == FileId(1) && r.start < self.secret.end && self.secret.start < r.end
        }
    }

    pub fn render(&self, format: Format) -> String {
        self.render_with(format, false)
    }

    pub fn render_with(&self, format: Format, color: bool) -> String {
        let redact = self.redact();
        let ctx = RenderContext {
            tool_version: "0.1.0",
            rules: RULES,
            summary: Summary {
                files: 2,
                objects: 2,
            },
            color,
            fail_on: Some(Severity::Warning),
            redact: &redact,
        };
        render_to_string(format, &self.diags, &self.files, &ctx)
    }

    /// [`Self::render`] with `--fail-on` at `fail_on`.
    pub fn render_fail_on(&self, format: Format, fail_on: Option<Severity>) -> String {
        let redact = self.redact();
        let ctx = RenderContext {
            tool_version: "0.1.0",
            rules: RULES,
            summary: Summary {
                files: 2,
                objects: 2,
            },
            color: false,
            fail_on,
            redact: &redact,
        };
        render_to_string(format, &self.diags, &self.files, &ctx)
    }

    /// The same run with no diagnostics.
    pub fn render_empty(&self, format: Format) -> String {
        let ctx = RenderContext {
            tool_version: "0.1.0",
            rules: RULES,
            summary: Summary {
                files: 2,
                objects: 2,
            },
            color: false,
            fail_on: Some(Severity::Warning),
            redact: &super::redact_nothing,
        };
        render_to_string(format, &[], &self.files, &ctx)
    }
}

#[test]
fn no_format_shows_the_secret() {
    let fx = Fixture::new();
    for format in Format::ALL {
        for color in [false, true] {
            let out = fx.render_with(format, color);
            assert!(
                !out.contains("hunter2"),
                "{format} leaks the secret:\n{out}"
            );
        }
    }
}
