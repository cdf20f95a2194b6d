use faultline_diagnostics::Severity;
use faultline_model::Object;

use crate::security::{is_default_rbac, is_role, policy_rules};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports Role and ClusterRole rules that grant `*` in `verbs`, `resources` or
    /// `apiGroups`, at the first `*`. A **warning** when the wildcard reaches what controls
    /// the cluster: every resource of the core group (or of every group), Secrets and pods
    /// included; every verb on Secrets, pods (`exec`, `attach`), ServiceAccounts (tokens),
    /// nodes, roles, bindings or admission webhooks; writing (`create`, `update`, `patch`,
    /// `*`) every resource of `apps`, `batch`, `rbac.authorization.k8s.io`,
    /// `admissionregistration.k8s.io` or `certificates.k8s.io`. **Information** otherwise:
    /// every verb on named resources of other groups (an operator on its own custom
    /// resources, `ingresses/status`), every resource of another named API group
    /// (`metrics.k8s.io`), reading every resource of a group, `apiGroups: ["*"]` with named
    /// resources. `nonResourceURLs` rules are not
    /// checked. Not reported: the API
    /// server's own roles (label `kubernetes.io/bootstrapping: rbac-defaults`, such as
    /// `cluster-admin` in a cluster export, or a `system:` name in a cluster export; a
    /// `system:` role written in a manifest is checked) and aggregated
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

/// Resources whose every verb controls workloads, credentials or permissions.
const SENSITIVE: &[&str] = &[
    "secrets",
    "pods",
    "pods/exec",
    "pods/attach",
    "serviceaccounts",
    "serviceaccounts/token",
    "nodes",
    "nodes/proxy",
    "roles",
    "clusterroles",
    "rolebindings",
    "clusterrolebindings",
    "mutatingwebhookconfigurations",
    "validatingwebhookconfigurations",
];

/// API groups in which writing every resource runs workloads or changes permissions.
const CONTROL_GROUPS: &[&str] = &[
    "apps",
    "batch",
    "rbac.authorization.k8s.io",
    "admissionregistration.k8s.io",
    "certificates.k8s.io",
];

impl Rule for RbacWildcard {
    fn check_object(&self, _cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        if !is_role(obj) || is_default_rbac(obj) || obj.node.get("aggregationRule").is_some() {
            return;
        }
        for rule in policy_rules(obj) {
            // `nonResourceURLs` rules (`/metrics`, `/healthz`) are not checked.
            if rule.items("resources").next().is_none() {
                continue;
            }
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
                format!("`{}`", items.join("`, `"))
            };
            let mut message = format!(
                "{} `{}` grants verbs {} on resources {} in API groups {}",
                obj.kind,
                obj.name,
                list("verbs"),
                list("resources"),
                list("apiGroups")
            );
            let core = rule.has("apiGroups", "") || groups.is_some();
            let secrets = core && (resources.is_some() || rule.has("resources", "secrets"));
            // Every resource of the core group (Secrets, pods/exec…), or every verb on
            // everything or on what controls the cluster: a warning. A wildcard confined to
            // named resources or to other API groups: information.
            let writes = verbs.is_some()
                || ["create", "update", "patch"]
                    .iter()
                    .any(|v| rule.has("verbs", v));
            let control = CONTROL_GROUPS.iter().any(|g| rule.has("apiGroups", g));
            let sensitive = SENSITIVE.iter().any(|r| rule.has("resources", r));
            let severity = if (resources.is_some() && (core || (control && writes)))
                || (verbs.is_some() && sensitive)
            {
                if secrets {
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
