use faultline_model::Object;

use crate::netpol::{PolicyView, 
    certainty, closest_classes, describe_closest, field_anchor, labels_range, valid_policy_of, workloads_of,
};
use crate::{Context, Rule, RuleMeta, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a NetworkPolicy whose `podSelector` matches none of the pods the input shows
    /// in the policy's namespace (Pods, and the pod templates of workloads), and names the
    /// closest pods: those whose labels differ by one key or value.
    ///
    /// It speaks only about namespaces where the input shows pods at all. It is a warning
    /// when the input is a cluster snapshot of those pods (Pods exported with `uid`,
    /// `resourceVersion`, `ownerReferences` or `status`) or when a pod misses by what looks
    /// like a typo (`app=user-svc` against `app=user-service`); otherwise it is information:
    /// a chart may ship a policy for pods another chart deploys. Nothing is said, short of a
    /// snapshot or a typo, where the namespace holds custom resources an operator may turn
    /// into pods the input does not show (kube-prometheus' `Prometheus` and `Alertmanager`).
    ///
    /// ## Why it matters
    /// A policy that selects nothing protects nothing: the pods it was written for accept
    /// all traffic (or, for an egress default-deny, keep sending everywhere), and the
    /// exceptions it carries never apply. A renamed label is the usual cause.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: payment-service
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: payment-service
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: payment-service
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: registry.example.com/payment:3.8.1
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: payment-ingress
    ///   namespace: shop
    /// spec:
    ///   podSelector:
    ///     matchLabels:
    ///       app: payment-svc
    ///   ingress:
    ///     - from:
    ///         - podSelector: {}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: payment-service
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: payment-service
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: payment-service
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: registry.example.com/payment:3.8.1
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: payment-ingress
    ///   namespace: shop
    /// spec:
    ///   podSelector:
    ///     matchLabels:
    ///       app: payment-service
    ///   ingress:
    ///     - from:
    ///         - podSelector: {}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Network Policies: <https://kubernetes.io/docs/concepts/services-networking/network-policies/>
    /// - Labels and selectors: <https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/>
    pub struct NetpolSelectsNoPods {
        id: "netpol-selects-no-pods",
        category: Network,
        severity: Warning,
        summary: "a NetworkPolicy's podSelector matches no pod in its namespace",
        params: [],
    }
}

impl Rule for NetpolSelectsNoPods {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let Some(PolicyView { net, policy, .. }) = valid_policy_of(cx, obj) else {
            return;
        };
        let ns = policy.namespace;
        if policy.pod_selector.is_empty()
            || !net.coverage.shows_pods(ns)
            || !net.select_classes(ns, &policy.pod_selector).is_empty()
        {
            return;
        }
        let range = obj
            .spec()
            .and_then(|s| field_anchor(s, "podSelector"))
            .unwrap_or_else(|| obj.kind_range());
        let closest = closest_classes(net, &[ns], &policy.pod_selector);
        let typo = closest.as_ref().is_some_and(|c| c.typo());
        let Some(severity) = certainty(net, &[ns], typo) else {
            return;
        };
        let shown = workloads_of(net, &net.select_classes(ns, &Default::default())).len();
        let mut message = format!(
            "NetworkPolicy `{}` selects no pod: podSelector `{}` matches no pod of the {shown} workload(s) the input shows in `{ns}`",
            policy.name, policy.pod_selector
        );
        if let Some(c) = &closest {
            message.push_str(&describe_closest(net, c));
        }
        if severity < Self::META.info.default_severity {
            message.push_str(" (its pods may be deployed by something outside this input)");
        }
        let mut report = out
            .report(obj, range, message)
            .severity(severity)
            .help("make the podSelector match the labels of the pods this policy is for, or delete the policy");
        if let Some(c) = closest.as_ref().filter(|c| c.one_off.is_some()) {
            for w in workloads_of(net, &c.items).into_iter().take(3) {
                let wobj = cx.inventory.get(net.workload(w).object);
                report = report.related(wobj, labels_range(wobj), "the closest pods' labels");
            }
        }
    }
}
