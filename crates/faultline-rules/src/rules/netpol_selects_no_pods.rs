use faultline_model::Object;

use crate::netpol::{
    PolicyView, certainty, closest_classes, field_anchor, labels_range, miss_detail, shows_pods,
    valid_policy_of, workloads_of,
};
use crate::presence::matches_elsewhere;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a NetworkPolicy whose `podSelector` matches none of the pods the input shows
    /// in the policy's namespace (Pods, and the pod templates of workloads), and names the
    /// closest pods: those whose labels differ by one key or value.
    ///
    /// It speaks only about namespaces where the input shows pods at all, and follows the
    /// project's policy for selections that come out empty (as `service-selects-no-pods`
    /// does): nothing when a custom resource there may have an operator create the pods
    /// (kube-prometheus' `Prometheus` and `Alertmanager`); a warning when the input is
    /// declared complete (`--complete`), when the policy and the namespace's Pods come from a
    /// cluster export, when a pod misses by what looks like a typo (`app=user-svc` against
    /// `app=user-service`), or when the selector matches pods in another namespace (the
    /// policy is in the wrong one); information when some pod there carries one of the
    /// selector's label keys (a chart may ship a policy for pods another chart deploys);
    /// nothing otherwise.
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
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let Some(PolicyView { net, policy, .. }) = valid_policy_of(cx, obj) else {
            return;
        };
        let ns = policy.namespace;
        if policy.pod_selector.is_empty()
            || !shows_pods(cx, ns)
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
        let elsewhere = matches_elsewhere(cx, ns, &policy.pod_selector);
        let certain = certainty(
            cx,
            obj,
            &[ns],
            &policy.pod_selector,
            typo || elsewhere.is_some(),
        );
        let Some(severity) = certain else {
            return;
        };
        let shown = workloads_of(net, &net.select_classes(ns, &Default::default())).len();
        let mut message = format!(
            "NetworkPolicy `{}` selects no pod: podSelector `{}` matches no pod of the {shown} workload(s) the input shows in `{ns}`",
            policy.name, policy.pod_selector
        );
        let elsewhere_obj = elsewhere.map(|p| cx.inventory.get(cx.graph.pods.pod(p).object));
        message.push_str(&miss_detail(
            net,
            elsewhere_obj,
            closest.as_ref(),
            ": is the policy in the wrong namespace?",
            severity,
        ));
        let mut report = out
            .report(obj, range, message)
            .severity(severity)
            .help("make the podSelector match the labels of the pods this policy is for, or delete the policy");
        if let Some(pobj) = elsewhere_obj {
            report.related(
                pobj,
                labels_range(pobj),
                "the pods the selector matches, in another namespace",
            );
        } else if let Some(c) = closest.as_ref().filter(|c| c.one_off.is_some()) {
            for w in workloads_of(net, &c.items).into_iter().take(3) {
                let wobj = cx.inventory.get(net.workload(w).object);
                report = report.related(wobj, labels_range(wobj), "the closest pods' labels");
            }
        }
    }
}
