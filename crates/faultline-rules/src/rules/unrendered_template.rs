use faultline_model::Object;
use faultline_syntax::{ProblemKind, SourceFile, Style, TextRange};

use crate::schema::IssueKind;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports Helm template actions left in the input: `{{ .Values.image }}`,
    /// `{{- include "chart.labels" . }}`, `{{ if … }}`. It fires on any `{{ … }}` on a line
    /// that breaks the YAML, and elsewhere only on actions that are unmistakably Helm's (they
    /// name `.Values`, `.Release`, `.Chart`, `.Capabilities`, `.Files`, `.Template`, `include`,
    /// `toYaml`, `tpl`, `required` or `nindent`) outside block scalars. Prometheus alert
    /// templates (`{{ $labels.instance }}`, `{{ with $labels.cluster }}`), Grafana legends and
    /// templates kept as data in a `|` block (Istio's sidecar injector) are left alone.
    ///
    /// It also reports placeholders of other template engines or left by hand where the
    /// schema of the field wants another type: `replicas: {{replicas}}` (which YAML reads as
    /// a map), `lun: <ADD LUN ID Here>`, `port: ${PORT}`; such a value is an unrendered
    /// template, not a type error (`schema-type-mismatch` leaves it alone). Placeholders in
    /// string fields are valid strings and are not reported.
    ///
    /// ## Why it matters
    /// A chart's template source is not what reaches the cluster. Checking it instead of
    /// `helm template` output finds nothing real, and applying it fails or ships the literal
    /// text `{{ .Values.image }}` as an image name.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: "registry.example.com/web:1.4.2"
    /// ```
    ///
    /// ## Options
    /// None. Run `helm template … | faultline check -` to check a chart.
    pub struct UnrenderedTemplate {
        id: "unrendered-template",
        category: Syntax,
        severity: Error,
        summary: "a Helm template action was left unrendered in the input",
        params: [],
    }
}

/// Names only Helm's template engine gives meaning to. Go-template keywords (`if`, `with`,
/// `range`, `end`) are shared with Prometheus, Alertmanager and Argo templates, so they count
/// only together with one of these.
const HELM_ONLY: &[&str] = &[
    ".Values",
    ".Release.",
    ".Chart.",
    ".Capabilities.",
    ".Files.",
    ".Template.",
    "include \"",
    "toYaml",
    "tpl ",
    "required \"",
    "nindent ",
];

/// The `{{ … }}` actions in `file`, each with whether it looks like Helm's own.
fn actions(file: &SourceFile) -> Vec<(TextRange, bool)> {
    let text: &str = &file.text;
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("{{") {
        let start = from + i;
        // An action ends on its own line; a stray `{{` must not swallow the next real action.
        let line_end = text[start..].find('\n').map_or(text.len(), |j| start + j);
        let close = text[start + 2..line_end].find("}}");
        let inner = &text[start + 2..close.map_or(line_end, |j| start + 2 + j)];
        let end = close.map_or(line_end, |j| start + 2 + j + 2);
        let helm = HELM_ONLY.iter().any(|p| inner.contains(p));
        out.push((TextRange::new(start as u32, end as u32), helm));
        from = end;
    }
    out
}

impl Rule for UnrenderedTemplate {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        for issue in cx.schema().issues(obj) {
            let IssueKind::Placeholder { text, expected } = &issue.kind else {
                continue;
            };
            // A Helm action: `check_run` reports it.
            if HELM_ONLY.iter().any(|p| text.contains(p)) {
                continue;
            }
            let expected = crate::registry::schema_type_mismatch::a(expected);
            // The placeholder is the value: never shown for a Secret.
            let message = if obj.holds_secret_values() {
                format!(
                    "unrendered template placeholder: `{}` must be {expected}",
                    issue.path
                )
            } else {
                let shown: String = text.chars().take(60).collect();
                format!(
                    "unrendered template placeholder `{shown}`: `{}` must be {expected}",
                    issue.path
                )
            };
            out.report(obj, issue.range, message).help(
                "render the template before applying it: replace the placeholder with a value",
            );
        }
    }

    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        for (i, parsed) in cx.parsed.iter().enumerate() {
            let file = &cx.files[i];
            if !file.text.contains("{{") {
                continue;
            }
            let in_comment = |r: TextRange| parsed.comments.iter().any(|c| c.contains(r.start));
            let error_lines: Vec<u32> = parsed
                .problems
                .iter()
                .filter(|p| p.kind == ProblemKind::Syntax)
                .filter_map(|p| p.range)
                .map(|r| file.lines.line_of(r.start))
                .collect();
            let mut last_line = None;
            for (range, helm) in actions(file) {
                let line = file.lines.line_of(range.start);
                if in_comment(range) || last_line == Some(line) {
                    continue;
                }
                let broken_line = error_lines.contains(&line);
                if !helm && !broken_line {
                    continue;
                }
                let object = cx.object_at(file.id, range.start);
                // A template kept as data (a ConfigMap holding Istio's injection template, say)
                // sits in a block scalar; rendered output never puts Helm actions there.
                if !broken_line
                    && object.is_some_and(|o| {
                        matches!(
                            o.node.descendant_at(range.start).style(),
                            Style::Literal | Style::Folded
                        )
                    })
                {
                    continue;
                }
                last_line = Some(line);
                let action = file.slice(range);
                let shown: String = action.chars().take(60).collect();
                let message = format!("unrendered Helm template action `{shown}`");
                let help = "check the output of `helm template` (e.g. `helm template my-release ./chart | faultline check -`), not the chart's template files";
                match object {
                    Some(obj) => out.report(obj, range, message).help(help),
                    None => out.report_file(file.id, Some(range), message).help(help),
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unclosed_action_before_non_ascii_text_is_read_safely() {
        let file = SourceFile::new(
            faultline_syntax::FileId(0),
            "x.yaml",
            "a: {{ .Values.é\nb: {{ .Release.Name }}\n",
        );
        let found = actions(&file);
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|(_, helm)| *helm));
        assert_eq!(file.slice(found[1].0), "{{ .Release.Name }}");
    }
}
