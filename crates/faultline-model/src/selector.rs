//! Labels, label selectors and their validation, with the semantics of
//! `metav1.LabelSelector`, `LabelSelectorAsSelector` and `labels.Requirement`
//! in `k8s.io/apimachinery`, and the label syntax of
//! `k8s.io/apimachinery/pkg/api/validate/content` (`IsLabelKey`,
//! `IsLabelValue`).
//!
//! Selector evaluation belongs in one place (the graph crate calls
//! [`LabelSelector::matches`]); rules should not re-implement it.

use std::collections::BTreeMap;
use std::fmt;

/// An object's labels. Sorted so that iteration, and therefore any output
/// built from it, is deterministic.
pub type Labels = BTreeMap<String, String>;

/// Labels borrowed from the input, for sets kept per pod (see [`LabelSet`]).
pub type LabelRefs<'a> = BTreeMap<&'a str, &'a str>;

/// A set of labels a selector can be evaluated against: owned ([`Labels`]) or borrowed from
/// the input ([`LabelRefs`]).
pub trait LabelSet {
    /// The value of `key`, if the set has it.
    fn label(&self, key: &str) -> Option<&str>;
}

impl LabelSet for Labels {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl LabelSet for LabelRefs<'_> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).copied()
    }
}

impl<T: LabelSet + ?Sized> LabelSet for &T {
    fn label(&self, key: &str) -> Option<&str> {
        (**self).label(key)
    }
}

const LABEL_NAME_MAX: usize = 63;
const LABEL_VALUE_MAX: usize = 63;
const DNS1123_SUBDOMAIN_MAX: usize = 253;

/// A `matchExpressions` operator, kept as written so that an unknown one
/// (`in`, `Equals`) can be reported instead of silently matching nothing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Operator {
    /// The label exists and its value is one of `values`.
    In,
    /// The label is absent, or present with a value not in `values`.
    NotIn,
    /// The label exists, whatever its value.
    Exists,
    /// The label is absent.
    DoesNotExist,
    /// Anything else; the API server rejects the object.
    Unknown(String),
}

