use faultline_diagnostics::Severity;
use faultline_graph::Relation;
use faultline_model::Object;

use crate::presence::{absent_severity, similar_name};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports RoleBindings and ClusterRoleBindings whose `roleRef` names a Role or
    /// ClusterRole, or whose `subjects` name a ServiceAccount, that the input does not
    /// contain. The roles every cluster has are not reported: the ClusterRoles
    /// `cluster-admin`, `admin`, `edit`, `view` and every `system:` role, the Roles
    /// `system:…` and `extension-apiserver-authentication-reader`, and the `default`
    /// ServiceAccount of every namespace. A ServiceAccount subject without `namespace` is
    /// looked up in the binding's namespace, as the authorizer does.
    ///
    /// As for `reference-not-found`, a chart's roles may come from another chart, so the
    /// absence is a **warning** only when the input is declared complete (`--complete`,
    /// `complete: true`) or the binding comes from a cluster export that holds objects of
    /// that kind there; otherwise **information**. The references are edges of `faultline
    /// graph` (`role-ref`, `subject`).
    ///
    /// ## Why it matters
    /// The API server accepts a binding to a role that does not exist, and grants nothing:
    /// the workload gets `forbidden` errors at run time. A binding to a ServiceAccount that
    /// does not exist is a permission waiting for whoever creates that account later,
    /// often a typo that leaves the real account without its permissions.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata:
    ///   name: app
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: Role
    ///   name: app-reader
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: app
    /// ---
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata:
    ///   name: app-read
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["configmaps"]
    ///     verbs: ["get"]
    /// ---
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: app
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata:
    ///   name: app
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: Role
    ///   name: app-read
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: app
    /// ---
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata:
    ///   name: app-read
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["configmaps"]
    ///     verbs: ["get"]
    /// ---
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: app
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - RoleBinding and ClusterRoleBinding: <https://kubernetes.io/docs/reference/access-authn-authz/rbac/#rolebinding-and-clusterrolebinding>
    /// - Referring to subjects: <https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-subjects>
    pub struct RbacReferenceNotFound {
        id: "rbac-reference-not-found",
        category: Security,
        severity: Warning,
        summary: "a role binding names a Role, ClusterRole or ServiceAccount the input does not contain",
        params: [],
    }
}

impl Rule for RbacReferenceNotFound {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        if !matches!(obj.kind, "RoleBinding" | "ClusterRoleBinding") {
            return;
        }
        for r in cx.graph.references_from(obj.id) {
            if !matches!(r.relation, Relation::RoleRef | Relation::Subject)
                || r.builtin
                || r.target.is_some()
            {
                continue;
            }
            let name = r.name.value;
            let place = match r.namespace {
                Some(ns) => format!("in namespace `{ns}`"),
                None => "in the input".to_owned(),
            };
            let mut message = match r.relation {
                Relation::RoleRef => format!(
                    "{} `{}` grants {} `{name}`, which is not {place}",
                    obj.kind, obj.name, r.kind
                ),
                _ => format!(
                    "{} `{}` binds ServiceAccount `{name}`, which is not {place}",
                    obj.kind, obj.name
                ),
            };
            if let Some(similar) = similar_name(cx, r.kind, r.namespace, name) {
                message.push_str(&format!("; did you mean `{similar}`?"));
            }
            let severity = absent_severity(cx, obj, r.kind, r.namespace);
            let help = match (r.relation, severity) {
                (_, Severity::Info) => format!(
                    "make sure {} `{name}` exists where this is applied; pass `--complete` if the input holds everything",
                    r.kind
                ),
                (Relation::RoleRef, _) => format!(
                    "create {} `{name}` or fix the name: a binding to a missing role grants nothing",
                    r.kind
                ),
                _ => format!(
                    "create ServiceAccount `{name}` or fix the name: the permissions wait for whoever creates that account"
                ),
            };
            out.report(obj, r.name.range(), message)
                .severity(severity)
                .help(help);
        }
    }
}
