//! Schema validation for the `schema-*` rules and `api-unknown`: which schema applies to an
//! object (a built-in kind at the target version, from `faultline-schema`, or a custom
//! resource's CRD from the input), and the problems the walk finds there, computed once per
//! object and shared by the rules (each reports its own kind of problem).
//!
//! * `walk.rs`: the walk of a tree against a schema node ([`Issue`]s with API-server paths).
//! * `crd.rs`: the input's CRDs converted into an arena once per run.
//! * `native.rs`: what the API server's Go validation adds for built-in kinds (enumerations,
//!   `metadata.name`, container `image`).
//! * `placeholder.rs`: `{{x}}`, `${X}`, `<ADD … Here>` left by other template engines.

mod crd;
mod native;
mod placeholder;
mod validations;
mod walk;

use std::collections::HashSet;
use std::sync::OnceLock;

use faultline_model::{Inventory, Object};
use faultline_schema::{Schema, builtin, schema_minor};

use crate::api_versions::{self, KubeVersion};

pub(crate) use crd::{Crd, Crds};
pub(crate) use validations::Reason;
pub(crate) use walk::{Issue, IssueKind, suggest};

/// `help`, with a note when the target is older than the oldest embedded schemas.
pub(crate) fn help(run: &SchemaRun<'_>, help: String) -> String {
    match run.version_note() {
        Some(note) => format!("{help} ({note})"),
        None => help,
    }
}

/// Whether `invalid-quantity` already reports `issue` (a quantity that does not parse or is
/// not a scalar, where that rule looks: container resources, pod overhead, `emptyDir`
/// size limits, ResourceQuota, LimitRange and PersistentVolumeClaim quantities).
pub(crate) fn covered_by_invalid_quantity(obj: &Object<'_>, issue: &Issue) -> bool {
    let quantity = match &issue.kind {
        IssueKind::Type { expected, .. } => expected.starts_with("quantity"),
        IssueKind::Format { format, .. } => *format == "quantity",
        _ => false,
    };
    let p = &issue.path;
    quantity
        && (matches!(
            obj.kind,
            "ResourceQuota" | "LimitRange" | "PersistentVolumeClaim"
        ) || ((p.contains("ontainers[") && p.contains(".resources."))
            || p.contains("spec.overhead.")
            || p.ends_with("emptyDir.sizeLimit")))
}

/// Whether the value at `range` in `obj` is a placeholder of a template engine
/// (`{{cell}}`, which YAML reads as a map), for rules that would misread it.
pub(crate) fn placeholder_at(obj: &Object<'_>, range: faultline_syntax::TextRange) -> bool {
    let node = obj.node.descendant_at(range.start);
    let r = node.range();
    let source = obj.node.tree().source();
    placeholder::find(node, &source[r.start as usize..r.end as usize]).is_some()
}

/// What an object is validated against.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Target<'s> {
    /// A built-in kind served at the target version.
    Builtin(Schema<'static>),
    /// A custom resource whose CRD is in the input and serves its version with a schema.
    Custom {
        schema: Schema<'s>,
        crd: &'s Crd<'s>,
        status_subresource: bool,
    },
    /// Nothing to validate against: not a Kubernetes object, a built-in kind the target does
    /// not serve (`api-removed`, `api-unknown`), or a custom resource without a CRD or schema.
    None,
}

/// The schemas of a run and the problems found in each object, computed on first use.
#[derive(Debug)]
pub(crate) struct SchemaRun<'a> {
    pub target: KubeVersion,
    /// The minor version whose built-in schemas stand for the target.
    pub minor: u16,
    inventory: &'a Inventory<'a>,
    crds: OnceLock<Crds<'a>>,
    groups: OnceLock<HashSet<&'static str>>,
    /// The built-in `ObjectMeta` at the target (for custom resources and embedded resources).
    object_meta: OnceLock<Option<Schema<'static>>>,
    issues: Vec<OnceLock<Box<[Issue]>>>,
}