impl Operator {
    /// Reads an operator; names are case-sensitive, as in Kubernetes.
    pub fn parse(s: &str) -> Operator {
        match s {
            "In" => Self::In,
            "NotIn" => Self::NotIn,
            "Exists" => Self::Exists,
            "DoesNotExist" => Self::DoesNotExist,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// The operator as written in a manifest.
    pub fn as_str(&self) -> &str {
        match self {
            Self::In => "In",
            Self::NotIn => "NotIn",
            Self::Exists => "Exists",
            Self::DoesNotExist => "DoesNotExist",
            Self::Unknown(s) => s,
        }
    }
}

impl From<&str> for Operator {
    fn from(s: &str) -> Operator {
        Operator::parse(s)
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `matchExpressions` entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Requirement {
    /// The label key the expression tests.
    pub key: String,
    /// How the key is tested.
    pub op: Operator,
    /// The values for `In`/`NotIn`; must be empty for the other operators.
    pub values: Vec<String>,
}

impl Requirement {
    /// Whether `labels` satisfy this expression, as `labels.Requirement.Matches`
    /// decides. `NotIn` matches when the key is absent. An unknown operator
    /// never matches; [`LabelSelector::validate`] reports it.
    pub fn matches<L: LabelSet + ?Sized>(&self, labels: &L) -> bool {
        let value = labels.label(&self.key);
        match self.op {
            Operator::In => value.is_some_and(|v| self.values.iter().any(|w| w == v)),
            Operator::NotIn => value.is_none_or(|v| !self.values.iter().any(|w| w == v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
            Operator::Unknown(_) => false,
        }
    }
}

/// Prints the `kubectl -l` form: `tier in (api,web)`, `tier notin (db)`,
/// `tier`, `!tier`.
impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.op {
            Operator::In => write!(f, "{} in ({})", self.key, self.values.join(",")),
            Operator::NotIn => write!(f, "{} notin ({})", self.key, self.values.join(",")),
            Operator::Exists => f.write_str(&self.key),
            Operator::DoesNotExist => write!(f, "!{}", self.key),
            Operator::Unknown(op) => write!(f, "{} {op} ({})", self.key, self.values.join(",")),
        }
    }
}

/// A `metav1.LabelSelector` as written (`matchLabels` in document order).
///
/// This type cannot be nil: an absent selector is `None` at the caller, and
/// what nil and `{}` mean depends on the field, see [`SelectorSemantics`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct LabelSelector {
    /// `matchLabels` entries; each is an equality requirement.
    pub match_labels: Vec<(String, String)>,
    /// `matchExpressions` entries.
    pub match_expressions: Vec<Requirement>,
}

impl LabelSelector {
    /// Whether this is `{}` (no `matchLabels`, no `matchExpressions`), which
    /// `LabelSelectorAsSelector` turns into "everything".
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// Whether `labels` satisfy every `matchLabels` entry and every
    /// expression. The empty selector matches everything; callers must first
    /// consult [`SelectorSemantics`] for fields where `{}` means otherwise.
    pub fn matches<L: LabelSet + ?Sized>(&self, labels: &L) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.label(k) == Some(v.as_str()))
            && self.match_expressions.iter().all(|r| r.matches(labels))
    }

    /// What the API server rejects in this selector (metav1 validation of
    /// `matchLabels` keys and values, and of each expression's operator,
    /// value count, key and values), in document order. An empty list means
    /// the server accepts it.
    pub fn validate(&self) -> Vec<SelectorError> {
        let mut errors = Vec::new();
        let mut push = |field, kind| errors.push(SelectorError { field, kind });
        for (i, (key, value)) in self.match_labels.iter().enumerate() {
            if let Err(reason) = validate_label_key(key) {
                let key = key.clone();
                push(
                    SelectorField::MatchLabelKey(i),
                    SelectorErrorKind::InvalidKey { key, reason },
                );
            }
            if let Err(reason) = validate_label_value(value) {
                let value = value.clone();
                push(
                    SelectorField::MatchLabelValue(i),
                    SelectorErrorKind::InvalidValue { value, reason },
                );
            }
        }
        for (i, req) in self.match_expressions.iter().enumerate() {
            match &req.op {
                Operator::In | Operator::NotIn if req.values.is_empty() => push(
                    SelectorField::ExpressionValues(i),
                    SelectorErrorKind::ValuesRequired(req.op.clone()),
                ),
                Operator::Exists | Operator::DoesNotExist if !req.values.is_empty() => push(
                    SelectorField::ExpressionValues(i),
                    SelectorErrorKind::ValuesForbidden(req.op.clone()),
                ),
                Operator::Unknown(op) => push(
                    SelectorField::ExpressionOperator(i),
                    SelectorErrorKind::UnknownOperator(op.clone()),
                ),
                _ => {}
            }
            if let Err(reason) = validate_label_key(&req.key) {
                let key = req.key.clone();
                push(
                    SelectorField::ExpressionKey(i),
                    SelectorErrorKind::InvalidKey { key, reason },
                );
            }
            for (j, value) in req.values.iter().enumerate() {
                if let Err(reason) = validate_label_value(value) {
                    let value = value.clone();
                    push(
                        SelectorField::ExpressionValue {
                            expression: i,
                            value: j,
                        },
                        SelectorErrorKind::InvalidValue { value, reason },
                    );
                }
            }
        }
        errors
    }
}

/// Prints the `kubectl -l` form (`app=web,tier in (api)`), requirements in
/// document order; the empty selector prints as `{}`, the way users write it.
impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("{}");
        }
        let labels = self.match_labels.iter().map(|(k, v)| format!("{k}={v}"));
        let exprs = self.match_expressions.iter().map(Requirement::to_string);
        f.write_str(&labels.chain(exprs).collect::<Vec<_>>().join(","))
    }
}

