use std::collections::HashSet;

use faultline_graph::from_a_cluster;
use faultline_model::pod::PodTemplate;
use faultline_model::{Object, field};

use crate::security::{judged_through_controller, pod_spec_key, subjects};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports pods that get a ServiceAccount token mounted although nothing in the input
    /// shows that they use the Kubernetes API: the token is mounted unless the pod spec,
    /// or else its ServiceAccount (when in the input), sets `automountServiceAccountToken:
    /// false`, and the ServiceAccount is granted nothing by any RoleBinding or
    /// ClusterRoleBinding of the input (by name, or through the groups
    /// `system:serviceaccounts` and `system:serviceaccounts:<namespace>`). A ServiceAccount
    /// with a binding uses the API; one without has only what every account has, mostly
    /// discovery. Reported at `automountServiceAccountToken: true` where written, else at
    /// `serviceAccountName`, else at the pod spec. Information: bindings may come from
    /// elsewhere. Objects of a cluster export that holds no binding at all are not judged
    /// (the export left RBAC out).
    ///
    /// A Pod, ReplicaSet or Job whose controller is in the input (a snapshot's replicas) is
    /// judged through the controller's template, so the finding is made once per workload.
    ///
    /// ## Why it matters
    /// The token is a credential in the pod's file system: code execution in the container
    /// gives the attacker an identity towards the API server, useful to probe the cluster,
    /// and one that gains whatever is granted to that ServiceAccount (or to every
    /// ServiceAccount) later. A pod that never calls the API does not need it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: registry.example.com/web:2.3.1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       automountServiceAccountToken: false
    ///       containers:
    ///         - name: web
    ///           image: registry.example.com/web:2.3.1
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Opt out of API credential automounting: <https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting>
    /// - Service accounts: <https://kubernetes.io/docs/concepts/security/service-accounts/>
    pub struct ServiceAccountTokenAutomounted {
        id: "service-account-token-automounted",
        category: Security,
        severity: Info,
        summary: "a pod mounts a ServiceAccount token although no binding in the input grants that account anything",
        params: [],
    }
}

/// The ServiceAccounts the input's bindings grant something: by name (a `ServiceAccount`
/// subject, or the user `system:serviceaccount:<ns>:<name>`), every account of a namespace
/// (`system:serviceaccounts:<ns>`), or every account (`system:serviceaccounts`). Built once
/// per run from the bindings.
#[derive(Default)]
struct Bound<'a> {
    /// How many bindings the input has.
    bindings: usize,
    accounts: HashSet<(&'a str, &'a str)>,
    namespaces: HashSet<&'a str>,
    all: bool,
}

impl<'a> Bound<'a> {
    fn of(cx: &Context<'a>) -> Self {
        let mut bound = Self::default();
        let bindings = cx
            .inventory
            .objects
            .iter()
            .filter(|o| matches!(o.kind, "RoleBinding" | "ClusterRoleBinding"));
        for b in bindings {
            bound.bindings += 1;
            for s in subjects(b) {
                let name = s.name.value;
                match s.kind {
                    "ServiceAccount" => {
                        if let Some(ns) = s.namespace {
                            bound.accounts.insert((ns, name));
                        }
                    }
                    "Group" if name == "system:serviceaccounts" => bound.all = true,
                    "Group" => {
                        if let Some(ns) = name.strip_prefix("system:serviceaccounts:") {
                            bound.namespaces.insert(ns);
                        }
                    }
                    "User" => {
                        let account = name.strip_prefix("system:serviceaccount:");
                        if let Some((ns, n)) = account.and_then(|a| a.split_once(':')) {
                            bound.accounts.insert((ns, n));
                        }
                    }
                    _ => {}
                }
            }
        }
        bound
    }

    fn contains(&self, namespace: &str, name: &str) -> bool {
        self.all
            || self.namespaces.contains(namespace)
            || self.accounts.contains(&(namespace, name))
    }
}

impl Rule for ServiceAccountTokenAutomounted {
    // Once per run: the bindings are read once, then every pod shape is checked against them.
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let bound = Bound::of(cx);
        for obj in &cx.inventory.objects {
            if let Some(pod) = PodTemplate::of(obj)
                && !judged_through_controller(cx, obj)
            {
                check(cx, &bound, obj, &pod, out);
            }
        }
    }
}

fn check(
    cx: &Context<'_>,
    bound: &Bound<'_>,
    obj: &Object<'_>,
    pod: &PodTemplate<'_>,
    out: &mut Sink<'_>,
) {
    let Some(namespace) = obj.namespace else {
        return;
    };
    // A cluster export without any binding left RBAC out: it says nothing about who uses the
    // API (an operator's pods in an archive of pods and workloads only).
    if bound.bindings == 0 && from_a_cluster(obj) {
        return;
    }
    let spec = pod.spec;
    let written = field::bool(Some(spec), "automountServiceAccountToken");
    if written.is_some_and(|f| !f.value) {
        return;
    }
    let sa_name = field::name(Some(spec), "serviceAccountName")
        .or_else(|| field::name(Some(spec), "serviceAccount"));
    let name = sa_name.map_or("default", |f| f.value);
    if bound.contains(namespace, name) {
        return;
    }
    let sa = cx.inventory.find("ServiceAccount", Some(namespace), name);
    let sa_setting = sa.and_then(|sa| field::bool(Some(sa.node), "automountServiceAccountToken"));
    if written.is_none() && sa_setting.is_some_and(|f| !f.value) {
        return;
    }
    let at = written
        .map(|f| f.range())
        .or_else(|| sa_name.map(|f| f.range()))
        .unwrap_or_else(|| pod_spec_key(obj));
    let report = out
        .report(
            obj,
            at,
            format!("the pod mounts a token of ServiceAccount `{name}`, which no RoleBinding or ClusterRoleBinding in the input grants anything"),
        )
        .help("set `automountServiceAccountToken: false` in the pod spec (or the ServiceAccount) if the program does not call the Kubernetes API");
    if written.is_none()
        && let (Some(sa), Some(f)) = (sa, sa_setting)
    {
        report.related(
            sa,
            f.range(),
            format!("ServiceAccount `{name}` mounts its token"),
        );
    }
}
