//! `.faultline.yaml`: rules on/off, severities, parameters, path excludes, exemptions and
//! custom rules (read by [`crate::custom`]).
//!
//! The file is read with faultline's own YAML front end, so a mistake is reported with its line
//! and column, like any other finding.

use std::collections::BTreeMap;
use std::sync::Arc;

use faultline_diagnostics::Severity;
use faultline_syntax::{LineIndex, NodeRef, TextRange, yaml::parse_yaml};
use globset::{Glob, GlobMatcher};

use crate::api_versions::KubeVersion;
use crate::settings::Settings;

/// The default file name, looked up in the current directory and its parents.
pub const FILE_NAME: &str = ".faultline.yaml";

pub use crate::settings::Exemption;

/// A parsed configuration file.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub kube_version: Option<KubeVersion>,
    pub namespace: Option<String>,
    pub fail_on: Option<String>,
    /// `complete: true`: the input holds every object the workloads need, so a reference
    /// to something absent is a finding, not an object created elsewhere.
    pub complete: Option<bool>,
    /// Path globs to leave out of directory walks.
    pub exclude: Vec<String>,
    pub enabled: BTreeMap<String, bool>,
    pub severity: BTreeMap<String, Severity>,
    pub params: BTreeMap<String, BTreeMap<String, String>>,
    pub exemptions: Vec<Exemption>,
    /// "Now" for snapshots (`now:`), instead of the latest time in the input.
    pub now: Option<faultline_model::time::Timestamp>,
    /// `customRules:`, compiled (see [`crate::custom`]).
    pub custom_rules: Option<&'static crate::custom::CustomRules>,
}

/// A mistake in the configuration file, with its 1-based position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl Config {
    /// Parses `text`. Every mistake is reported; nothing is guessed.
    pub fn parse(text: &str) -> Result<Config, Vec<ConfigError>> {
        Self::parse_at(text, FILE_NAME)
    }

    /// Parses `text`, read from `origin` (the path custom rules' pages name).
    pub fn parse_at(text: &str, origin: &str) -> Result<Config, Vec<ConfigError>> {
        let source: Arc<str> = Arc::from(text);
        let lines = LineIndex::new(text);
        let parsed = parse_yaml(&source);
        let mut p = ConfigParser {
            text,
            origin,
            lines: &lines,
            errors: Vec::new(),
            config: Config::default(),
        };
        for problem in &parsed.problems {
            let at = problem.range.unwrap_or_default();
            p.error(at, problem.message.clone());
        }
        if parsed.documents.iter().filter(|d| d.root.is_some()).count() > 1 {
            p.error(
                TextRange::default(),
                "the configuration must be a single YAML document",
            );
        }
        if let Some(root) = parsed.documents.iter().find_map(|d| d.root()) {
            p.root(root);
        }
        if p.errors.is_empty() {
            Ok(p.config)
        } else {
            Err(p.errors)
        }
    }

    /// Applies the file to `settings` (the command line is applied afterwards and wins).
    pub fn apply(&self, settings: &mut Settings) {
        if let Some(v) = self.kube_version {
            settings.kube_version = v;
        }
        if let Some(complete) = self.complete {
            settings.complete = complete;
        }
        for (id, on) in &self.enabled {
            if *on {
                settings.disabled.remove(id);
            } else {
                settings.disabled.insert(id.clone());
            }
        }
        settings.severity.extend(self.severity.clone());
        for (id, params) in &self.params {
            settings
                .params
                .entry(id.clone())
                .or_default()
                .extend(params.clone());
        }
        settings.exemptions.extend(self.exemptions.iter().cloned());
        if self.now.is_some() {
            settings.now = self.now;
        }
        if self.custom_rules.is_some() {
            settings.custom = self.custom_rules;
        }
    }
}

struct ConfigParser<'t> {
    text: &'t str,
    origin: &'t str,
    lines: &'t LineIndex,
    errors: Vec<ConfigError>,
    config: Config,
}

