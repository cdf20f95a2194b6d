//! Running rules over the inventory: in parallel, isolated from each other's panics, with
//! output that does not depend on scheduling.

use std::panic::{AssertUnwindSafe, catch_unwind};

use faultline_diagnostics::{Category, Diagnostic, Location, Severity};
use faultline_model::Object;
use faultline_model::pod::PodTemplate;
use faultline_syntax::FileId;
use rayon::prelude::*;

use crate::context::Context;
use crate::params::RuleMeta;
use crate::registry::internal_error::InternalError;
use crate::settings::Settings;
use crate::sink::{Found, Sink, object_ref};
use crate::{collapse, suppress};

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

impl Settings {
    /// The enabled rules of the registry, then the custom rules of the configuration (one
    /// rule that runs each enabled entry).
    pub fn enabled_rules(&self) -> Vec<&'static dyn Rule> {
        let mut rules: Vec<&'static dyn Rule> = crate::registry::ALL
            .iter()
            .copied()
            .filter(|r| self.is_enabled(r.meta().info.id))
            .collect();
        if let Some(custom) = self.custom.filter(|c| c.any_enabled(self)) {
            rules.push(custom);
        }
        rules
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
    // The per-object hooks and the per-run hooks run side by side: a per-run hook that walks
    // every pod keeps one thread busy while the other takes objects, instead of both waiting
    // for the longest one at the end.
    let per_object = || -> Vec<Found> {
        // One vector for every finding, in object order (a vector per object would cost its
        // capacity of four findings per object with any, which on a 1 GB snapshot is ~100 MB).
        objects
            .par_iter()
            .with_min_len(64)
            .flat_map_iter(|obj| {
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
            .collect()
    };
    let per_run = || -> Vec<Vec<Found>> {
        rules
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
            .collect()
    };
    let (mut found, per_run) = rayon::join(per_object, per_run);
    let comments = suppress::CommentSuppressions::collect(cx);
    // In object order, then rule order: the same for any thread count.
    found.reserve_exact(per_run.iter().map(Vec::len).sum());
    found.extend(per_run.into_iter().flatten());
    found.retain_mut(|f| {
        let keep = !suppress::by_annotation(cx, f)
            && !comments.suppresses(cx, &f.diag)
            && !cx.settings.is_exempt(&f.diag);
        if keep && let Some(sev) = cx.settings.severity_override(f.diag.rule) {
            f.diag.severity = sev;
        }
        keep
    });
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
    use faultline_diagnostics::RuleInfo;

    use super::*;
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
