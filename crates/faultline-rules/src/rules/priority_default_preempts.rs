use faultline_graph::Relation;
use faultline_model::Object;
use faultline_model::status::controller_of;
use faultline_model::views::PriorityClass;

use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks the PriorityClass marked `globalDefault: true`, whose value every pod created
    /// without a `priorityClassName` receives, against the PriorityClasses the workloads of the
    /// input name: when the default's value is above a class that workloads use and the
    /// default may preempt (`preemptionPolicy: PreemptLowerPriority`, the default), the
    /// finding points at the default's `value` and lists the classes below it with a workload
    /// that uses each.
    ///
    /// A default with `preemptionPolicy: Never` is not reported: its pods queue ahead of lower
    /// classes but never evict them. Pods naming a PriorityClass the input lacks are
    /// `reference-not-found`'s.
    ///
    /// ## Why it matters
    /// Admission gives every pod without a class the default's priority. When that is higher
    /// than the class production runs at, any new tenant, CI job or ad-hoc pod outranks
    /// production: on a full cluster the scheduler preempts production pods to make room for
    /// it (`Preempted` Events), and under node pressure the kubelet evicts them first.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: scheduling.k8s.io/v1
    /// kind: PriorityClass
    /// metadata:
    ///   name: default-priority
    /// value: 100000
    /// globalDefault: true
    /// ---
    /// apiVersion: scheduling.k8s.io/v1
    /// kind: PriorityClass
    /// metadata:
    ///   name: production
    /// value: 10000
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: checkout
    ///   namespace: shop
    /// spec:
    ///   replicas: 3
    ///   selector:
    ///     matchLabels:
    ///       app: checkout
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: checkout
    ///     spec:
    ///       priorityClassName: production
    ///       containers:
    ///         - name: checkout
    ///           image: registry.example.com/shop/checkout:2.1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # The default sits below the classes production uses.
    /// apiVersion: scheduling.k8s.io/v1
    /// kind: PriorityClass
    /// metadata:
    ///   name: default-priority
    /// value: 1000
    /// globalDefault: true
    /// ---
    /// apiVersion: scheduling.k8s.io/v1
    /// kind: PriorityClass
    /// metadata:
    ///   name: production
    /// value: 10000
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: checkout
    ///   namespace: shop
    /// spec:
    ///   replicas: 3
    ///   selector:
    ///     matchLabels:
    ///       app: checkout
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: checkout
    ///     spec:
    ///       priorityClassName: production
    ///       containers:
    ///         - name: checkout
    ///           image: registry.example.com/shop/checkout:2.1
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Pod priority and preemption: <https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/>
    pub struct PriorityDefaultPreempts {
        id: "priority-default-preempts",
        category: Scheduling,
        severity: Warning,
        summary: "the globalDefault PriorityClass ranks pods without a class above classes workloads use",
        params: [],
    }
}

/// A PriorityClass of the input with its value.
struct Class<'a> {
    obj: &'a Object<'a>,
    view: PriorityClass<'a>,
    value: i64,
}

/// Whether `obj` is managed by a controller in the input (a Deployment's ReplicaSet, a
/// workload's Pod): the controller is named instead.
fn managed(cx: &Context<'_>, obj: &Object<'_>) -> bool {
    controller_of(obj).is_some_and(|o| cx.inventory.find(o.kind, obj.namespace, o.name).is_some())
}

impl Rule for PriorityDefaultPreempts {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let classes: Vec<Class<'_>> = cx
            .inventory
            .of_kind("PriorityClass")
            .filter_map(|obj| {
                let view = PriorityClass::of(obj)?;
                let value = view.value()?.value;
                Some(Class { obj, view, value })
            })
            .collect();
        for default in classes
            .iter()
            .filter(|c| c.view.global_default().is_some_and(|g| g.value))
        {
            if default
                .view
                .preemption_policy()
                .is_some_and(|p| p.value == "Never")
            {
                continue;
            }
            // The classes below the default that workloads name, each with its users.
            let below: Vec<(&Class<'_>, Vec<&Object<'_>>)> = classes
                .iter()
                .filter(|c| c.value < default.value && c.obj.name != default.obj.name)
                .filter_map(|c| {
                    let users: Vec<&Object<'_>> = cx
                        .graph
                        .referrers(c.obj.id)
                        .filter(|r| r.relation == Relation::PriorityClass)
                        .map(|r| cx.inventory.get(r.from))
                        .filter(|o| !managed(cx, o))
                        .collect();
                    (!users.is_empty()).then_some((c, users))
                })
                .collect();
            if below.is_empty() {
                continue;
            }
            let shown: Vec<String> = below
                .iter()
                .take(5)
                .map(|(c, users)| {
                    format!(
                        "`{}` ({}, used by {})",
                        c.obj.name,
                        c.value,
                        crate::evidence::display(users[0])
                    )
                })
                .collect();
            let more = if below.len() > 5 {
                format!(" and {} more", below.len() - 5)
            } else {
                String::new()
            };
            let message = format!(
                "PriorityClass `{}` is the global default with value {}, above {}{more}: every pod created without a `priorityClassName` outranks those workloads and may preempt them from a full node",
                default.obj.name,
                default.value,
                shown.join(", "),
            );
            let lowest = below.iter().map(|(c, _)| c.value).min().unwrap_or(0);
            let at = default
                .obj
                .node
                .field_range("value")
                .unwrap_or_else(|| default.obj.kind_range());
            let mut report = out.report(default.obj, at, message).help(format!(
                "give the global default a value below {lowest} (the lowest class workloads use), set `preemptionPolicy: Never` on it, or remove `globalDefault`"
            ));
            for (c, users) in below.iter().take(3) {
                let range = c
                    .obj
                    .node
                    .field_range("value")
                    .unwrap_or_else(|| c.obj.kind_range());
                report = report.related(
                    c.obj,
                    range,
                    format!("`{}` has value {}", c.obj.name, c.value),
                );
                let user = users[0];
                if let Some(r) = cx
                    .graph
                    .reference(user.id, Relation::PriorityClass)
                    .filter(|r| r.target == Some(c.obj.id))
                {
                    report = report.related(
                        user,
                        r.name.node.range(),
                        format!(
                            "{} runs at `{}`",
                            crate::evidence::display(user),
                            c.obj.name
                        ),
                    );
                }
            }
        }
    }
}