impl ConfigParser<'_> {
    fn error(&mut self, at: TextRange, message: impl Into<String>) {
        let lc = self.lines.line_col(self.text, at.start);
        self.errors.push(ConfigError {
            line: lc.line,
            column: lc.column,
            message: message.into(),
        });
    }

    fn string(&mut self, node: NodeRef<'_>, what: &str) -> Option<String> {
        match node.scalar_text() {
            Some(s) if !node.is_null() => Some(s.to_owned()),
            _ => {
                self.error(node.range(), format!("`{what}` must be a string"));
                None
            }
        }
    }

    fn strings(&mut self, node: NodeRef<'_>, what: &str) -> Vec<String> {
        if !node.is_seq() {
            self.error(node.range(), format!("`{what}` must be a list of strings"));
            return Vec::new();
        }
        node.items().filter_map(|i| self.string(i, what)).collect()
    }

    fn glob(&mut self, node: NodeRef<'_>, what: &str) -> Option<GlobMatcher> {
        let s = self.string(node, what)?;
        match Glob::new(&s) {
            Ok(g) => Some(g.compile_matcher()),
            Err(e) => {
                self.error(node.range(), format!("`{what}` is not a valid glob: {e}"));
                None
            }
        }
    }

    fn root(&mut self, root: NodeRef<'_>) {
        if !root.is_map() {
            self.error(root.range(), "the configuration must be a mapping");
            return;
        }
        // First, so that `rules:` and `exemptions:` may name custom rules wherever they are.
        if let Some(v) = root.get("customRules") {
            let (text, origin, lines) = (self.text, self.origin, self.lines);
            let mut errors = Vec::new();
            self.config.custom_rules =
                crate::custom::parse(text, origin, lines, v, &mut |at, message| {
                    errors.push((at, message));
                });
            for (at, message) in errors {
                self.error(at, message);
            }
        }
        for (k, v) in root.entries() {
            match k.scalar_text().unwrap_or("") {
                "kubeVersion" => {
                    if let Some(s) = self.string(v, "kubeVersion") {
                        match KubeVersion::parse(&s) {
                            Ok(kv) => self.config.kube_version = Some(kv),
                            Err(e) => self.error(v.range(), e),
                        }
                    }
                }
                "namespace" => self.config.namespace = self.string(v, "namespace"),
                "failOn" => {
                    if let Some(s) = self.string(v, "failOn") {
                        if matches!(s.as_str(), "error" | "warning" | "info" | "never") {
                            self.config.fail_on = Some(s);
                        } else {
                            self.error(v.range(), "`failOn` must be one of `error`, `warning`, `info`, `never`");
                        }
                    }
                }
                "complete" => match v.as_bool() {
                    Some(b) => self.config.complete = Some(b),
                    None => self.error(v.range(), "`complete` must be `true` or `false`"),
                },
                "exclude" => self.config.exclude = self.strings(v, "exclude"),
                "now" => {
                    if let Some(s) = self.string(v, "now") {
                        match faultline_model::time::Timestamp::parse(&s) {
                            Some(t) => self.config.now = Some(t),
                            None => self.error(
                                v.range(),
                                "`now` must be an RFC 3339 time such as `2024-05-01T12:00:00Z`",
                            ),
                        }
                    }
                }
                "rules" => self.rules(v),
                "exemptions" => self.exemptions(v),
                "customRules" => {}
                other => self.error(
                    k.range(),
                    format!("unknown setting `{other}`; expected one of `kubeVersion`, `namespace`, `failOn`, `complete`, `exclude`, `now`, `rules`, `exemptions`, `customRules`"),
                ),
            }
        }
    }

    fn rule_id(&mut self, node: NodeRef<'_>) -> Option<&'static crate::RuleMeta> {
        let id = node.scalar_text().unwrap_or("");
        let custom = self.config.custom_rules.and_then(|c| c.find(id));
        match crate::registry::find(id) {
            Some(r) => Some(r.meta()),
            None if custom.is_some() => custom.map(|c| c.meta),
            None => {
                let hint = match closest_rule(id) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => "`faultline rules` lists them".to_owned(),
                };
                self.error(node.range(), format!("unknown rule `{id}`; {hint}"));
                None
            }
        }
    }

    fn rules(&mut self, node: NodeRef<'_>) {
        if !node.is_map() {
            self.error(
                node.range(),
                "`rules` must map rule ids to a level or settings",
            );
            return;
        }
        for (k, v) in node.entries() {
            let Some(meta) = self.rule_id(k) else {
                continue;
            };
            let id = meta.info.id.to_owned();
            if v.is_map() {
                for (sk, sv) in v.entries() {
                    match sk.scalar_text().unwrap_or("") {
                        "severity" | "level" => self.level(&id, sv),
                        "params" => self.params(meta, sv),
                        other => self.error(
                            sk.range(),
                            format!(
                                "unknown rule setting `{other}`; expected `severity` or `params`"
                            ),
                        ),
                    }
                }
            } else {
                self.level(&id, v);
            }
        }
    }

    /// `off`/`on` (booleans in YAML 1.1, as Kubernetes reads them) or a severity.
    fn level(&mut self, id: &str, v: NodeRef<'_>) {
        if let Some(on) = v.as_bool() {
            self.config.enabled.insert(id.to_owned(), on);
            return;
        }
        match v.scalar_text().and_then(Severity::parse) {
            Some(sev) => {
                self.config.enabled.insert(id.to_owned(), true);
                self.config.severity.insert(id.to_owned(), sev);
            }
            None => self.error(
                v.range(),
                "a rule level must be `off`, `on`, `error`, `warning` or `info`",
            ),
        }
    }

    fn params(&mut self, meta: &crate::RuleMeta, v: NodeRef<'_>) {
        if !v.is_map() {
            self.error(v.range(), "`params` must be a mapping");
            return;
        }
        for (pk, pv) in v.entries() {
            let name = pk.scalar_text().unwrap_or("");
            let Some(param) = meta.params.iter().find(|p| p.name == name) else {
                let known: Vec<_> = meta
                    .params
                    .iter()
                    .map(|p| format!("`{}`", p.name))
                    .collect();
                let known = if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                };
                self.error(
                    pk.range(),
                    format!(
                        "rule `{}` has no parameter `{name}` (parameters: {known})",
                        meta.info.id
                    ),
                );
                continue;
            };
            let Some(value) = pv.scalar_text().filter(|_| pv.is_scalar() && !pv.is_null()) else {
                self.error(pv.range(), format!("parameter `{name}` must be a scalar"));
                continue;
            };
            if !param.kind.accepts(value) {
                self.error(
                    pv.range(),
                    format!(
                        "parameter `{name}` of rule `{}` must be {}, not `{value}`",
                        meta.info.id,
                        param.kind.expected()
                    ),
                );
                continue;
            }
            self.config
                .params
                .entry(meta.info.id.to_owned())
                .or_default()
                .insert(name.to_owned(), value.to_owned());
        }
    }

    fn exemptions(&mut self, node: NodeRef<'_>) {
        if !node.is_seq() {
            self.error(node.range(), "`exemptions` must be a list");
            return;
        }
        for item in node.items() {
            if !item.is_map() {
                self.error(item.range(), "an exemption must be a mapping with `rule` and optionally `kind`, `namespace`, `name`");
                continue;
            }
            let mut ex = Exemption {
                rule: Glob::new("*").expect("valid").compile_matcher(),
                kind: None,
                namespace: None,
                name: None,
            };
            let mut has_rule = false;
            for (k, v) in item.entries() {
                match k.scalar_text().unwrap_or("") {
                    "rule" => {
                        has_rule = true;
                        let text = v.scalar_text().unwrap_or("");
                        if !text.contains(['*', '?', '[']) && self.rule_id(v).is_none() {
                            continue;
                        }
                        if let Some(g) = self.glob(v, "rule") {
                            ex.rule = g;
                        }
                    }
                    "kind" => ex.kind = self.string(v, "kind"),
                    "namespace" => ex.namespace = self.glob(v, "namespace"),
                    "name" => ex.name = self.glob(v, "name"),
                    other => self.error(k.range(), format!("unknown exemption field `{other}`; expected `rule`, `kind`, `namespace`, `name`")),
                }
            }
            if !has_rule {
                self.error(
                    item.range(),
                    "an exemption needs a `rule` (a rule id or a glob such as `probe-*`)",
                );
                continue;
            }
            self.config.exemptions.push(ex);
        }
    }
}

