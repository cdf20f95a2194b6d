use faultline_model::Object;

use crate::security::{bound_role, is_binding, is_default_rbac, policy_rules, role_ref};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports ClusterRoleBindings that let their subjects read Secrets in every namespace:
    ///
    /// - a ClusterRole of the input whose rule names `secrets` (core API group, no
    ///   `resourceNames`) with `get`, `list` or `watch`: reported at `secrets` in the
    ///   ClusterRole, with the binding as related location (once per ClusterRole, however
    ///   many bindings grant it);
    /// - the built-in `admin` or `edit` ClusterRole bound cluster-wide: reported at
    ///   `roleRef.name` (they read and write Secrets, and bound by a ClusterRoleBinding they
    ///   do so in every namespace).
    ///
    /// A ClusterRole granted through RoleBindings only reads the Secrets of those
    /// namespaces and is not reported. Rules that grant `*` resources or `*` verbs are
    /// reported by `rbac-wildcard` instead. The API server's own roles and bindings are not reported.
    ///
    /// ## Why it matters
    /// Secrets hold every workload's credentials, and every ServiceAccount token in older
    /// clusters. `list` returns their values, not just names. Reading them cluster-wide
    /// lets one subject become any workload, in any namespace.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: reader
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["configmaps", "secrets"]
    ///     verbs: ["get", "list", "watch"]
    /// ---
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata:
    ///   name: reader
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: reader
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: reader
    ///     namespace: tools
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: reader
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["configmaps"]
    ///     verbs: ["get", "list", "watch"]
    /// ---
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata:
    ///   name: reader
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: reader
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: reader
    ///     namespace: tools
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - RBAC good practices (listing Secrets): <https://kubernetes.io/docs/concepts/security/rbac-good-practices/#listing-secrets>
    /// - Good practices for Secrets: <https://kubernetes.io/docs/concepts/security/secrets-good-practices/#least-privilege-access>
    pub struct RbacSecretsReadClusterWide {
        id: "rbac-secrets-read-cluster-wide",
        category: Security,
        severity: Warning,
        summary: "a ClusterRoleBinding lets its subjects read Secrets in every namespace",
        params: [],
    }
}

const READ: &[&str] = &["get", "list", "watch"];

impl Rule for RbacSecretsReadClusterWide {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        if obj.kind == "ClusterRole" {
            return self.check_role(cx, obj, out);
        }
        if obj.kind != "ClusterRoleBinding" || !is_binding(obj) || is_default_rbac(obj) {
            return;
        }
        // A built-in role that reads Secrets, bound cluster-wide (the input does not hold it).
        let Some((kind, name)) = role_ref(obj) else {
            return;
        };
        if kind.value == "ClusterRole"
            && matches!(name.value, "admin" | "edit")
            && bound_role(cx, obj).is_none()
        {
            out.report(
                obj,
                name.range(),
                format!(
                    "ClusterRoleBinding `{}` grants the `{}` ClusterRole in every namespace: its subjects read and write every Secret of the cluster",
                    obj.name, name.value
                ),
            )
            .help("grant the role per namespace with RoleBindings, in the namespaces the subjects work in");
        }
    }
}

impl RbacSecretsReadClusterWide {
    fn check_role(&self, cx: &Context<'_>, role: &Object<'_>, out: &mut Sink<'_>) {
        if is_default_rbac(role) || role.node.get("aggregationRule").is_some() {
            return;
        }
        // A rule granting every verb is `rbac-wildcard`'s ("Secrets included").
        let Some(at) = policy_rules(role).find_map(|r| {
            if r.has("verbs", "*") {
                return None;
            }
            let secrets = r.grants_core("secrets", READ)?;
            (secrets.value == "secrets").then_some((r, secrets))
        }) else {
            return;
        };
        // The ClusterRoleBindings of the input that grant it.
        let bindings: Vec<&Object<'_>> = cx
            .graph
            .referring(role.id, faultline_graph::Relation::RoleRef)
            .into_iter()
            .map(|id| cx.inventory.get(id))
            .filter(|b| b.kind == "ClusterRoleBinding" && !is_default_rbac(b))
            .collect();
        let Some(first) = bindings.first() else {
            return;
        };
        let verbs: Vec<&str> =
            at.0.items("verbs")
                .map(|f| f.value)
                .filter(|v| READ.contains(v) || *v == "*")
                .collect();
        let mut report = out
            .report(
                role,
                at.1.range(),
                format!(
                    "ClusterRole `{}` grants `{}` on Secrets, and ClusterRoleBinding `{}` grants it in every namespace",
                    role.name,
                    verbs.join("`, `"),
                    first.name
                ),
            )
            .help("grant Secret access per namespace (a Role, or the ClusterRole through RoleBindings), or name the Secrets with `resourceNames`");
        for b in &bindings {
            let at = b
                .node
                .field_range("roleRef")
                .unwrap_or_else(|| b.kind_range());
            report = report.related(
                b,
                at,
                format!("ClusterRoleBinding `{}` grants it cluster-wide", b.name),
            );
        }
    }
}
