//! How a run is configured: the command line and `.faultline.yaml` merged into [`Settings`],
//! with the exemptions the configuration declares.

use std::collections::{BTreeMap, BTreeSet};

use faultline_diagnostics::{Diagnostic, Severity};
use faultline_graph::netpol::NetOptions;
use faultline_model::time::Timestamp;
use globset::GlobMatcher;

use crate::api_versions::KubeVersion;
use crate::params::{ParamType, RuleMeta};

/// How a run is configured: the command line and `.faultline.yaml` merged.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The Kubernetes version manifests will be applied to.
    pub kube_version: KubeVersion,
    /// Rule id → parameter → value.
    pub params: BTreeMap<String, BTreeMap<String, String>>,
    /// Rule id → severity that replaces the default.
    pub severity: BTreeMap<String, Severity>,
    /// Rules switched off.
    pub disabled: BTreeSet<String>,
    /// When set, only these rules run (`--rule`).
    pub only: Option<BTreeSet<String>>,
    pub exemptions: Vec<Exemption>,
    /// The input is declared complete (`--complete`, `complete: true`): an object it does not
    /// contain does not exist.
    pub complete: bool,
    /// How NetworkPolicies are evaluated where CNIs differ.
    pub network: NetOptions,
    /// "Now" for judging a snapshot (`--now`); `None`: the latest time the input records.
    pub now: Option<Timestamp>,
    /// The custom rules of `.faultline.yaml` (`customRules:`), compiled.
    pub custom: Option<&'static crate::custom::CustomRules>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            kube_version: KubeVersion {
                major: 1,
                minor: 32,
            },
            params: BTreeMap::new(),
            severity: BTreeMap::new(),
            disabled: BTreeSet::new(),
            only: None,
            exemptions: Vec::new(),
            complete: false,
            network: NetOptions::default(),
            now: None,
            custom: None,
        }
    }
}

impl Settings {
    pub fn is_enabled(&self, id: &str) -> bool {
        !self.disabled.contains(id) && self.only.as_ref().is_none_or(|only| only.contains(id))
    }

    /// The custom rule with id `id`, if the configuration declares one.
    pub fn custom_rule(&self, id: &str) -> Option<&'static crate::custom::CustomRule> {
        self.custom.and_then(|c| c.find(id))
    }

    /// Whether `id` names a rule of this run: a built-in rule or a custom rule.
    pub fn knows_rule(&self, id: &str) -> bool {
        crate::registry::find(id).is_some() || self.custom_rule(id).is_some()
    }

    pub fn severity_override(&self, id: &str) -> Option<Severity> {
        self.severity.get(id).copied()
    }

    pub fn is_exempt(&self, diag: &Diagnostic) -> bool {
        self.exemptions.iter().any(|e| e.matches(diag))
    }
}

/// Switches a rule off for objects matched by kind, namespace and name (globs), for
/// third-party charts that cannot carry annotations.
#[derive(Clone, Debug)]
pub struct Exemption {
    pub rule: GlobMatcher,
    pub kind: Option<String>,
    pub namespace: Option<GlobMatcher>,
    pub name: Option<GlobMatcher>,
}

impl Exemption {
    pub fn matches(&self, diag: &Diagnostic) -> bool {
        if !self.rule.is_match(diag.rule) {
            return false;
        }
        let Some(obj) = &diag.object else {
            // An exemption that names an object never matches findings about no object.
            return self.kind.is_none() && self.namespace.is_none() && self.name.is_none();
        };
        self.kind.as_ref().is_none_or(|k| *k == obj.kind)
            && self
                .namespace
                .as_ref()
                .is_none_or(|g| g.is_match(obj.namespace.as_deref().unwrap_or("")))
            && self.name.as_ref().is_none_or(|g| g.is_match(&obj.name))
    }
}

/// The typed parameters of one rule: the `Params` struct [`declare_rule!`](crate::declare_rule)
/// generates in the rule's module.
pub trait RuleParams: Send + Sync + Sized + 'static {
    /// The rule they belong to.
    const META: &'static RuleMeta;

    /// Reads every parameter from `settings`.
    fn read(settings: &Settings) -> Self;
}

/// The value of the parameter `name` of the rule `rule` in `settings`, else `default`. A
/// configured value that does not parse also gives the default: `.faultline.yaml` is checked
/// when it is read, so only settings built by hand can hold one. Used by the code
/// [`declare_rule!`](crate::declare_rule) generates.
///
/// # Panics
/// When `default` is not a value of the type (a test checks every declaration).
#[doc(hidden)]
pub fn value<T: ParamType>(settings: &Settings, rule: &str, name: &str, default: &str) -> T::Value {
    settings
        .params
        .get(rule)
        .and_then(|p| p.get(name))
        .and_then(|v| T::parse(v))
        .or_else(|| T::parse(default))
        .unwrap_or_else(|| {
            panic!(
                "rule `{rule}`: the default `{default}` of `{name}` is not {}",
                T::KIND.expected()
            )
        })
}

#[cfg(test)]
mod param_tests {
    use super::*;
    use crate::params::Integer;

    #[test]
    fn a_configured_value_wins_and_a_bad_one_falls_back_to_the_default() {
        let mut settings = Settings::default();
        assert_eq!(value::<Integer>(&settings, "r", "n", "5"), 5);
        settings
            .params
            .entry("r".to_owned())
            .or_default()
            .insert("n".to_owned(), "7".to_owned());
        assert_eq!(value::<Integer>(&settings, "r", "n", "5"), 7);
        settings
            .params
            .entry("r".to_owned())
            .or_default()
            .insert("n".to_owned(), "seven".to_owned());
        assert_eq!(value::<Integer>(&settings, "r", "n", "5"), 5);
    }
}
