use faultline_model::Object;

use crate::security::{is_default_rbac, is_role, policy_rules};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports Role and ClusterRole rules that grant the verbs `escalate`, `bind` or
    /// `impersonate`, at the verb. (`verbs: ["*"]` includes them and is reported by
    /// `rbac-wildcard`.) The API server's own roles and aggregated ClusterRoles are not
    /// reported.
    ///
    /// ## Why it matters
    /// RBAC normally stops a subject from granting permissions it does not have. `escalate`
    /// on roles lets it write any permission into a role; `bind` lets it bind any role,
    /// `cluster-admin` included, to itself; `impersonate` lets it act as any user, group or
    /// ServiceAccount. Each is a path to full control of the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: deployer
    /// rules:
    ///   - apiGroups: ["rbac.authorization.k8s.io"]
    ///     resources: ["clusterroles", "clusterrolebindings"]
    ///     verbs: ["get", "create", "bind", "escalate"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: deployer
    /// rules:
    ///   - apiGroups: ["rbac.authorization.k8s.io"]
    ///     resources: ["clusterroles", "clusterrolebindings"]
    ///     verbs: ["get", "create"]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Privilege escalation prevention: <https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping>
    /// - RBAC good practices: <https://kubernetes.io/docs/concepts/security/rbac-good-practices/#escalate-verb>
    pub struct RbacPrivilegeEscalation {
        id: "rbac-privilege-escalation",
        category: Security,
        severity: Warning,
        summary: "a Role or ClusterRole grants `escalate`, `bind` or `impersonate`",
        params: [],
    }
}

impl Rule for RbacPrivilegeEscalation {
    fn check_object(&self, _cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        if !is_role(obj) || is_default_rbac(obj) || obj.node.get("aggregationRule").is_some() {
            return;
        }
        for rule in policy_rules(obj) {
            for verb in rule.items("verbs") {
                let what = match verb.value {
                    "escalate" => "write permissions it does not have into roles",
                    "bind" => "bind roles it does not hold, `cluster-admin` included",
                    "impersonate" => "act as any user, group or ServiceAccount",
                    _ => continue,
                };
                let resources: Vec<&str> = rule.items("resources").map(|f| f.value).collect();
                let on = if resources.is_empty() {
                    String::new()
                } else {
                    format!(" on `{}`", resources.join("`, `"))
                };
                out.report(
                    obj,
                    verb.range(),
                    format!(
                        "{} `{}` grants `{}`{on}: whoever holds it can {what}",
                        obj.kind, obj.name, verb.value
                    ),
                )
                .help("remove the verb; grant the specific roles or permissions the program needs instead (with `resourceNames` where the API allows)");
            }
        }
    }
}