/// How many of the selector's requirements `labels` fail, counting each
/// `matchLabels` entry and each expression as one requirement.
///
/// Zero exactly when [`LabelSelector::matches`] is true. Used to pick the
/// "closest" non-matching candidate for a message (the pod template that
/// misses by one label rather than by five); it is not a metric on labels,
/// so ties are for the caller to break deterministically.
pub fn label_distance<L: LabelSet + ?Sized>(selector: &LabelSelector, labels: &L) -> usize {
    let labels_failed = selector
        .match_labels
        .iter()
        .filter(|(k, v)| labels.label(k) != Some(v.as_str()))
        .count();
    let exprs_failed = selector
        .match_expressions
        .iter()
        .filter(|r| !r.matches(labels))
        .count();
    labels_failed + exprs_failed
}

/// Checks a label key like `IsLabelKey`: an optional lowercase DNS-1123
/// subdomain prefix (at most 253 bytes) and `/`, then a name of at most 63
/// bytes matching `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`.
///
/// The error is the reason alone (lowercase, several joined by `; `), meant
/// to follow "invalid label key `…`: ".
pub fn validate_label_key(key: &str) -> Result<(), String> {
    let mut reasons = Vec::new();
    let name = match key.split_once('/') {
        None => key,
        Some((_, name)) if name.contains('/') => {
            return Err(
                "must be a name with an optional DNS subdomain prefix and a single `/` \
                 (e.g. `example.com/name`)"
                    .to_owned(),
            );
        }
        Some((prefix, name)) => {
            if prefix.is_empty() {
                reasons.push("prefix must not be empty".to_owned());
            } else {
                if prefix.len() > DNS1123_SUBDOMAIN_MAX {
                    reasons.push(format!(
                        "prefix must be no more than {DNS1123_SUBDOMAIN_MAX} characters"
                    ));
                }
                if !is_dns1123_subdomain(prefix) {
                    reasons.push(
                        "prefix must be a lowercase DNS subdomain: lowercase alphanumerics, \
                         `-` or `.`, starting and ending with an alphanumeric"
                            .to_owned(),
                    );
                }
            }
            name
        }
    };
    if name.is_empty() {
        reasons.push("name must not be empty".to_owned());
    } else {
        if name.len() > LABEL_NAME_MAX {
            reasons.push(format!(
                "name must be no more than {LABEL_NAME_MAX} characters"
            ));
        }
        if !is_label_token(name) {
            reasons.push(
                "name must consist of alphanumerics, `-`, `_` or `.`, \
                 starting and ending with an alphanumeric"
                    .to_owned(),
            );
        }
    }
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(reasons.join("; "))
    }
}

/// Checks a label value like `IsLabelValue`: empty, or at most 63 bytes
/// matching `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`.
///
/// The error is the reason alone, meant to follow "invalid label value `…`: ".
pub fn validate_label_value(value: &str) -> Result<(), String> {
    let mut reasons = Vec::new();
    if value.len() > LABEL_VALUE_MAX {
        reasons.push(format!("must be no more than {LABEL_VALUE_MAX} characters"));
    }
    if !value.is_empty() && !is_label_token(value) {
        reasons.push(
            "must be empty or consist of alphanumerics, `-`, `_` or `.`, \
             starting and ending with an alphanumeric"
                .to_owned(),
        );
    }
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(reasons.join("; "))
    }
}

/// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`
fn is_label_token(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*`
fn is_dns1123_subdomain(s: &str) -> bool {
    let lower_alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    s.split('.').all(|part| {
        let b = part.as_bytes();
        match (b.first(), b.last()) {
            (Some(first), Some(last)) => {
                lower_alnum(first)
                    && lower_alnum(last)
                    && b.iter().all(|c| lower_alnum(c) || *c == b'-')
            }
            _ => false,
        }
    })
}

/// Which part of a selector an error is about, by index in document order,
/// so that callers can point at the offending node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SelectorField {
    /// The key of the n-th `matchLabels` entry.
    MatchLabelKey(usize),
    /// The value of the n-th `matchLabels` entry.
    MatchLabelValue(usize),
    /// `matchExpressions[n].key`.
    ExpressionKey(usize),
    /// `matchExpressions[n].operator`.
    ExpressionOperator(usize),
    /// `matchExpressions[n].values` as a whole (wrong count).
    ExpressionValues(usize),
    /// `matchExpressions[expression].values[value]`.
    ExpressionValue {
        /// Index of the expression.
        expression: usize,
        /// Index of the value within it.
        value: usize,
    },
}

/// What is wrong with a selector.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SelectorErrorKind {
    /// A key that is not a valid label key; `reason` is from
    /// [`validate_label_key`].
    InvalidKey {
        /// The key as written.
        key: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A value that is not a valid label value; `reason` is from
    /// [`validate_label_value`].
    InvalidValue {
        /// The value as written.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
    /// `In`/`NotIn` with no values, which could never be satisfied (`In`) or
    /// always would be (`NotIn`); the server rejects both.
    ValuesRequired(Operator),
    /// `Exists`/`DoesNotExist` with values, which the server rejects rather
    /// than ignore.
    ValuesForbidden(Operator),
    /// An operator that is not `In`, `NotIn`, `Exists` or `DoesNotExist`.
    UnknownOperator(String),
}

/// A problem the API server would reject a selector for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SelectorError {
    /// Where in the selector.
    pub field: SelectorField,
    /// What is wrong.
    pub kind: SelectorErrorKind,
}

impl fmt::Display for SelectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            SelectorErrorKind::InvalidKey { key, reason } => {
                write!(f, "invalid label key `{key}`: {reason}")
            }
            SelectorErrorKind::InvalidValue { value, reason } => {
                write!(f, "invalid label value `{value}`: {reason}")
            }
            SelectorErrorKind::ValuesRequired(op) => {
                write!(f, "operator `{op}` requires at least one value")
            }
            SelectorErrorKind::ValuesForbidden(op) => {
                write!(f, "operator `{op}` must not have values")
            }
            SelectorErrorKind::UnknownOperator(op) => write!(
                f,
                "unknown operator `{op}`; expected `In`, `NotIn`, `Exists` or `DoesNotExist`"
            ),
        }
    }
}

impl std::error::Error for SelectorError {}

/// What a selector field selects once nil and `{}` are accounted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Selection {
    /// No candidates at all.
    Nothing,
    /// Every candidate in scope (all pods of the namespace, or all
    /// namespaces for a namespace selector).
    Everything,
    /// Only the object's own namespace (a NetworkPolicy peer without a
    /// `namespaceSelector`).
    OwnNamespace,
    /// The API server rejects the object.
    Invalid,
    /// The candidates [`LabelSelector::matches`] accepts.
    ByLabels,
}

/// The selector-bearing fields whose nil and empty cases differ, with the
/// meaning the API defines for each. Plain-label matching is the same
/// everywhere; only these edge cases vary, and getting them wrong turns
/// "selects everything" into "selects nothing".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SelectorSemantics {
    /// Service `spec.selector` (a plain map, equality only): nil or empty
    /// means the Service manages no endpoints (they come from elsewhere).
    ServiceSelector,
    /// NetworkPolicy `spec.podSelector`: `{}` selects every pod in the
    /// policy's namespace; the field is a struct, so omitting it means `{}`.
    NetworkPolicyPodSelector,
    /// NetworkPolicy peer `podSelector`: nil or `{}` means every pod in the
    /// namespaces the peer's `namespaceSelector` picks (a peer with neither
    /// selector nor `ipBlock` is invalid, which this field alone cannot see).
    NetworkPolicyPeerPodSelector,
    /// NetworkPolicy peer `namespaceSelector`: nil means the policy's own
    /// namespace, `{}` means every namespace.
    NetworkPolicyPeerNamespaceSelector,
    /// PodDisruptionBudget `spec.selector` in `policy/v1`: nil selects no
    /// pods, `{}` selects every pod in the namespace.
    PodDisruptionBudget,
    /// PodDisruptionBudget `spec.selector` in `policy/v1beta1` (removed in
    /// 1.25): nil and `{}` both select no pods.
    PodDisruptionBudgetV1beta1,
    /// Deployment, ReplicaSet, StatefulSet and DaemonSet (`apps/v1`)
    /// `spec.selector`: required and must be non-empty.
    WorkloadSelector,
}

impl SelectorSemantics {
    /// What the field selects when it is absent (or `null`).
    pub fn when_nil(self) -> Selection {
        match self {
            Self::ServiceSelector
            | Self::PodDisruptionBudget
            | Self::PodDisruptionBudgetV1beta1 => Selection::Nothing,
            Self::NetworkPolicyPodSelector | Self::NetworkPolicyPeerPodSelector => {
                Selection::Everything
            }
            Self::NetworkPolicyPeerNamespaceSelector => Selection::OwnNamespace,
            Self::WorkloadSelector => Selection::Invalid,
        }
    }

    /// What the field selects when it is present but empty (`{}`).
    pub fn when_empty(self) -> Selection {
        match self {
            Self::ServiceSelector | Self::PodDisruptionBudgetV1beta1 => Selection::Nothing,
            Self::NetworkPolicyPodSelector
            | Self::NetworkPolicyPeerPodSelector
            | Self::NetworkPolicyPeerNamespaceSelector
            | Self::PodDisruptionBudget => Selection::Everything,
            Self::WorkloadSelector => Selection::Invalid,
        }
    }

    /// Combines the two cases: [`Selection::ByLabels`] for a non-empty
    /// selector, which may still be malformed ([`LabelSelector::validate`]).
    pub fn resolve(self, selector: Option<&LabelSelector>) -> Selection {
        match selector {
            None => self.when_nil(),
            Some(s) if s.is_empty() => self.when_empty(),
            Some(_) => Selection::ByLabels,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn req(key: &str, op: &str, values: &[&str]) -> Requirement {
        Requirement {
            key: key.to_owned(),
            op: Operator::parse(op),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        }
    }

    fn sel(match_labels: &[(&str, &str)], match_expressions: Vec<Requirement>) -> LabelSelector {
        LabelSelector {
            match_labels: match_labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            match_expressions,
        }
    }

    fn messages(s: &LabelSelector) -> Vec<String> {
        s.validate().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn empty_selector_matches_everything() {
        let s = LabelSelector::default();
        assert!(s.is_empty());
        assert!(s.matches(&Labels::new()));
        assert!(s.matches(&labels(&[("app", "web")])));
        assert_eq!(label_distance(&s, &Labels::new()), 0);
    }

    #[test]
    fn match_labels_are_anded() {
        let s = sel(&[("app", "web"), ("tier", "front")], vec![]);
        assert!(s.matches(&labels(&[("app", "web"), ("tier", "front"), ("x", "y")])));
        assert!(!s.matches(&labels(&[("app", "web")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("tier", "back")])));
    }

    #[test]
    fn empty_match_label_value_requires_present_empty_label() {
        let s = sel(&[("canary", "")], vec![]);
        assert!(s.matches(&labels(&[("canary", "")])));
        assert!(!s.matches(&Labels::new()));
        assert!(!s.matches(&labels(&[("canary", "true")])));
        assert!(s.validate().is_empty());
    }

    #[test]
    fn in_requires_key_present_with_listed_value() {
        let r = req("env", "In", &["prod", "staging"]);
        assert!(r.matches(&labels(&[("env", "prod")])));
        assert!(!r.matches(&labels(&[("env", "dev")])));
        assert!(!r.matches(&Labels::new()));
    }

    #[test]
    fn not_in_matches_when_key_missing() {
        let r = req("env", "NotIn", &["prod"]);
        assert!(r.matches(&Labels::new()));
        assert!(r.matches(&labels(&[("env", "dev")])));
        assert!(!r.matches(&labels(&[("env", "prod")])));
    }

    #[test]
    fn exists_and_does_not_exist_ignore_value() {
        let exists = req("gpu", "Exists", &[]);
        let absent = req("gpu", "DoesNotExist", &[]);
        for l in [labels(&[("gpu", "")]), labels(&[("gpu", "a100")])] {
            assert!(exists.matches(&l));
            assert!(!absent.matches(&l));
        }
        assert!(!exists.matches(&Labels::new()));
        assert!(absent.matches(&Labels::new()));
    }

    #[test]
    fn unknown_operator_never_matches_and_is_reported() {
        let s = sel(&[], vec![req("app", "in", &["web"])]);
        assert_eq!(s.match_expressions[0].op, Operator::Unknown("in".into()));
        assert!(!s.matches(&labels(&[("app", "web")])));
        assert_eq!(
            messages(&s),
            ["unknown operator `in`; expected `In`, `NotIn`, `Exists` or `DoesNotExist`"]
        );
        assert_eq!(s.validate()[0].field, SelectorField::ExpressionOperator(0));
    }

    #[test]
    fn labels_and_expressions_combine() {
        let s = sel(
            &[("app.kubernetes.io/name", "api")],
            vec![
                req("track", "NotIn", &["canary"]),
                req("team", "Exists", &[]),
            ],
        );
        let good = labels(&[("app.kubernetes.io/name", "api"), ("team", "a")]);
        assert!(s.matches(&good));
        assert_eq!(label_distance(&s, &good), 0);
        let canary = labels(&[
            ("app.kubernetes.io/name", "api"),
            ("team", "a"),
            ("track", "canary"),
        ]);
        assert!(!s.matches(&canary));
        assert_eq!(label_distance(&s, &canary), 1);
        assert_eq!(label_distance(&s, &Labels::new()), 2);
        assert_eq!(label_distance(&s, &labels(&[("track", "canary")])), 3);
        assert!(s.validate().is_empty());
    }

    #[test]
    fn distance_is_zero_exactly_when_matching() {
        let s = sel(&[("a", "1"), ("b", "2")], vec![req("c", "In", &["3"])]);
        let candidates = [
            labels(&[]),
            labels(&[("a", "1")]),
            labels(&[("a", "1"), ("b", "2")]),
            labels(&[("a", "1"), ("b", "2"), ("c", "3")]),
            labels(&[("a", "9"), ("b", "2"), ("c", "3")]),
        ];
        let distances: Vec<_> = candidates.iter().map(|l| label_distance(&s, l)).collect();
        assert_eq!(distances, [3, 2, 1, 0, 1]);
        for l in &candidates {
            assert_eq!(s.matches(l), label_distance(&s, l) == 0);
        }
    }

    #[test]
    fn value_count_rules() {
        let s = sel(
            &[],
            vec![
                req("a", "In", &[]),
                req("b", "NotIn", &[]),
                req("c", "Exists", &["x"]),
                req("d", "DoesNotExist", &["x"]),
            ],
        );
        assert_eq!(
            messages(&s),
            [
                "operator `In` requires at least one value",
                "operator `NotIn` requires at least one value",
                "operator `Exists` must not have values",
                "operator `DoesNotExist` must not have values",
            ]
        );
        assert_eq!(s.validate()[2].field, SelectorField::ExpressionValues(2));
    }

    #[test]
    fn invalid_keys_and_values_are_located() {
        let s = sel(
            &[("Bad Key", "ok"), ("app", "-bad")],
            vec![req("tier", "In", &["fine", "not fine"])],
        );
        let errors = s.validate();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                SelectorField::MatchLabelKey(0),
                SelectorField::MatchLabelValue(1),
                SelectorField::ExpressionValue {
                    expression: 0,
                    value: 1
                },
            ]
        );
        assert!(
            errors[0]
                .to_string()
                .starts_with("invalid label key `Bad Key`: name must")
        );
        assert!(
            errors[2]
                .to_string()
                .starts_with("invalid label value `not fine`: must be empty or")
        );
    }

    #[test]
    fn label_keys() {
        let name63 = "a".repeat(63);
        let prefix253 = format!("{}.{}", "a".repeat(126), "b".repeat(126));
        let longest = format!("{prefix253}/{name63}");
        let valid = [
            "app",
            "app.kubernetes.io/name",
            "kubernetes.io/os",
            "MyName",
            "my.name",
            "123-abc",
            "a_b",
            "x",
            name63.as_str(),
            longest.as_str(),
            "example.com/Name_1",
        ];
        for k in valid {
            assert_eq!(validate_label_key(k), Ok(()), "{k}");
        }
        let invalid = [
            "",
            "/name",
            "example.com/",
            "a/b/c",
            "-app",
            "app-",
            "app_",
            ".app",
            "ap p",
            "app:x",
            "Example.com/name",
            "example_com/name",
            "example..com/name",
            "-example.com/name",
            "example.com-/name",
            "café",
            "app\n",
        ];
        for k in invalid {
            assert!(validate_label_key(k).is_err(), "{k:?}");
        }
        assert_eq!(
            validate_label_key(&"a".repeat(64)),
            Err("name must be no more than 63 characters".into())
        );
        assert_eq!(
            validate_label_key(&format!("{}/a", "a".repeat(254))),
            Err("prefix must be no more than 253 characters".into())
        );
        assert_eq!(
            validate_label_key("/"),
            Err("prefix must not be empty; name must not be empty".into())
        );
        assert!(
            validate_label_key("a/b/c")
                .unwrap_err()
                .contains("single `/`")
        );
    }

    #[test]
    fn label_values() {
        let longest = "z".repeat(63);
        for v in ["", "a", "web", "v1.2.3", "A_b-C.d", longest.as_str()] {
            assert_eq!(validate_label_value(v), Ok(()), "{v}");
        }
        for v in ["-a", "a-", "_a", "a.", "a b", "a/b", "ä"] {
            assert!(validate_label_value(v).is_err(), "{v:?}");
        }
        assert_eq!(
            validate_label_value(&"z".repeat(64)),
            Err("must be no more than 63 characters".into())
        );
    }

    #[test]
    fn sixty_four_char_key_in_selector_is_rejected() {
        let long = "k".repeat(64);
        let s = sel(&[(long.as_str(), "v")], vec![req(&long, "Exists", &[])]);
        let fields: Vec<_> = s.validate().iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                SelectorField::MatchLabelKey(0),
                SelectorField::ExpressionKey(0)
            ]
        );
    }

    #[test]
    fn operator_round_trips_text() {
        for op in ["In", "NotIn", "Exists", "DoesNotExist", "Equals", "in"] {
            assert_eq!(Operator::parse(op).as_str(), op);
            assert_eq!(Operator::from(op).to_string(), op);
        }
        assert_eq!(
            Operator::parse("exists"),
            Operator::Unknown("exists".into())
        );
    }

    #[test]
    fn display_uses_kubectl_syntax() {
        let s = sel(
            &[("app", "web")],
            vec![
                req("tier", "In", &["api", "web"]),
                req("track", "NotIn", &["canary"]),
                req("team", "Exists", &[]),
                req("legacy", "DoesNotExist", &[]),
            ],
        );
        assert_eq!(
            s.to_string(),
            "app=web,tier in (api,web),track notin (canary),team,!legacy"
        );
        assert_eq!(LabelSelector::default().to_string(), "{}");
    }

    #[test]
    fn nil_and_empty_semantics_per_field() {
        use Selection::*;
        use SelectorSemantics::*;
        let table = [
            (ServiceSelector, Nothing, Nothing),
            (NetworkPolicyPodSelector, Everything, Everything),
            (NetworkPolicyPeerPodSelector, Everything, Everything),
            (NetworkPolicyPeerNamespaceSelector, OwnNamespace, Everything),
            (PodDisruptionBudget, Nothing, Everything),
            (PodDisruptionBudgetV1beta1, Nothing, Nothing),
            (WorkloadSelector, Invalid, Invalid),
        ];
        let empty = LabelSelector::default();
        let some = sel(&[("app", "web")], vec![]);
        for (semantics, nil, on_empty) in table {
            assert_eq!(semantics.when_nil(), nil, "{semantics:?}");
            assert_eq!(semantics.when_empty(), on_empty, "{semantics:?}");
            assert_eq!(semantics.resolve(None), nil);
            assert_eq!(semantics.resolve(Some(&empty)), on_empty);
            assert_eq!(semantics.resolve(Some(&some)), ByLabels);
        }
    }
}
