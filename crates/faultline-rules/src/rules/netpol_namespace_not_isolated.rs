use std::collections::BTreeMap;

use faultline_diagnostics::Severity;
use faultline_graph::netpol::{ClassId, Direction};

use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a namespace whose pods no NetworkPolicy isolates (none of its pods is
    /// selected by a policy, for ingress or egress) while other namespaces of the input
    /// are isolated: the one left open is most likely forgotten. The finding is at the
    /// Namespace object when the input has it, else at the first workload of the
    /// namespace. The namespaces `kube-system`, `kube-public` and `kube-node-lease` are
    /// not reported, nor namespaces without pods in the input. Information by default;
    /// with `require-all: true` (every namespace must be isolated), a **warning**, also
    /// when no namespace of the input is isolated.
    ///
    /// ## Why it matters
    /// Without a policy selecting them, pods accept connections from every pod of the
    /// cluster and may connect anywhere: a compromised pod in any namespace reaches them,
    /// and from them, the isolated namespaces' open ports. Default-deny in every namespace
    /// is what makes the other namespaces' policies mean something.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: default-deny
    ///   namespace: shop
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress]
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - {name: web, image: "registry.example.com/web:2.3.1"}
    /// ---
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: billing
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: invoices
    ///   namespace: billing
    /// spec:
    ///   selector:
    ///     matchLabels: {app: invoices}
    ///   template:
    ///     metadata:
    ///       labels: {app: invoices}
    ///     spec:
    ///       containers:
    ///         - {name: invoices, image: "registry.example.com/invoices:1.0"}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: default-deny
    ///   namespace: shop
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress]
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - {name: web, image: "registry.example.com/web:2.3.1"}
    /// ---
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: billing
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: default-deny
    ///   namespace: billing
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress]
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: invoices
    ///   namespace: billing
    /// spec:
    ///   selector:
    ///     matchLabels: {app: invoices}
    ///   template:
    ///     metadata:
    ///       labels: {app: invoices}
    ///     spec:
    ///       containers:
    ///         - {name: invoices, image: "registry.example.com/invoices:1.0"}
    /// ```
    ///
    /// ## Options
    /// - `require-all`: every namespace must be isolated: report as a warning, even when no
    ///   namespace of the input is isolated (default: `false`).
    ///
    /// ## References
    /// - Network policies, default policies: <https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies>
    /// - Isolated and non-isolated pods: <https://kubernetes.io/docs/concepts/services-networking/network-policies/#the-two-sorts-of-pod-isolation>
    pub struct NetpolNamespaceNotIsolated {
        id: "netpol-namespace-not-isolated",
        category: Security,
        severity: Info,
        summary: "no NetworkPolicy isolates a namespace's pods while other namespaces are isolated",
        params: [
            { name: "require-all", field: require_all, type: Bool, default: "false", description: "every namespace must be isolated (warning)" },
        ],
    }
}

const SYSTEM: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

