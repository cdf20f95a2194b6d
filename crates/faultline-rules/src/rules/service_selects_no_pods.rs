use faultline_model::Object;
use faultline_model::selector::Selection;

use crate::presence::{judge_empty_selection, report_empty_selection};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a Service whose selector matches no Pod and no workload pod template in its
    /// namespace, and names the pod that comes closest. Services without a selector (their
    /// Endpoints are written by hand or by another controller) and `ExternalName` Services
    /// are not checked.
    ///
    /// Labels the controllers add to the pods they create count: a per-pod Service of a
    /// StatefulSet (`statefulset.kubernetes.io/pod-name: web-0`), `job-name`,
    /// `pod-template-hash`.
    ///
    /// A rendered chart is often installed beside others, and its Service may select pods a
    /// different chart or an operator deploys. So, unless the input is a cluster snapshot
    /// (whose real pods are all there) or is declared complete (`--complete`), the rule
    /// judges a selector only when the input shows it was meant for pods it contains: some
    /// pod or pod template in the namespace carries one of the selector's label keys, or the
    /// selector matches pods in another namespace (the Service is in the wrong one). Pods an
    /// operator creates from a custom resource whose labels the selector matches (the
    /// Prometheus operator's `Alertmanager`) are never judged missing.
    ///
    /// ## Why it matters
    /// The Service gets no endpoints. Clients resolve its name and then fail with
    /// "connection refused" or time out, while every pod looks healthy. A one-character
    /// difference between the selector and the pod labels is the usual cause.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: user-svc
    ///   namespace: prod
    /// spec:
    ///   selector:
    ///     app: user-svc
    ///   ports:
    ///     - port: 80
    ///       targetPort: 8080
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: user-service
    ///   namespace: prod
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: user-service
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: user-service
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: registry.example.com/user-service:2.1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: user-svc
    ///   namespace: prod
    /// spec:
    ///   selector:
    ///     app: user-service
    ///   ports:
    ///     - port: 80
    ///       targetPort: 8080
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: user-service
    ///   namespace: prod
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: user-service
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: user-service
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: registry.example.com/user-service:2.1.0
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Services: <https://kubernetes.io/docs/concepts/services-networking/service/#services-without-selectors>
    /// - Debugging Services: <https://kubernetes.io/docs/tasks/debug/debug-application/debug-service/#does-the-service-have-any-endpoints>
    pub struct ServiceSelectsNoPods {
        id: "service-selects-no-pods",
        category: Services,
        severity: Error,
        summary: "a Service selector matches no pod, so the Service has no endpoints",
        params: [],
    }
}

impl Rule for ServiceSelectsNoPods {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let Some(sel) = cx.graph.selection(obj.id).filter(|_| obj.is("Service")) else {
            return;
        };
        let (Some(node), Some(namespace)) = (sel.node, obj.namespace) else {
            return;
        };
        if !sel.valid || sel.scope != Selection::ByLabels || !sel.pods.is_empty() {
            return;
        }
        if !judge_empty_selection(cx, obj, namespace, &sel.selector) {
            return;
        }
        let help = format!(
            "make the selector equal the pod template labels (`kubectl get pods -n {namespace} -l {}` must list the pods), or fix the labels",
            sel.selector
        );
        let mut report =
            report_empty_selection(cx, obj, node, namespace, &sel.selector, out).help(help);
        for e in cx
            .graph
            .referring(obj.id, faultline_graph::Relation::EndpointsOf)
        {
            let ep = cx.inventory.get(e);
            report = report.related(
                ep,
                ep.kind_range(),
                "the Service's endpoints in the snapshot",
            );
        }
    }
}