/// The rule id closest to `id` by edit distance, when it is close enough to be the one meant
/// (at most 2 edits, or a third of the id's length for long ids): for "unknown rule" messages.
pub fn closest_rule(id: &str) -> Option<&'static str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut diagonal = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let above = row[j + 1];
                row[j + 1] = (above + 1)
                    .min(row[j] + 1)
                    .min(diagonal + usize::from(ca != *cb));
                diagonal = above;
            }
        }
        row[b.len()]
    }
    let limit = (id.chars().count() / 3).max(2);
    crate::registry::ALL
        .iter()
        .map(|r| r.meta().info.id)
        .map(|known| (distance(id, known), known))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, known)| known)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::api_deprecated::ApiDeprecated;
    use crate::registry::api_removed::ApiRemoved;

    #[test]
    fn a_bad_config_names_the_line() {
        let err = Config::parse("rules:\n  api-removed: off\n  no-such-rule: error\n").unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!((err[0].line, err[0].column), (3, 3));
        assert!(err[0].message.contains("unknown rule `no-such-rule`"));
        let err = Config::parse("rules:\n  api-removd: off\n").unwrap_err();
        assert!(
            err[0]
                .message
                .contains("unknown rule `api-removd`; did you mean `api-removed`?"),
            "{}",
            err[0].message
        );
        assert_eq!(
            closest_rule("probe-livenes-missing"),
            Some("probe-liveness-missing")
        );
        assert_eq!(closest_rule("nothing-like-it"), None);
    }

    #[test]
    fn levels_params_and_exemptions() {
        let c = Config::parse(
            "kubeVersion: v1.29\nrules:\n  api-removed: off\n  api-deprecated: {severity: error}\nexemptions:\n  - rule: api-*\n    namespace: kube-*\n",
        )
        .unwrap();
        assert_eq!(
            c.kube_version,
            Some(KubeVersion {
                major: 1,
                minor: 29
            })
        );
        assert_eq!(c.enabled.get(ApiRemoved::ID), Some(&false));
        assert_eq!(c.severity.get(ApiDeprecated::ID), Some(&Severity::Error));
        assert_eq!(c.exemptions.len(), 1);
    }

    #[test]
    fn a_parameter_value_of_the_wrong_type_is_an_error_at_the_value() {
        let text = "rules:\n  pod-crash-looping:\n    params:\n      restarts: often\n      window: 2h\n  quota-blocks-scale-out: {params: {surge: maybe}}\n  container-oom-killed: {params: {window: 3 days}}\n";
        let err = Config::parse(text).unwrap_err();
        let at: Vec<_> = err.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(at, [(4, 17), (6, 44), (7, 43)], "{err:?}");
        assert_eq!(
            err[0].message,
            "parameter `restarts` of rule `pod-crash-looping` must be a whole number, 0 or more, not `often`"
        );
        assert!(err[1].message.contains("`true` or `false`"), "{err:?}");
        assert!(err[2].message.contains("a duration such as"), "{err:?}");
        let c = Config::parse(
            "rules:\n  pod-crash-looping: {params: {restarts: 3, window: 1h30m}}\n  quota-blocks-scale-out: {params: {surge: off}}\n  reference-not-found: {params: {exclude-kinds: \"Secret, ConfigMap\"}}\n",
        );
        assert!(c.is_ok(), "{c:?}");
    }

    #[test]
    fn now_is_an_rfc3339_time() {
        let c = Config::parse("now: 2024-05-01T12:00:00Z\n").unwrap();
        assert_eq!(
            c.now.map(|t| t.to_string()).as_deref(),
            Some("2024-05-01T12:00:00Z")
        );
        let err = Config::parse("now: yesterday\n").unwrap_err();
        assert_eq!((err[0].line, err[0].column), (1, 6));
    }

    #[test]
    fn complete_is_a_boolean_and_reaches_the_settings() {
        let c = Config::parse("complete: true\n").unwrap();
        assert_eq!(c.complete, Some(true));
        let mut settings = Settings::default();
        assert!(!settings.complete);
        c.apply(&mut settings);
        assert!(settings.complete);
        Config::parse("complete: false\n")
            .unwrap()
            .apply(&mut settings);
        assert!(
            !settings.complete,
            "an explicit false wins over an earlier true"
        );
        let err = Config::parse("complete: everything\n").unwrap_err();
        assert_eq!((err[0].line, err[0].column), (1, 11));
        assert_eq!(err[0].message, "`complete` must be `true` or `false`");
    }
}