impl Rule for NetpolNamespaceNotIsolated {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let require_all = Self::params(cx).require_all;
        let namespaces = cx.graph.pods.namespaces();
        // Policies isolate pods of their own namespace only: without one in a namespace
        // with pods, no namespace is isolated (and the model need not be built).
        if !require_all
            && !namespaces
                .iter()
                .any(|ns| cx.graph.count("NetworkPolicy", Some(ns)) > 0)
        {
            return;
        }
        let net = cx.network();
        let mut classes: BTreeMap<&str, Vec<ClassId>> = BTreeMap::new();
        for (i, c) in net.classes.iter().enumerate() {
            classes
                .entry(c.namespace)
                .or_default()
                .push(ClassId(i as u32));
        }
        // Namespace → a policy isolating some of its pods.
        let isolated: BTreeMap<&str, usize> = classes
            .iter()
            .filter_map(|(ns, cs)| {
                let p = cs.iter().find_map(|c| {
                    [Direction::Ingress, Direction::Egress]
                        .iter()
                        .find_map(|d| net.isolating(*c, *d).first().copied())
                })?;
                Some((*ns, p))
            })
            .collect();
        if isolated.is_empty() && !require_all {
            return;
        }
        for (ns, cs) in &classes {
            if isolated.contains_key(ns) || SYSTEM.contains(ns) {
                continue;
            }
            // The first workload of the namespace, in input order.
            let mut workloads: Vec<_> = cs
                .iter()
                .flat_map(|c| net.class(*c).workloads.iter())
                .map(|w| net.workload(*w))
                .collect();
            workloads.sort_by_key(|w| w.object);
            workloads.dedup_by_key(|w| w.object);
            let Some(first) = workloads.first() else {
                continue;
            };
            let namespace_obj = cx.inventory.find("Namespace", None, ns);
            let (obj, at) = match namespace_obj {
                Some(n) => (
                    n,
                    n.node
                        .path(&["metadata", "name"])
                        .map_or_else(|| n.kind_range(), |v| v.range()),
                ),
                None => {
                    let o = cx.inventory.get(first.object);
                    let at = ["namespace", "name"]
                        .iter()
                        .find_map(|k| o.node.path(&["metadata", k]))
                        .map_or_else(|| o.kind_range(), |v| v.range());
                    (o, at)
                }
            };
            let names: Vec<String> = workloads
                .iter()
                .take(3)
                .map(|w| format!("{}/{}", w.kind, w.name))
                .collect();
            let more = workloads.len().saturating_sub(3);
            let listed = if more > 0 {
                format!("{} and {more} more", names.join(", "))
            } else {
                names.join(", ")
            };
            let others: Vec<&str> = isolated.keys().copied().take(3).collect();
            let message = if others.is_empty() {
                format!(
                    "no NetworkPolicy isolates the pods of namespace `{ns}` ({listed}), and every namespace must be isolated"
                )
            } else {
                format!(
                    "no NetworkPolicy isolates the pods of namespace `{ns}` ({listed}), while namespace{} `{}` {} isolated",
                    if isolated.len() == 1 { "" } else { "s" },
                    others.join("`, `"),
                    if isolated.len() == 1 { "is" } else { "are" }
                )
            };
            let severity = if require_all {
                Severity::Warning
            } else {
                Severity::Info
            };
            let mut report = out
                .report(obj, at, message)
                .severity(severity)
                .help(format!("add a default-deny NetworkPolicy to namespace `{ns}` (`podSelector: {{}}`, `policyTypes: [Ingress, Egress]`) and policies that allow what its pods need"));
            if let Some(p) = isolated.values().next().map(|p| &net.policies[*p]) {
                let policy = cx.inventory.get(p.object);
                report = report.related(
                    policy,
                    policy.kind_range(),
                    format!(
                        "NetworkPolicy `{}` isolates pods of namespace `{}`",
                        p.name, p.namespace
                    ),
                );
            }
            if namespace_obj.is_some() {
                let o = cx.inventory.get(first.object);
                report.related(
                    o,
                    o.kind_range(),
                    format!("{} `{}` runs in it unisolated", first.kind, first.name),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Settings;
    use crate::testing::check_texts;

    const INPUT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: 'web:1'}]}\n";

    #[test]
    fn require_all_reports_every_open_namespace_as_a_warning() {
        let found = |settings: &Settings| {
            let (_, diags) = check_texts(&[("x.yaml", INPUT)], settings);
            diags
                .into_iter()
                .filter(|d| d.rule == NetpolNamespaceNotIsolated::ID)
                .map(|d| (d.severity, d.message))
                .collect::<Vec<_>>()
        };
        assert_eq!(found(&Settings::default()), vec![]);
        let mut settings = Settings::default();
        settings.params.insert(
            NetpolNamespaceNotIsolated::ID.to_owned(),
            [("require-all".to_owned(), "true".to_owned())].into(),
        );
        assert_eq!(
            found(&settings),
            vec![(
                Severity::Warning,
                "no NetworkPolicy isolates the pods of namespace `shop` (Deployment/web), and every namespace must be isolated".to_owned()
            )]
        );
    }
}
