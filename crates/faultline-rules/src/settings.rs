//! How a run is configured: the command line and `.faultline.yaml` merged into [`Settings`],
//! with the exemptions the configuration declares.

use std::collections::{BTreeMap, BTreeSet};

use faultline_diagnostics::{Diagnostic, Severity};
use faultline_graph::netpol::NetOptions;
use faultline_model::time::Timestamp;
use globset::GlobMatcher;

use crate::api_versions::KubeVersion;

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
