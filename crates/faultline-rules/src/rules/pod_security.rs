use faultline_diagnostics::Severity;
use faultline_model::Object;
use faultline_model::pod::PodTemplate;
use faultline_model::pod_security::policy::{Mode, NamespacePolicy};
use faultline_model::pod_security::{self, CheckId, Level, LevelVersion, Version, Violation};

use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks every Pod and pod template (Deployments, StatefulSets, DaemonSets, ReplicaSets,
    /// ReplicationControllers, Jobs, CronJobs, PodTemplates) against the Pod Security Standards
    /// exactly as the API server's Pod Security admission evaluates them: the same checks at
    /// each policy version from `v1.0` to `v1.37` (a check older than its introduction does not
    /// run; `latest`, and any version newer than the cluster, is the cluster's own version, set
    /// with `--kube-version`), the same forbidden reasons and details, one finding per failing
    /// check at the offending field (for a missing field, the nearest enclosing one), with the
    /// other offending fields as related locations.
    ///
    /// What the finding means depends on the pod's Namespace, when the input holds it:
    /// - `pod-security.kubernetes.io/enforce: <level>` (with `enforce-version`): a violation is an
    ///   **error**, `violates PodSecurity "restricted:v1.30": …`, because the API server refuses
    ///   the pod. A workload is still created, but its controller cannot create a single pod:
    ///   it records `FailedCreate` events with this message and the rollout stalls. A Pod that
    ///   a snapshot shows running was admitted earlier (or exempted); it is a warning, as its
    ///   replacement would be refused.
    /// - `warn` or `audit` labels: a warning, `would violate PodSecurity …`, the warning `kubectl`
    ///   prints or the audit annotation the API server records. A `warn` level the labels do not
    ///   set follows a stricter `enforce` level, as in the admission.
    /// - no Pod Security label (or no Namespace in the input): a warning at the `default-level`
    ///   (`baseline` unless configured; `--pod-security restricted` on the command line).
    /// - the `privileged` level checks nothing.
    ///
    /// A label value the admission does not accept is reported at the label: an invalid
    /// `enforce` level is evaluated as `restricted` (the admission fails closed), an invalid
    /// `warn` or `audit` level as `privileged`, an invalid version as `latest`.
    ///
    /// In a snapshot, `faultline triage` follows a controller's `FailedCreate` Events that say
    /// `violates PodSecurity` to these fields (the Event names the level, so the template is
    /// checked at it even when the snapshot lacks the Namespace), and `faultline diff` lists the
    /// workloads a label or template change moves from admitted to refused.
    ///
    /// ## Why it matters
    /// Privileged containers, host namespaces, host paths and added capabilities hand a
    /// compromised container the node. And a namespace that enforces a level refuses the pods
    /// that break it: the Deployment applies cleanly, `kubectl` prints one warning, and then no
    /// pod ever starts. Finding it before the apply, at the field to change, avoids that outage.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    ///   labels:
    ///     pod-security.kubernetes.io/enforce: baseline
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: agent
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels: {app: agent}
    ///   template:
    ///     metadata:
    ///       labels: {app: agent}
    ///     spec:
    ///       hostNetwork: true
    ///       containers:
    ///         - name: agent
    ///           image: registry.example.com/agent:2.1.0
    ///           securityContext:
    ///             privileged: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    ///   labels:
    ///     pod-security.kubernetes.io/enforce: baseline
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: agent
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels: {app: agent}
    ///   template:
    ///     metadata:
    ///       labels: {app: agent}
    ///     spec:
    ///       containers:
    ///         - name: agent
    ///           image: registry.example.com/agent:2.1.0
    ///           securityContext:
    ///             allowPrivilegeEscalation: false
    /// ```
    ///
    /// ## Options
    /// - `default-level`: the level namespaces without Pod Security labels are checked at, as
    ///   warnings (`privileged` turns that off). `faultline check --pod-security <level>` sets it
    ///   for one run.
    /// - `exempt-namespaces`, `exempt-runtime-classes`: the exemptions of the admission's own
    ///   configuration (`PodSecurityConfiguration`): pods in these namespaces, or with these
    ///   `runtimeClassName`s, are not checked. The admission's third exemption, `usernames`,
    ///   depends on who creates the pod, which manifests do not say: it has no equivalent here
    ///   (use the rule's `exemptions` in `.faultline.yaml` for the workloads concerned).
    ///
    /// ## References
    /// - Pod Security Standards: <https://kubernetes.io/docs/concepts/security/pod-security-standards/>
    /// - Pod Security Admission: <https://kubernetes.io/docs/concepts/security/pod-security-admission/>
    /// - The checks: <https://github.com/kubernetes/pod-security-admission/tree/master/policy>
    pub struct PodSecurity {
        id: "pod-security",
        category: Security,
        severity: Warning,
        summary: "a pod breaks the Pod Security Standards level its namespace enforces, warns or audits",
        params: [
            {
                name: "default-level",
                field: default_level,
                type: PodSecurityLevel,
                default: "baseline",
                description: "the level namespaces without Pod Security labels are checked at, as warnings",
            },
            {
                name: "exempt-namespaces",
                field: exempt_namespaces,
                type: List,
                default: "",
                description: "namespaces the admission exempts",
            },
            {
                name: "exempt-runtime-classes",
                field: exempt_runtime_classes,
                type: List,
                default: "",
                description: "runtime class names the admission exempts",
            },
        ],
    }
}

