use faultline_syntax::ProblemKind;

use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports text that is not valid YAML or JSON, and documents whose aliases expand past the
    /// budget Kubernetes applies (the "billion laughs" guard of CVE-2019-11253).
    ///
    /// ## Why it matters
    /// `kubectl apply` refuses the whole file, and a CI gate that skips unparsable files
    /// silently lets everything in them through. faultline skips only the broken document and
    /// keeps analyzing the rest, so one typo does not hide other findings.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: settings
    /// data: [unclosed
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: settings
    /// data:
    ///   mode: closed
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - YAML 1.2 specification: <https://yaml.org/spec/1.2.2/>
    pub struct YamlSyntaxError {
        id: "yaml-syntax-error",
        category: Syntax,
        severity: Error,
        summary: "the input is not valid YAML or JSON",
        params: [],
    }
}

impl Rule for YamlSyntaxError {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        for (i, parsed) in cx.parsed.iter().enumerate() {
            let file = &cx.files[i];
            for p in &parsed.problems {
                if !matches!(p.kind, ProblemKind::Syntax | ProblemKind::AliasBudget) {
                    continue;
                }
                // An unrendered Helm template on the failing line is reported as such instead.
                if let Some(r) = p.range {
                    let line = file
                        .lines
                        .line_range(&file.text, file.lines.line_of(r.start));
                    if file.slice(line).contains("{{") {
                        continue;
                    }
                }
                out.report_file(file.id, p.range, &p.message).help(
                    "fix the syntax at this position; the rest of the document was not analyzed",
                );
            }
        }
    }
}
