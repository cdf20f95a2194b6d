use faultline_diagnostics::Severity;
use faultline_model::Object;

use crate::security::{bound_role, is_binding, is_default_rbac, policy_rules, role_ref, subjects};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports RoleBindings and ClusterRoleBindings that grant `cluster-admin`, or a role of
    /// the input with a rule granting `*` verbs (or every verb written out: `get`, `list`,
    /// `watch`, `create`, `update`, `patch`, `delete`) on `*` resources in `*` API groups
    /// (the same power), to:
    ///
    /// - a ServiceAccount (**warning**): every pod running as it, and everyone who may
    ///   create pods or read its token in that namespace, controls the cluster;
    /// - everyone: the groups `system:authenticated`, `system:unauthenticated`,
    ///   `system:serviceaccounts` (every ServiceAccount), or the user `system:anonymous`
    ///   (**error**).
    ///
    /// Each subject is reported at its name. Through a RoleBinding the grant is limited to
    /// the binding's namespace, and the message says so. Users and other groups (the people
    /// who administer the cluster) are not reported, nor the API server's own bindings
    /// (label `kubernetes.io/bootstrapping: rbac-defaults`, or a `system:` name in a cluster
    /// export).
    ///
    /// ## Why it matters
    /// A ServiceAccount token is mounted into every pod that uses it: one remote code
    /// execution in that pod, or one person allowed to `create pods` in its namespace, is
    /// a cluster takeover. Binding it to `system:authenticated` hands the cluster to anyone
    /// with any credential (on some providers, any cloud account).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata:
    ///   name: ci
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: cluster-admin
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: ci
    ///     namespace: ci
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata:
    ///   name: ci
    ///   namespace: apps
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: edit
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: ci
    ///     namespace: ci
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Default roles and bindings: <https://kubernetes.io/docs/reference/access-authn-authz/rbac/#default-roles-and-role-bindings>
    /// - RBAC good practices: <https://kubernetes.io/docs/concepts/security/rbac-good-practices/>
    pub struct RbacClusterAdminBinding {
        id: "rbac-cluster-admin-binding",
        category: Security,
        severity: Warning,
        summary: "`cluster-admin` (or `*` on `*`) is bound to a ServiceAccount or to everyone",
        params: [],
    }
}

/// Subjects that stand for everyone (or every workload).
fn everyone(kind: &str, name: &str) -> Option<&'static str> {
    match (kind, name) {
        ("Group", "system:authenticated") => Some("every authenticated user"),
        ("Group", "system:unauthenticated") => Some("every anonymous request"),
        ("Group", "system:serviceaccounts") => Some("every ServiceAccount of the cluster"),
        ("User", "system:anonymous") => Some("every anonymous request"),
        _ => None,
    }
}

impl Rule for RbacClusterAdminBinding {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        if !is_binding(obj) || is_default_rbac(obj) {
            return;
        }
        let Some((kind, name)) = role_ref(obj) else {
            return;
        };
        let role = bound_role(cx, obj);
        let all_rule =
            role.and_then(|r| policy_rules(r).find(|p| p.is_everything()).map(|p| (r, p)));
        let is_admin =
            (kind.value == "ClusterRole" && name.value == "cluster-admin") || all_rule.is_some();
        if !is_admin {
            return;
        }
        let scope = match obj.namespace {
            Some(ns) if obj.kind == "RoleBinding" => format!("in namespace `{ns}`"),
            _ => "in the whole cluster".to_owned(),
        };
        let what = if name.value == "cluster-admin" {
            "`cluster-admin`".to_owned()
        } else {
            format!("{} `{}`, which grants `*` on `*`,", kind.value, name.value)
        };
        for s in subjects(obj) {
            let (who, severity) = if let Some(who) = everyone(s.kind, s.name.value) {
                (who.to_owned(), Severity::Error)
            } else if s.kind == "ServiceAccount" {
                let ns = s.namespace.unwrap_or("");
                (
                    format!("ServiceAccount `{ns}/{}`", s.name.value),
                    Severity::Warning,
                )
            } else {
                continue;
            };
            let mut report = out
                .report(
                    obj,
                    s.name.range(),
                    format!("{} `{}` gives {who} {what} {scope}", obj.kind, obj.name),
                )
                .severity(severity)
                .help("bind a role with the permissions the subject needs (the `edit` or `view` ClusterRole through a RoleBinding, or a role of its own) instead of full control");
            if let Some((role, rule)) = all_rule {
                report = report.related(
                    role,
                    rule.node.range(),
                    format!("{} `{}` grants `*` on `*` here", role.kind, role.name),
                );
            }
        }
    }
}
