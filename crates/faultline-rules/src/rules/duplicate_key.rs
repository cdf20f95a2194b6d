use faultline_diagnostics::Location;
use faultline_syntax::ProblemKind;

use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a mapping that repeats a key.
    ///
    /// ## Why it matters
    /// Kubernetes' YAML decoder keeps the last value and drops the first without a word (Helm
    /// does the same); `kubectl apply` with strict field validation refuses the object. Either
    /// way the first value, often a whole `env` or `resources` block, is not what runs.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: settings
    /// data:
    ///   mode: fast
    ///   mode: safe
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: settings
    /// data:
    ///   mode: safe
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - kubernetes/kubernetes#14791, field validation in Kubernetes 1.25+
    pub struct DuplicateKey {
        id: "duplicate-key",
        category: Syntax,
        severity: Error,
        summary: "a mapping repeats a key and the first value is silently dropped",
        params: [],
    }
}

impl Rule for DuplicateKey {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        for (i, parsed) in cx.parsed.iter().enumerate() {
            let file = cx.files[i].id;
            for p in parsed
                .problems
                .iter()
                .filter(|p| p.kind == ProblemKind::DuplicateKey)
            {
                let Some(range) = p.range else { continue };
                let mut report = match cx.object_at(file, range.start) {
                    Some(obj) => out.report(obj, range, &p.message),
                    None => out.report_file(file, Some(range), &p.message),
                };
                for (r, msg) in &p.related {
                    report = report.related_at(Location::new(file, *r), msg);
                }
                report.help("remove one of the two entries, keeping the value you mean");
            }
        }
    }
}
