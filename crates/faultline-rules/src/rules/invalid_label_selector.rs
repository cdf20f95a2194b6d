use faultline_model::Object;
use faultline_model::selectors::selector_sites;

use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports label selectors the API server rejects: invalid label keys or values, an
    /// `In`/`NotIn` expression without values, `Exists`/`DoesNotExist` with values, unknown
    /// operators, and selectors of the wrong shape. Checked in Services, workloads, Jobs,
    /// PodDisruptionBudgets and NetworkPolicies (pod, peer pod and peer namespace selectors).
    ///
    /// ## Why it matters
    /// The apply fails, or, in tools that swallow the error, the selector is treated as
    /// matching nothing and a policy or budget silently does nothing. faultline reports the
    /// selector once here; no other rule then guesses what it meant.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: allow-frontend
    /// spec:
    ///   podSelector:
    ///     matchExpressions:
    ///       - key: app
    ///         operator: In
    ///   ingress:
    ///     - from:
    ///         - podSelector:
    ///             matchLabels:
    ///               app: front end
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: allow-frontend
    /// spec:
    ///   podSelector:
    ///     matchExpressions:
    ///       - key: app
    ///         operator: In
    ///         values: [backend]
    ///   ingress:
    ///     - from:
    ///         - podSelector:
    ///             matchLabels:
    ///               app: front-end
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Labels and selectors: <https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/>
    pub struct InvalidLabelSelector {
        id: "invalid-label-selector",
        category: Syntax,
        severity: Error,
        summary: "a label selector is malformed and the API server rejects it",
        params: [],
    }
}

impl Rule for InvalidLabelSelector {
    fn check_object(&self, _cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        for site in selector_sites(obj) {
            for (range, problem) in site.parse().problems {
                // `app: {{name}}`: an unrendered template (`unrendered-template` says so).
                if crate::schema::placeholder_at(obj, range) {
                    continue;
                }
                out.report(obj, range, format!("invalid selector in `{}`: {problem}", site.field))
                    .help("write label keys and values as the API requires (at most 63 characters of letters, digits, `-`, `_` and `.`, starting and ending alphanumeric), and give `In`/`NotIn` at least one value");
            }
        }
    }
}
