//! Running rules over the inventory: in parallel, isolated from each other's panics, with
//! output that does not depend on scheduling.

use std::panic::{AssertUnwindSafe, catch_unwind};

use faultline_diagnostics::{Category, Diagnostic, Location, ObjectRef, RuleInfo, Severity};
use faultline_model::pod::PodTemplate;
use faultline_model::{Object, ObjectId};
use faultline_syntax::{FileId, TextRange};
use rayon::prelude::*;

use crate::context::Context;
use crate::registry::internal_error::InternalError;
use crate::{collapse, suppress};

/// A rule parameter, its type and its default, as written in `.faultline.yaml` and the rule's
/// doc. Rules read their parameters through the typed `Params` of their module (see
/// [`crate::params`]), never by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param {
    pub name: &'static str,
    pub kind: crate::params::ParamKind,
    pub default: &'static str,
    pub description: &'static str,
}

/// Everything declared about a rule.
#[derive(Clone, Copy, Debug)]
pub struct RuleMeta {
    pub info: RuleInfo,
    pub params: &'static [Param],
}

/// What a rule is declared as. [`declare_rule!`](crate::declare_rule) implements it; a rule
/// implements only [`Rule`]'s hooks.
pub trait Declared {
    fn meta(&self) -> &'static RuleMeta;
}

/// A rule. Each hook receives the narrowest typed view it needs; a rule implements only the
/// hooks for what it inspects.
pub trait Rule: Declared + Sync {
    /// Called once per object.
    fn check_object(&self, _cx: &Context<'_>, _obj: &Object<'_>, _out: &mut Sink<'_>) {}

    /// Called once per Pod and per pod template of a workload.
    fn check_pod(
        &self,
        _cx: &Context<'_>,
        _obj: &Object<'_>,
        _pod: &PodTemplate<'_>,
        _out: &mut Sink<'_>,
    ) {
    }

    /// Called once per run, for rules about the input as a whole (parse problems, documents
    /// that are not objects).
    fn check_run(&self, _cx: &Context<'_>, _out: &mut Sink<'_>) {}
}

/// A diagnostic plus the object it is about, so suppressions can consult that object.
pub(crate) struct Found {
    pub diag: Diagnostic,
    pub object: Option<ObjectId>,
}

/// Where a rule reports. It fills in the rule id, category, default severity and object.
pub struct Sink<'s> {
    meta: &'static RuleMeta,
    out: &'s mut Vec<Found>,
}

impl std::fmt::Debug for Sink<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sink")
            .field("rule", &self.meta.info.id)
            .finish()
    }
}

/// The object reference diagnostics carry.
pub fn object_ref(obj: &Object<'_>) -> ObjectRef {
    ObjectRef {
        api_version: obj.api_version.to_owned(),
        kind: obj.kind.to_owned(),
        namespace: obj.namespace.map(str::to_owned),
        name: obj.name.to_owned(),
    }
}

impl<'s> Sink<'s> {
    pub(crate) fn new(meta: &'static RuleMeta, out: &'s mut Vec<Found>) -> Self {
        Self { meta, out }
    }

    /// Reports a finding about `obj` at `range` (in the object's file).
    pub fn report(
        &mut self,
        obj: &Object<'_>,
        range: TextRange,
        message: impl Into<String>,
    ) -> Report<'_> {
        let mut diag = self
            .diagnostic(Location::new(obj.file, range), message)
            .with_object(object_ref(obj));
        diag.object_id = Some(obj.id);
        if let Some(template) = obj.helm_source {
            diag = diag.with_related(
                format!("rendered from the Helm template `{template}`"),
                None,
                None,
            );
        }
        self.push(diag, Some(obj.id))
    }

    /// Reports a finding that belongs to no object (a parse error, a file that cannot be read).
    pub fn report_file(
        &mut self,
        file: FileId,
        range: Option<TextRange>,
        message: impl Into<String>,
    ) -> Report<'_> {
        let diag = self.diagnostic(Location { file, range }, message);
        self.push(diag, None)
    }

    fn diagnostic(&self, location: Location, message: impl Into<String>) -> Diagnostic {
        let info = &self.meta.info;
        Diagnostic::new(
            info.id,
            info.default_severity,
            info.category,
            location,
            message,
        )
    }

    fn push(&mut self, diag: Diagnostic, object: Option<ObjectId>) -> Report<'_> {
        self.out.push(Found { diag, object });
        Report(&mut self.out.last_mut().expect("just pushed").diag)
    }
}

/// A finding being filled in.
#[derive(Debug)]
pub struct Report<'s>(&'s mut Diagnostic);

impl Report<'_> {
    /// What to change, in the imperative.
    pub fn help(self, help: impl Into<String>) -> Self {
        self.0.help = help.into();
        self
    }

    /// A finding of this rule that is less (or more) severe than its default.
    pub fn severity(self, severity: Severity) -> Self {
        self.0.severity = severity;
        self
    }

    /// Another object involved, pointing at `range` in its file.
    pub fn related(self, obj: &Object<'_>, range: TextRange, message: impl Into<String>) -> Self {
        self.0.related.push(faultline_diagnostics::Related {
            message: message.into(),
            object: Some(object_ref(obj)),
            object_id: Some(obj.id),
            location: Some(Location::new(obj.file, range)),
        });
        self
    }

    /// Another place involved that is not an object.
    pub fn related_at(self, location: Location, message: impl Into<String>) -> Self {
        self.0.related.push(faultline_diagnostics::Related {
            message: message.into(),
            object: None,
            object_id: None,
            location: Some(location),
        });
        self
    }
}

