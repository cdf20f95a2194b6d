//! Typed rule parameters.
//!
//! A rule declares each parameter with a type ([`Integer`], [`Duration`], [`Bool`], [`List`],
//! [`PodSecurityLevel`])
//! in [`declare_rule!`](crate::declare_rule), which generates a `Params` struct in the rule's
//! module with one typed field per parameter and a `Self::params(cx)` accessor. The values of
//! `.faultline.yaml` are checked against the types when the file is read ([`crate::config`]);
//! a rule's `Params` (the [`RuleParams`](crate::settings::RuleParams) of `settings.rs`, which
//! reads them from the run's settings) is built once per run, on first use ([`Context::params`]).
//!
//! [`Context::params`]: crate::Context::params

use faultline_syntax::resolve::{Resolved, resolve_plain};

use faultline_diagnostics::RuleInfo;

/// A rule parameter, its type and its default, as written in `.faultline.yaml` and the rule's
/// doc. Rules read their parameters through the typed `Params` of their module (see
/// [`crate::params`]), never by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param {
    pub name: &'static str,
    pub kind: ParamKind,
    pub default: &'static str,
    pub description: &'static str,
}

/// Everything declared about a rule.
#[derive(Clone, Copy, Debug)]
pub struct RuleMeta {
    pub info: RuleInfo,
    pub params: &'static [Param],
}

/// The type of a parameter, as `.faultline.yaml` and the rule pages show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    Integer,
    Duration,
    Bool,
    List,
    PodSecurityLevel,
}

impl ParamKind {
    /// The name in the rule pages: `integer`, `duration`, `boolean`, `list`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Integer => "integer",
            Self::Duration => "duration",
            Self::Bool => "boolean",
            Self::List => "list",
            Self::PodSecurityLevel => "level",
        }
    }

    /// What a value must look like, for error messages.
    pub fn expected(self) -> &'static str {
        match self {
            Self::Integer => "a whole number, 0 or more",
            Self::Duration => "a duration such as `90s`, `30m`, `1h30m` or `2d`",
            Self::Bool => "`true` or `false`",
            Self::List => "a comma-separated list",
            Self::PodSecurityLevel => "`privileged`, `baseline` or `restricted`",
        }
    }

    /// Whether `text` is a value of this type.
    pub fn accepts(self, text: &str) -> bool {
        match self {
            Self::Integer => Integer::parse(text).is_some(),
            Self::Duration => Duration::parse(text).is_some(),
            Self::Bool => Bool::parse(text).is_some(),
            Self::List => List::parse(text).is_some(),
            Self::PodSecurityLevel => PodSecurityLevel::parse(text).is_some(),
        }
    }
}

impl std::fmt::Display for ParamKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parameter type: how its text is parsed and what it gives.
pub trait ParamType {
    type Value: Send + Sync + 'static;
    const KIND: ParamKind;
    /// The value `text` gives, or `None` when it is not one of this type.
    fn parse(text: &str) -> Option<Self::Value>;
}

/// A whole number, 0 or more, as YAML writes integers (`30`, `0x1F`, `1_000`): an `i64`.
#[derive(Debug)]
pub enum Integer {}

impl ParamType for Integer {
    type Value = i64;
    const KIND: ParamKind = ParamKind::Integer;
    fn parse(text: &str) -> Option<i64> {
        faultline_syntax::resolve::int_value(text.trim()).filter(|n| *n >= 0)
    }
}

/// A duration (`90s`, `30m`, `1h30m`, `2d`; a bare number is seconds): seconds as an `i64`.
#[derive(Debug)]
pub enum Duration {}

impl ParamType for Duration {
    type Value = i64;
    const KIND: ParamKind = ParamKind::Duration;
    fn parse(text: &str) -> Option<i64> {
        faultline_model::time::parse_duration(text)
    }
}

/// A boolean as YAML 1.1 (and Kubernetes) reads one: `true`, `false`, `yes`, `off`, ….
#[derive(Debug)]
pub enum Bool {}

impl ParamType for Bool {
    type Value = bool;
    const KIND: ParamKind = ParamKind::Bool;
    fn parse(text: &str) -> Option<bool> {
        match resolve_plain(text.trim()) {
            Resolved::Bool(b) => Some(b),
            _ => None,
        }
    }
}

/// A comma-separated list of words (`Secret, ConfigMap`), each trimmed, empty ones dropped.
#[derive(Debug)]
pub enum List {}

impl ParamType for List {
    type Value = Vec<String>;
    const KIND: ParamKind = ParamKind::List;
    fn parse(text: &str) -> Option<Vec<String>> {
        Some(
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }
}

/// A Pod Security Standards level: `privileged`, `baseline` or `restricted`.
#[derive(Debug)]
pub enum PodSecurityLevel {}

impl ParamType for PodSecurityLevel {
    type Value = faultline_model::pod_security::Level;
    const KIND: ParamKind = ParamKind::PodSecurityLevel;
    fn parse(text: &str) -> Option<Self::Value> {
        faultline_model::pod_security::Level::parse(text.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_as_their_type() {
        assert_eq!(Integer::parse(" 30 "), Some(30));
        assert_eq!(Integer::parse("0x10"), Some(16));
        assert_eq!(Integer::parse("-1"), None);
        assert_eq!(Integer::parse("ten"), None);
        assert_eq!(Duration::parse("1h30m"), Some(5400));
        assert_eq!(Duration::parse("90"), Some(90));
        assert_eq!(Duration::parse("soon"), None);
        assert_eq!(Bool::parse("false"), Some(false));
        assert_eq!(Bool::parse("off"), Some(false));
        assert_eq!(Bool::parse("True"), Some(true));
        assert_eq!(Bool::parse("maybe"), None);
        assert_eq!(
            List::parse(" Secret, ,ConfigMap "),
            Some(vec!["Secret".to_owned(), "ConfigMap".to_owned()])
        );
        assert_eq!(List::parse(""), Some(Vec::new()));
        assert_eq!(
            PodSecurityLevel::parse(" restricted"),
            Some(faultline_model::pod_security::Level::Restricted)
        );
        assert_eq!(PodSecurityLevel::parse("Restricted"), None);
    }
}
