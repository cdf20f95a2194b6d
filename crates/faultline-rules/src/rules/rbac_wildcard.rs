use faultline_diagnostics::Severity;
use faultline_model::Object;

use crate::security::{is_default_rbac, is_role, policy_rules};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports Role and ClusterRole rules that grant `*`: every verb or every resource is a
    /// **warning**, at the first `*`; `apiGroups: ["*"]` with named verbs and resources is
    /// **information** (the resources of every API group of that name, including those of
    /// CRDs installed later). `nonResourceURLs` are not checked. Not reported: the API
    /// server's own roles (`system:` names, label `kubernetes.io/bootstrapping:
    /// rbac-defaults`, such as `cluster-admin` in a cluster export) and aggregated
    /// ClusterRoles (`aggregationRule`), whose rules are copied from the roles they
    /// aggregate, which are checked themselves. A binding that hands `*` on `*` to a
    /// ServiceAccount or to everyone is reported by `rbac-cluster-admin-binding`.
    ///
    /// ## Why it matters
    /// A wildcard grants more than anyone reviewed: `verbs: ["*"]` includes `delete`,
    /// `escalate`, `bind` and `impersonate`; `resources: ["*"]` includes Secrets,
    /// `pods/exec` and every custom resource added in the future. Listing what the program
    /// needs keeps a compromised workload from becoming a compromised cluster.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: operator
    /// rules:
    ///   - apiGroups: ["apps"]
    ///     resources: ["*"]
    ///     verbs: ["*"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: operator
    /// rules:
    ///   - apiGroups: ["apps"]
    ///     resources: ["deployments"]
    ///     verbs: ["get", "list", "watch", "update", "patch"]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - RBAC good practices (avoid wildcards): <https://kubernetes.io/docs/concepts/security/rbac-good-practices/#least-privilege>
    /// - Using RBAC authorization: <https://kubernetes.io/docs/reference/access-authn-authz/rbac/>
    pub struct RbacWildcard {
        id: "rbac-wildcard",
        category: Security,
        severity: Warning,
        summary: "a Role or ClusterRole grants `*` (every verb, resource or API group)",
        params: [],
    }
}

impl Rule for RbacWildcard {
    fn check_object(&self, _cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        if !is_role(obj) || is_default_rbac(obj) || obj.node.get("aggregationRule").is_some() {
            return;
        }
        for rule in policy_rules(obj) {
            let verbs = rule.first_of("verbs", &["*"]);
            let resources = rule.first_of("resources", &["*"]);
            let groups = rule.first_of("apiGroups", &["*"]);
            let Some(at) = verbs.or(resources).or(groups) else {
                continue;
            };
            let list = |key: &str| {
                let items: Vec<&str> = rule
                    .items(key)
                    .map(|f| {
                        if f.value.is_empty() {
                            "\"\" (core)"
                        } else {
                            f.value
                        }
                    })
                    .collect();
                if items.is_empty() {
                    "none".to_owned()
                } else {
                    format!("`{}`", items.join("`, `"))
                }
            };
            let mut message = format!(
                "{} `{}` grants verbs {} on resources {} in API groups {}",
                obj.kind,
                obj.name,
                list("verbs"),
                list("resources"),
                list("apiGroups")
            );
            let severity = if verbs.is_some() || resources.is_some() {
                if resources.is_some() && (rule.has("apiGroups", "") || groups.is_some()) {
                    message.push_str(", Secrets included");
                }
                Severity::Warning
            } else {
                Severity::Info
            };
            out.report(obj, at.range(), message)
                .severity(severity)
                .help("list the verbs, resources and API groups the program needs instead of `*`");
        }
    }
}