/// Runs `rules` over everything in `cx` and returns the findings that survive suppressions,
/// exemptions and severity overrides, with the repetitions of one finding over the replicas of
/// a workload folded into one (see [`collapse`]), in output order. Each carries the ids of the
/// objects it is about; what comes after (cause chains, the triage report) is built from them
/// by the `faultline-triage` crate.
pub fn run(cx: &Context<'_>, rules: &[&'static dyn Rule]) -> Vec<Diagnostic> {
    findings(cx, rules)
}

fn findings(cx: &Context<'_>, rules: &[&'static dyn Rule]) -> Vec<Diagnostic> {
    let objects = &cx.inventory.objects;
    let per_object: Vec<Vec<Found>> = objects
        .par_iter()
        .with_min_len(64)
        .map(|obj| {
            let mut out = Vec::new();
            let pod = PodTemplate::of(obj);
            for rule in rules {
                let result = catch_unwind(AssertUnwindSafe(|| {
                    let mut sink = Sink::new(rule.meta(), &mut out);
                    rule.check_object(cx, obj, &mut sink);
                    if let Some(pod) = &pod {
                        rule.check_pod(cx, obj, pod, &mut sink);
                    }
                }));
                if let Err(panic) = result {
                    out.push(internal_error(*rule, Some(obj), panic));
                }
            }
            out
        })
        .collect();
    let per_run: Vec<Vec<Found>> = rules
        .par_iter()
        .map(|rule| {
            let mut out = Vec::new();
            let result = catch_unwind(AssertUnwindSafe(|| {
                rule.check_run(cx, &mut Sink::new(rule.meta(), &mut out));
            }));
            if let Err(panic) = result {
                out.push(internal_error(*rule, None, panic));
            }
            out
        })
        .collect();
    let comments = suppress::CommentSuppressions::collect(cx);
    // In object order, then rule order: the same for any thread count.
    let found: Vec<Found> = per_object
        .into_iter()
        .chain(per_run)
        .flatten()
        .filter(|f| !suppress::by_annotation(cx, f))
        .filter(|f| !comments.suppresses(cx, &f.diag))
        .filter(|f| !cx.settings.is_exempt(&f.diag))
        .map(|mut f| {
            if let Some(sev) = cx.settings.severity_override(f.diag.rule) {
                f.diag.severity = sev;
            }
            f
        })
        .collect();
    let mut diags = collapse::collapse(cx, found);
    faultline_diagnostics::sort_diagnostics(&mut diags);
    diags
}

fn internal_error(
    rule: &dyn Rule,
    obj: Option<&Object<'_>>,
    panic: Box<dyn std::any::Any + Send>,
) -> Found {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    let id = rule.meta().info.id;
    let (location, object, message) = match obj {
        Some(o) => (
            Location::new(o.file, o.kind_range()),
            Some(object_ref(o)),
            format!("rule `{id}` failed on {}: {what}", object_ref(o)),
        ),
        None => (
            Location::file(FileId(0)),
            None,
            format!("rule `{id}` failed: {what}"),
        ),
    };
    let mut diag = Diagnostic::new(
        InternalError::ID,
        Severity::Error,
        Category::Internal,
        location,
        message,
    )
    .with_help("report this as a faultline bug; every other rule and object was still analyzed");
    diag.object = object;
    diag.object_id = obj.map(|o| o.id);
    Found {
        diag,
        object: obj.map(|o| o.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Settings;
    use crate::testing::check_texts;

    struct Panics;
    static PANICS_META: RuleMeta = RuleMeta {
        info: RuleInfo {
            id: "test-panics",
            category: Category::Internal,
            default_severity: Severity::Warning,
            summary: "panics on ConfigMaps named boom",
            doc: "",
        },
        params: &[],
    };

    impl Declared for Panics {
        fn meta(&self) -> &'static RuleMeta {
            &PANICS_META
        }
    }

    impl Rule for Panics {
        fn check_object(&self, _cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
            if obj.name == "boom" {
                panic!("index out of bounds");
            }
            out.report(obj, obj.kind_range(), "seen");
        }
    }

    #[test]
    fn a_panicking_rule_becomes_internal_error_and_the_run_goes_on() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: boom}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
        let (files, _) = check_texts(&[("x.yaml", text)], &Settings::default());
        let parsed: Vec<_> = files
            .iter()
            .map(faultline_syntax::load::parse_source)
            .collect();
        let inventory = faultline_model::Inventory::build(&parsed, &Default::default());
        let settings = Settings::default();
        let graph = faultline_graph::Graph::build(&inventory);
        let cx = Context::new(&files, &parsed, &graph, &settings);
        let diags = run(&cx, &[&Panics]);
        let seen = diags.iter().filter(|d| d.rule == "test-panics").count();
        assert_eq!(seen, 2, "the other objects were still checked");
        let internal: Vec<_> = diags
            .iter()
            .filter(|d| d.rule == InternalError::ID)
            .collect();
        assert_eq!(internal.len(), 1);
        assert_eq!(
            internal[0].message,
            "rule `test-panics` failed on ConfigMap/default/boom: index out of bounds"
        );
    }

    #[test]
    fn findings_in_helm_output_name_the_template() {
        let text = "---\n# Source: shop/templates/pdb.yaml\napiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: api}\nspec: {minAvailable: 1}\n";
        let (_, diags) = check_texts(&[("<stdin>", text)], &Settings::default());
        let d = diags
            .iter()
            .find(|d| d.rule == crate::registry::api_removed::ApiRemoved::ID)
            .expect("fires");
        assert_eq!(
            d.related[0].message,
            "rendered from the Helm template `shop/templates/pdb.yaml`"
        );
    }
}