impl<'a> SchemaRun<'a> {
    pub(crate) fn new(inventory: &'a Inventory<'a>, target: KubeVersion) -> Self {
        let minor = if target.major == 1 {
            schema_minor(target.minor)
        } else {
            faultline_schema::MAX_MINOR
        };
        Self {
            target,
            minor,
            inventory,
            crds: OnceLock::new(),
            groups: OnceLock::new(),
            object_meta: OnceLock::new(),
            issues: (0..inventory.objects.len())
                .map(|_| OnceLock::new())
                .collect(),
        }
    }

    /// The input's CRDs, converted on first use.
    pub(crate) fn crds(&self) -> &Crds<'a> {
        self.crds.get_or_init(|| Crds::build(self.inventory))
    }

    /// Whether `group` is a Kubernetes API group (served by some release from 1.16 on), so
    /// that an object of it is no custom resource.
    pub(crate) fn is_builtin_group(&self, group: &str) -> bool {
        self.groups
            .get_or_init(|| {
                let mut groups: HashSet<&'static str> =
                    builtin().kinds().map(|k| k.group()).collect();
                for c in api_versions::all_changes() {
                    groups.insert(c.api_version.rsplit_once('/').map_or("", |(g, _)| g));
                }
                groups
            })
            .contains(group)
    }

    /// The CRD of the input that defines `obj`'s group and kind: the one in the same file,
    /// else the first.
    pub(crate) fn crd_of(&self, obj: &Object<'_>) -> Option<&Crd<'a>> {
        let obj = self.inventory.get(obj.id);
        let (group, _) = obj.group_version();
        let mut crds = self.crds().of(group, obj.kind);
        let first = crds.clone().next();
        crds.find(|c| self.inventory.get(c.object).file == obj.file)
            .or(first)
    }

    /// What `obj` is validated against.
    pub(crate) fn target(&self, obj: &Object<'_>) -> Target<'_> {
        let obj = self.inventory.get(obj.id);
        if obj.api_version.is_empty() || obj.kind.is_empty() {
            return Target::None;
        }
        let (group, version) = obj.group_version();
        if let Some(k) = builtin().kind(group, version, obj.kind) {
            if !k.served_in().contains(self.minor) {
                return Target::None;
            }
            return k.schema(self.minor).map_or(Target::None, Target::Builtin);
        }
        if self.is_builtin_group(group) {
            return Target::None;
        }
        let Some(crd) = self.crd_of(obj) else {
            return Target::None;
        };
        let crds = self.crds();
        crd.versions
            .iter()
            .find(|v| v.name == version && v.served)
            .and_then(|v| Some((v.schema?, v.status_subresource)))
            .map_or(Target::None, |(id, status_subresource)| Target::Custom {
                schema: crds.arena.get(id),
                crd,
                status_subresource,
            })
    }

    /// The problems of `obj` against its schema (none without one), computed once; a
    /// byte-for-byte copy of an earlier object of the same file gets the earlier one's,
    /// moved to where it is written.
    pub(crate) fn issues(&self, obj: &Object<'_>) -> &[Issue] {
        let obj = self.inventory.get(obj.id);
        self.issues[obj.id.0 as usize].get_or_init(|| {
            if let Some(first) = self.inventory.copy_of(obj.id) {
                let first = self.inventory.get(first);
                let from = first.node.range().start;
                let to = obj.node.range().start;
                return self
                    .issues(first)
                    .iter()
                    .map(|i| {
                        let mut i = i.clone();
                        i.range = faultline_syntax::TextRange::new(
                            i.range.start - from + to,
                            i.range.end - from + to,
                        );
                        if let IssueKind::Duplicate { first, .. } = &mut i.kind {
                            *first = faultline_syntax::TextRange::new(
                                first.start - from + to,
                                first.end - from + to,
                            );
                        }
                        i
                    })
                    .collect();
            }
            self.compute(obj).into_boxed_slice()
        })
    }

    fn compute(&self, obj: &Object<'a>) -> Vec<Issue> {
        let mut out = Vec::new();
        // What a cluster export holds, the API server accepted: a schema problem there is at
        // most the skew between the exporting cluster's version and the target.
        if faultline_graph::from_a_cluster(obj) {
            return out;
        }
        let object_meta = *self.object_meta.get_or_init(|| {
            builtin()
                .lookup(self.minor, "", "v1", "ConfigMap")
                .and_then(|s| s.property("metadata"))
        });
        match self.target(obj) {
            Target::None => {}
            Target::Builtin(schema) => walk::validate(
                obj.node,
                schema,
                walk::Mode {
                    custom: false,
                    keep_unknown: false,
                    object_meta,
                    kind: obj.kind,
                    // The API server resets the status of a built-in object on create and
                    // update; a manifest's is not what the cluster keeps.
                    skip_status: true,
                    rules: None,
                },
                &mut out,
                &mut Vec::new(),
            ),
            Target::Custom {
                schema,
                crd,
                status_subresource,
            } => {
                let rules = self.crds().rules_of(crd);
                let mut pending = Vec::new();
                walk::validate(
                    obj.node,
                    schema,
                    walk::Mode {
                        custom: true,
                        keep_unknown: crd.keep_unknown,
                        object_meta,
                        kind: obj.kind,
                        skip_status: status_subresource,
                        rules,
                    },
                    &mut out,
                    &mut pending,
                );
                // The API server runs the rules only on an object without type errors.
                let typed = !out.iter().any(|i| {
                    matches!(
                        i.kind,
                        IssueKind::Type { .. } | IssueKind::Placeholder { .. }
                    )
                });
                if let Some(rules) = rules
                    && typed
                {
                    validations::evaluate(
                        &pending,
                        rules,
                        status_subresource,
                        crd.keep_unknown,
                        &mut out,
                    );
                }
            }
        }
        if obj.kind == "CustomResourceDefinition"
            && let Some(problems) = self.crds().problems.get(&obj.id)
        {
            out.extend(problems.iter().cloned());
        }
        out
    }

    /// Whether the object is a custom resource (its group is no Kubernetes API group).
    pub(crate) fn is_custom(&self, obj: &Object<'_>) -> bool {
        !obj.api_version.is_empty() && !self.is_builtin_group(obj.group_version().0)
    }

    /// The id of the CRD object `crd` describes (for related locations).
    pub(crate) fn crd_object(&self, crd: &Crd<'_>) -> &Object<'a> {
        self.inventory.get(crd.object)
    }

    /// A note for findings when the target is outside the embedded schemas (older: checked
    /// against 1.23; newer: against 1.35).
    pub(crate) fn version_note(&self) -> Option<String> {
        let t = self.target;
        if t.major != 1 || t.minor == self.minor {
            return None;
        }
        let which = if t.minor < self.minor {
            "oldest"
        } else {
            "newest"
        };
        Some(format!(
            "checked against Kubernetes 1.{}'s schema, the {which} faultline carries (target: {t})",
            self.minor
        ))
    }
}

#[cfg(test)]
mod tests {
    use faultline_diagnostics::Diagnostic;

    use crate::Settings;
    use crate::api_versions::KubeVersion;
    use crate::testing::check_texts;

    fn schema_findings(text: &str, settings: &Settings) -> Vec<Diagnostic> {
        let (_, diags) = check_texts(&[("x.yaml", text)], settings);
        diags
            .into_iter()
            .filter(|d| d.rule.starts_with("schema-") && d.rule != "schema-crd-missing")
            .collect()
    }

    const CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: jobs.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Job, plural: jobs}
  versions:
    - name: v1
      served: true
      storage: true
      subresources: {status: {}}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: {x-kubernetes-int-or-string: true}
                note: {type: string, nullable: true}
                template:
                  type: object
                  x-kubernetes-embedded-resource: true
                  properties:
                    spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
            status: {type: object, properties: {phase: {type: string}}}
---
";

    #[test]
    fn custom_resources_follow_the_crd_semantics() {
        let ok = format!(
            "{CRD}apiVersion: example.com/v1
kind: Job
metadata: {{name: a, labels: {{app: a}}}}
spec:
  size: 25%
  note: null
  template:
    apiVersion: v1
    kind: Pod
    metadata: {{name: t}}
    spec: {{anything: goes}}
status: {{phase: 1, ignored: true}}
---
apiVersion: example.com/v1
kind: Job
metadata: {{name: b}}
spec: {{size: 3}}
"
        );
        assert_eq!(schema_findings(&ok, &Settings::default()), vec![]);
        let bad = format!(
            "{CRD}apiVersion: example.com/v1
kind: Job
metadata: {{name: a, lables: {{app: a}}}}
spec:
  size: null
  extra: 1
  template:
    metadata: {{nmae: t}}
"
        );
        let found: Vec<String> = schema_findings(&bad, &Settings::default())
            .iter()
            .map(|d| format!("{} {}", d.rule, d.message))
            .collect();
        assert_eq!(
            found,
            [
                "schema-unknown-field unknown field `metadata.lables`: did you mean `labels`?",
                "schema-required-missing `spec.size` is required",
                "schema-unknown-field unknown field `spec.extra`",
                "schema-unknown-field unknown field `spec.template.metadata.nmae`: did you mean `name`?",
            ]
        );
    }

    #[test]
    fn an_old_target_is_checked_against_the_oldest_schemas_and_says_so() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndatta: {}\n";
        let mut settings = Settings {
            kube_version: KubeVersion::new(1, 20),
            ..Settings::default()
        };
        let found = schema_findings(text, &settings);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].help.contains("Kubernetes 1.23's schema") && found[0].help.contains("1.20"),
            "{}",
            found[0].help
        );
        settings.kube_version = KubeVersion::new(1, 30);
        assert!(!schema_findings(text, &settings)[0].help.contains("1.23"));
        settings.kube_version = KubeVersion::new(1, 40);
        let help = &schema_findings(text, &settings)[0].help;
        assert!(help.contains("1.35's schema, the newest"), "{help}");
    }

    #[test]
    fn a_copy_gets_the_findings_of_its_first_at_its_own_place() {
        let doc = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndatta: {}\n";
        let text = format!("{doc}---\n{doc}");
        let (files, diags) = check_texts(&[("x.yaml", &text)], &Settings::default());
        let lines: Vec<u32> = diags
            .iter()
            .filter(|d| d.rule == "schema-unknown-field")
            .map(|d| files[0].line_col(d.location.range.unwrap().start).line)
            .collect();
        assert_eq!(lines, [4, 9]);
    }

    #[test]
    fn a_crd_nested_a_thousand_levels_deep_is_walked_without_a_crash() {
        let depth = 990;
        let mut schema = String::from("{\"type\":\"string\"}");
        for _ in 0..depth / 2 {
            schema = format!("{{\"type\":\"object\",\"properties\":{{\"a\":{schema}}}}}");
        }
        let text = format!(
            "{{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\",\"metadata\":{{\"name\":\"xs.example.com\"}},\"spec\":{{\"group\":\"example.com\",\"names\":{{\"kind\":\"X\",\"plural\":\"xs\"}},\"scope\":\"Namespaced\",\"versions\":[{{\"name\":\"v1\",\"served\":true,\"storage\":true,\"schema\":{{\"openAPIV3Schema\":{schema}}}}}]}}}}"
        );
        let (_, diags) = check_texts(&[("deep.json", &text)], &Settings::default());
        // The document parses (no syntax error) and nothing panics.
        let rules: Vec<&str> = diags.iter().map(|d| d.rule).collect();
        assert!(
            rules
                .iter()
                .all(|r| *r != "internal-error" && *r != "yaml-syntax-error"),
            "{rules:?}"
        );
    }

    #[test]
    fn validation_rules_see_the_object_as_the_api_server_decodes_it() {
        let crd = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: tasks.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Task, plural: tasks}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              x-kubernetes-validations:
                - rule: '!has(self.extra)'
                  message: pruned
                - rule: '!oldSelf.hasValue() || self.size >= oldSelf.value().size'
                  optionalOldSelf: true
                - rule: oldSelf.hasValue()
                  optionalOldSelf: true
                  message: optional oldSelf is empty on create
                - rule: self.size == oldSelf.size
                  message: a transition rule
                - rule: self.size.frobnicate()
                  message: no such function
                - rule: self.size
                  message: not a bool
                - rule: self.count > 0
                  message: an undeclared field (the API server refuses the CRD)
              properties:
                size: {type: integer}
                free:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
                  x-kubernetes-validations:
                    - rule: has(self.anything)
                      message: preserved
                template:
                  type: object
                  x-kubernetes-embedded-resource: true
                  x-kubernetes-validations:
                    - rule: self.kind == 'Pod' && !has(self.metadata.labels)
                      message: embedded root
                  properties:
                    spec: {type: object}