/// How a namespace's policy came about, for the wording.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// A Pod Security label of the Namespace in the input.
    Labelled,
    /// No label on the Namespace of the input: faultline's `default-level`.
    Default,
    /// No Namespace in the input: faultline's `default-level`.
    Unknown,
}

impl Rule for PodSecurity {
    fn check_object(&self, _cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        if obj.kind != "Namespace" {
            return;
        }
        let policy = NamespacePolicy::from_labels(
            obj.node.path(&["metadata", "labels"]),
            &NamespacePolicy::uniform(privileged()),
        );
        for e in &policy.errors {
            let key = e.key.scalar_text().unwrap_or("");
            let evaluated = if key.ends_with("-version") {
                "`latest`"
            } else if key == pod_security::policy::ENFORCE {
                "`restricted` (the admission fails closed)"
            } else {
                "`privileged` (the admission fails open)"
            };
            out.report(
                obj,
                e.key.range().cover(e.value.range()),
                format!("namespace `{}`: label `{key}` {}", obj.name, e.message),
            )
            .help(format!(
                "the admission evaluates this label as {evaluated}; write one of the values it accepts"
            ));
        }
    }

    fn check_pod(
        &self,
        cx: &Context<'_>,
        obj: &Object<'_>,
        pod: &PodTemplate<'_>,
        out: &mut Sink<'_>,
    ) {
        let params = Self::params(cx);
        let namespace = obj.namespace.unwrap_or("default");
        if params.exempt_namespaces.iter().any(|n| n == namespace) {
            return;
        }
        if let Some(rc) = pod.spec.get("runtimeClassName").and_then(|n| n.as_str())
            && !rc.is_empty()
            && params.exempt_runtime_classes.iter().any(|c| c == rc)
        {
            return;
        }
        let ns_obj = cx.inventory.find("Namespace", None, namespace);
        let labels = ns_obj.and_then(|n| n.node.path(&["metadata", "labels"]));
        let labelled =
            NamespacePolicy::from_labels(labels, &NamespacePolicy::uniform(privileged()));
        let (policy, origin) = if labelled.labelled {
            (labelled, Origin::Labelled)
        } else {
            let mut p = NamespacePolicy::uniform(privileged());
            p.warn.level_version.level = params.default_level;
            (
                p,
                if ns_obj.is_some() {
                    Origin::Default
                } else {
                    Origin::Unknown
                },
            )
        };
        if policy.fully_privileged() {
            return;
        }
        let kv = cx.settings.kube_version;
        let newest = if kv.major == 1 {
            u32::from(kv.minor)
        } else {
            pod_security::NEWEST_MINOR
        };
        let running_pod = obj.kind == "Pod" && faultline_graph::from_a_cluster(obj);
        // Evaluated once per distinct level and effective version; a check reported in one mode
        // is not reported again in a later one, nor is its restricted counterpart (or the
        // baseline check that one overrides): they judge the same fields.
        let mut done: Vec<((Level, u32), Vec<Violation<'_>>)> = Vec::new();
        let mut reported: Vec<CheckId> = Vec::new();
        for mode in [Mode::Enforce, Mode::Warn, Mode::Audit] {
            let m = policy.mode(mode);
            let lv = m.level_version;
            if lv.level == Level::Privileged {
                continue;
            }
            let key = (lv.level, lv.version.effective(newest));
            if !done.iter().any(|(k, _)| *k == key) {
                done.push((key, pod_security::evaluate(pod, key.0, key.1)));
            }
            let violations = &done.iter().find(|(k, _)| *k == key).expect("evaluated").1;
            for v in violations {
                if reported.iter().any(|r| {
                    *r == v.check
                        || r.overrides() == Some(v.check)
                        || v.check.overrides() == Some(*r)
                }) {
                    continue;
                }
                reported.push(v.check);
                let refused = mode == Mode::Enforce;
                let message = if refused {
                    format!("violates PodSecurity {:?}: {}", lv.to_string(), v.text())
                } else {
                    format!(
                        "would violate PodSecurity {:?}: {}",
                        lv.to_string(),
                        v.text()
                    )
                };
                let consequence = consequence(obj.kind, namespace, mode, lv, origin, running_pod);
                let help = format!("{}; {consequence}", fix(v.check));
                let mut report = out.report(obj, v.sites[0].range, message).help(help);
                if refused && !running_pod {
                    report = report.severity(Severity::Error);
                }
                for site in &v.sites[1..] {
                    report = report.related(obj, site.range, site.note.clone());
                }
                if let (Some(ns), Some((k, val))) = (ns_obj, m.label) {
                    let follows_enforce = k.scalar_text() == Some(pod_security::policy::ENFORCE);
                    let what = match (mode, follows_enforce) {
                        (Mode::Warn, true) => {
                            format!("warns at {lv} (following its enforce label)")
                        }
                        (Mode::Enforce, _) => format!("enforces {lv}"),
                        (Mode::Warn, false) => format!("warns at {lv}"),
                        (Mode::Audit, _) => format!("audits at {lv}"),
                    };
                    report = report.related(
                        ns,
                        k.range().cover(val.range()),
                        format!("namespace `{namespace}` {what}"),
                    );
                    if let Some((vk, vv)) = m.version_label {
                        report.related(
                            ns,
                            vk.range().cover(vv.range()),
                            format!("the policy version `{}`", lv.version),
                        );
                    }
                }
            }
        }
    }
}

fn privileged() -> LevelVersion {
    LevelVersion {
        level: Level::Privileged,
        version: Version::Latest,
    }
}

/// What the API server does with the pod, in the words of its mode.
fn consequence(
    kind: &str,
    namespace: &str,
    mode: Mode,
    lv: LevelVersion,
    origin: Origin,
    running_pod: bool,
) -> String {
    match (mode, origin) {
        (Mode::Enforce, _) if running_pod => format!(
            "namespace `{namespace}` enforces {lv}: this pod runs because it was admitted before the label or by an exemption, and the API server would refuse its replacement"
        ),
        (Mode::Enforce, _) if kind == "Pod" => {
            format!("namespace `{namespace}` enforces {lv}: the API server refuses this pod")
        }
        (Mode::Enforce, _) => format!(
            "namespace `{namespace}` enforces {lv}: the API server accepts the workload but refuses every pod its controller creates; the controller records `FailedCreate` events with this message and no pod starts (a rollout stalls)"
        ),
        (Mode::Warn, Origin::Labelled) => format!(
            "namespace `{namespace}` warns at {lv}: the pods are admitted and `kubectl` prints this as a warning; enforcing {lv} would refuse them"
        ),
        (Mode::Audit, _) => format!(
            "namespace `{namespace}` audits at {lv}: the pods are admitted and the API server's audit log records this; enforcing {lv} would refuse them"
        ),
        (_, Origin::Default) => format!(
            "namespace `{namespace}` has no Pod Security labels; faultline checks {} by default (`default-level`), and a namespace enforcing it would refuse these pods",
            lv.level
        ),
        (_, Origin::Unknown) => format!(
            "the input holds no Namespace `{namespace}`, so its Pod Security labels are unknown; faultline checks {} by default (`default-level`), and a namespace enforcing it would refuse these pods",
            lv.level
        ),
    }
}

/// What to change for a check.
fn fix(check: CheckId) -> &'static str {
    match check {
        CheckId::AllowPrivilegeEscalation => {
            "set `securityContext.allowPrivilegeEscalation: false` in every container"
        }
        CheckId::AppArmorProfile => {
            "use the `RuntimeDefault` or a `Localhost` AppArmor profile instead of `Unconfined`"
        }
        CheckId::CapabilitiesBaseline => {
            "add only capabilities of the container runtime's default set (none is best) in `securityContext.capabilities.add`"
        }
        CheckId::CapabilitiesRestricted => {
            "set `securityContext.capabilities.drop: [\"ALL\"]` in every container and add at most `NET_BIND_SERVICE`"
        }
        CheckId::HostNamespaces => {
            "remove `hostNetwork`, `hostPID` and `hostIPC` (they default to false)"
        }
        CheckId::HostPathVolumes => {
            "replace the hostPath volumes with an `emptyDir`, a ConfigMap, a Secret or a PersistentVolumeClaim"
        }
        CheckId::HostPorts => "remove `hostPort` and reach the port through a Service",
        CheckId::HostProbesAndHostLifecycle => {
            "remove `host` from the probe and lifecycle handlers, so that they target the pod itself"
        }
        CheckId::Privileged => "remove `securityContext.privileged: true`",
        CheckId::ProcMount | CheckId::ProcMountRestricted => {
            "remove `securityContext.procMount` (or set it to `Default`)"
        }
        CheckId::RestrictedVolumes => {
            "use only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret volumes"
        }
        CheckId::RunAsNonRoot => {
            "set `securityContext.runAsNonRoot: true` on the pod and remove any `runAsNonRoot: false`"
        }
        CheckId::RunAsUser => "remove `runAsUser: 0` and run as a non-zero UID",
        CheckId::SeLinuxOptions => {
            "remove the SELinux `user` and `role`, and use an allowed `type` (`container_t`, `container_init_t`, `container_kvm_t`, `container_engine_t` from v1.31)"
        }
        CheckId::SeccompProfileBaseline => {
            "use the `RuntimeDefault` or a `Localhost` seccomp profile instead of `Unconfined`"
        }
        CheckId::SeccompProfileRestricted => {
            "set `securityContext.seccompProfile.type: RuntimeDefault` on the pod"
        }
        CheckId::Sysctls => {
            "remove the sysctls outside the safe set (namespaced sysctls isolated from other pods)"
        }
        CheckId::WindowsHostProcess => "remove `windowsOptions.hostProcess: true`",
    }
}