---
";
        let cr = format!(
            "{crd}apiVersion: example.com/v1
kind: Task
metadata: {{name: a}}
spec:
  size: 3
  extra: 1
  free: {{anything: 1}}
  template:
    apiVersion: v1
    kind: Pod
    metadata: {{name: t, labels: {{app: t}}}}
    spec: {{}}
"
        );
        let (_, diags) = check_texts(&[("x.yaml", &cr)], &Settings::default());
        let found: Vec<String> = diags
            .iter()
            .filter(|d| d.rule.starts_with("schema-validation-rule"))
            .map(|d| format!("{} {:?} {}", d.rule, d.severity, d.message))
            .collect();
        assert_eq!(
            found,
            [
                // A function the Kubernetes CEL environment lacks fails the type check: the
                // CRD is refused, and the rule does not run on its resources.
                "schema-validation-rule-invalid Error `spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[4].rule`: the rule `self.size.frobnicate()` does not compile: undeclared reference to 'frobnicate'",
                "schema-validation-rule Error `spec` is invalid: optional oldSelf is empty on create",
                "schema-validation-rule Info `spec`: faultline cannot evaluate the validation rule `self.count > 0` of its CRD offline: No such key: count",
                "schema-validation-rule Info `spec`: faultline cannot evaluate the validation rule `self.size` of its CRD offline: the rule evaluates to int, not a bool",
            ]
        );
    }

    #[test]
    fn a_validation_rule_over_its_cost_stops_the_rules_of_the_object() {
        let items = vec!["0"; 120].join(", ");
        let text = format!(
            "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: grids.example.com}}
spec:
  group: example.com
  scope: Namespaced
  names: {{kind: Grid, plural: grids}}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                cells:
                  type: array
                  items: {{type: integer}}
                  x-kubernetes-validations:
                    - rule: self.all(a, self.all(b, self.all(c, a + b + c == 0)))
                    - rule: size(self) < 10
---
apiVersion: example.com/v1
kind: Grid
metadata: {{name: g}}
spec:
  cells: [{items}]
"
        );
        let (_, diags) = check_texts(&[("x.yaml", &text)], &Settings::default());
        let found: Vec<&str> = diags
            .iter()
            .filter(|d| d.rule == "schema-validation-rule")
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("call cost exceeds limit"), "{}", found[0]);
    }

    #[test]
    fn cluster_exports_are_not_schema_checked() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, uid: 1b2c}\ndatta: {}\n";
        assert_eq!(schema_findings(text, &Settings::default()), vec![]);
    }
}
