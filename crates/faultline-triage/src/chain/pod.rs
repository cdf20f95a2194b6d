//! The causes of what happened to a set of pods: memory, probes, the network, images,
//! configuration, scheduling, a full volume, quotas, and the program itself.

use crate::ids;
use faultline_diagnostics::Location;
use faultline_model::jvm;
use faultline_model::logs::LogCause;
use faultline_model::pod::{PodTemplate, Resources};
use faultline_model::{Object, ObjectId};
use faultline_rules::Context;
use faultline_rules::evidence::{shorten, summarize_events};

use super::facts::{PodFacts, container, find_scalar, first_container, first_probe};
use super::objects::owned;
use super::wording::{
    POD_SYMPTOMS, describe_pod, ns_flag, plural, policy_name, probe_failures_why, rule_what, sh,
    symptom_what,
};
use super::{Cause, Findings};

/// Other status findings about the same pods: the symptom one level down the chain.
pub(crate) fn symptom_links(
    findings: &Findings<'_>,
    facts: &PodFacts<'_>,
    this: usize,
) -> Vec<Cause> {
    let pod_keys: Vec<ObjectId> = facts.pods.iter().map(|p| p.id).collect();
    findings
        .on(&pod_keys, POD_SYMPTOMS)
        .into_iter()
        .filter(|j| *j != this)
        .map(|j| {
            let d = findings.get(j);
            Cause::finding(
                d,
                symptom_what(d.rule).to_owned(),
                "pods that do not become ready keep the workload (and the Services that select it) without capacity".to_owned(),
                95,
                Vec::new(),
            )
        })
        .collect()
}

/// The causes of what happened to a set of pods.
pub(crate) fn pod_causes(findings: &Findings<'_>, facts: &PodFacts<'_>) -> Vec<Cause> {
    let mut causes = Vec::new();
    if facts.pods.is_empty() {
        return causes;
    }
    memory_causes(findings, facts, &mut causes);
    liveness_causes(findings, facts, &mut causes);
    network_causes(findings, facts, &mut causes);
    image_causes(findings, facts, &mut causes);
    config_causes(findings, facts, &mut causes);
    scheduling_causes(findings, facts, &mut causes);
    if let Some((pod, _, line, _, _)) = facts.log(LogCause::DiskFull) {
        causes.push(Cause::about(
            pod,
            None,
            "a full volume".to_owned(),
            format!("the log says `{}`", shorten(line, 120)),
            70,
            vec![format!(
                "kubectl {}exec {} -- df -h",
                ns_flag(pod),
                sh(pod.name)
            )],
        ));
    }
    // Nothing in the configuration explains it: the program itself failed.
    if causes.is_empty()
        && let Some((pod, name, code)) = facts.exited
        && let Some(c) = container(pod, name)
    {
        let meaning = faultline_model::pod_status::exit_code_meaning(code)
            .map(|m| format!(" ({m})"))
            .unwrap_or_default();
        causes.push(Cause::at(
            pod,
            c.image().unwrap_or(c.node),
            format!("the program in container `{name}` itself"),
            format!(
                "it exits with code {code}{meaning}, and no Event, log line or finding points at its configuration: its own output says why"
            ),
            30,
            vec![format!(
                "kubectl {}logs {} -c {} --previous",
                ns_flag(pod),
                sh(pod.name),
                sh(name)
            )],
        ));
    }
    causes
}

pub(crate) fn memory_causes(
    findings: &Findings<'_>,
    facts: &PodFacts<'_>,
    causes: &mut Vec<Cause>,
) {
    let oom_log = facts.log(LogCause::OutOfMemory);
    let Some((pod, name)) = facts
        .oom_killed
        .first()
        .copied()
        .or_else(|| oom_log.map(|l| (l.0, "")))
    else {
        return;
    };
    let mut why = Vec::new();
    if !facts.oom_killed.is_empty() {
        let pods = {
            let mut p: Vec<_> = facts.oom_killed.iter().map(|(p, _)| p.id).collect();
            p.dedup();
            p.len()
        };
        why.push(format!(
            "the last run of {} ended `OOMKilled` (exit code 137)",
            plural(pods as i64, "pod", "pods")
        ));
    }
    if let Some((_, _, line, _, _)) = oom_log {
        why.push(format!(
            "the log says `{}` ({})",
            shorten(line, 100),
            plural(
                i64::from(facts.log_lines(LogCause::OutOfMemory)),
                "line",
                "lines"
            )
        ));
    }
    let why = why.join("; ");
    let confirm = vec![
        format!(
            "kubectl {}get pod {} -o jsonpath='{{.status.containerStatuses[*].lastState.terminated.reason}}'",
            ns_flag(pod),
            sh(pod.name)
        ),
        format!("kubectl {}logs {} --previous", ns_flag(pod), sh(pod.name)),
    ];
    let container = if name.is_empty() {
        first_container(pod)
    } else {
        container(pod, name)
    };
    let Some(container) = container else {
        return;
    };
    let heap = findings.on(&facts.keys, &[ids::JVM_HEAP_EXCEEDS_MEMORY_LIMIT]);
    if let Some(j) = heap.first() {
        let d = findings.get(*j);
        causes.push(Cause::finding(
            d,
            "the JVM heap leaves too little of the memory limit".to_owned(),
            why.clone(),
            92,
            confirm.clone(),
        ));
    }
    let settings = jvm::heap_settings(&container);
    if let Some(flag) = settings.max_heap.as_ref().or(settings.max_ram.as_ref())
        && heap.is_empty()
    {
        let env = flag
            .env
            .map(|e| format!(" (in env `{e}`)"))
            .unwrap_or_default();
        causes.push(Cause::about(
            pod,
            Some(Location::new(pod.file, flag.range)),
            format!(
                "the JVM heap flag `{}`{env} of container `{}`",
                flag.flag,
                container.name()
            ),
            format!("{why}; the heap plus the JVM's own memory must fit in the limit"),
            85,
            confirm.clone(),
        ));
    }
    match container.resource(Resources::Limits, "memory") {
        Some(limit) => causes.push(Cause::at(
            pod,
            limit,
            format!(
                "the memory limit `{}` of container `{}`",
                limit.scalar_text().unwrap_or("?"),
                container.name()
            ),
            why,
            88,
            confirm,
        )),
        None => {
            let missing = findings.on(&facts.keys, &[ids::RESOURCES_MEMORY_LIMIT_MISSING]);
            let what = format!("container `{}` has no memory limit", container.name());
            let why =
                format!("{why}; without a limit it is killed when the node runs out of memory");
            match missing.first() {
                Some(j) => causes.push(Cause::finding(findings.get(*j), what, why, 80, confirm)),
                None => causes.push(Cause::about(
                    pod,
                    container
                        .name_node()
                        .map(|n| Location::new(pod.file, n.range())),
                    what,
                    why,
                    80,
                    confirm,
                )),
            }
        }
    }
}

pub(crate) fn liveness_causes(
    findings: &Findings<'_>,
    facts: &PodFacts<'_>,
    causes: &mut Vec<Cause>,
) {
    let Some((failed, message)) = facts.probe_failures.get("Liveness").copied() else {
        return;
    };
    let pod = facts.pods[0];
    let mut why = probe_failures_why(failed, message);
    if facts.liveness_kills > 0 {
        why.push_str(&format!(
            "; the kubelet restarted the container {} for it",
            plural(facts.liveness_kills, "time", "times")
        ));
    }
    let confirm = vec![format!(
        "kubectl {}get events --field-selector involvedObject.name={},reason=Unhealthy",
        ns_flag(pod),
        sh(pod.name)
    )];
    let slow: Vec<usize> = findings
        .on(
            &facts.keys,
            &[
                ids::PROBE_LIVENESS_KILLS_SLOW_START,
                ids::PROBE_LIVENESS_EQUALS_READINESS,
                ids::PROBE_DEPENDS_ON_SERVICE,
            ],
        )
        .into_iter()
        .filter(|j| {
            let d = findings.get(*j);
            d.rule != ids::PROBE_DEPENDS_ON_SERVICE || d.message.starts_with("the liveness probe")
        })
        .collect();
    // A probe that kills a slow start explains the restarts before a dependency it checks.
    let mut slow = slow;
    slow.sort_by_key(|j| u8::from(findings.get(*j).rule == ids::PROBE_DEPENDS_ON_SERVICE));
    if let Some(j) = slow.first() {
        let d = findings.get(*j);
        causes.push(Cause::finding(
            d,
            if d.rule == ids::PROBE_LIVENESS_KILLS_SLOW_START {
                "the liveness probe kills the container before it can start".to_owned()
            } else if d.rule == ids::PROBE_DEPENDS_ON_SERVICE {
                "the liveness probe checks another service".to_owned()
            } else {
                "the liveness probe fails whenever the readiness probe does".to_owned()
            },
            why.clone(),
            90,
            confirm.clone(),
        ));
    }
    // The probe itself, unless a finding already names it (one cause, not the same probe
    // twice under two numbers).
    if slow.is_empty()
        && let Some((p, name, node)) = first_probe(&facts.pods, "livenessProbe")
    {
        causes.push(Cause::at(
            p,
            node,
            format!("the liveness probe of container `{name}`"),
            why,
            80,
            confirm,
        ));
    }
}

pub(crate) fn network_causes(
    findings: &Findings<'_>,
    facts: &PodFacts<'_>,
    causes: &mut Vec<Cause>,
) {
    if let Some((pod, _, line, target, _)) = facts.log(LogCause::DnsFailure) {
        let lines = facts.log_lines(LogCause::DnsFailure);
        let why = format!(
            "the log says `{}` ({})",
            shorten(line, 120),
            plural(i64::from(lines), "line", "lines")
        );
        let host = target.unwrap_or("kubernetes.default");
        let confirm = vec![
            format!(
                "kubectl {}exec {} -- nslookup {}",
                ns_flag(pod),
                sh(pod.name),
                sh(host)
            ),
            format!("kubectl {}get networkpolicy -o yaml", ns_flag(pod)),
        ];
        let blocked = findings.naming(&facts.keys, &[ids::NETPOL_BLOCKS_DNS]);
        if blocked.is_empty() {
            causes.push(Cause::about(
                pod,
                None,
                "name resolution fails".to_owned(),
                format!("{why}; no NetworkPolicy in the input blocks DNS for these pods, so look at the cluster DNS and the name itself"),
                40,
                vec![
                    confirm[0].clone(),
                    "kubectl -n kube-system get pods -l k8s-app=kube-dns".to_owned(),
                ],
            ));
        }
        for j in blocked {
            let d = findings.get(j);
            causes.push(Cause::finding(
                d,
                format!("NetworkPolicy {} blocks DNS", policy_name(d)),
                why.clone(),
                86,
                confirm.clone(),
            ));
        }
    }
    if let Some((pod, _, line, _, _)) = facts.log(LogCause::ApiServerTimeout) {
        let lines = facts.log_lines(LogCause::ApiServerTimeout);
        let why = format!(
            "the log says `{}` ({})",
            shorten(line, 120),
            plural(i64::from(lines), "line", "lines")
        );
        let confirm = vec![
            format!("kubectl {}get networkpolicy -o yaml", ns_flag(pod)),
            "kubectl -n default get endpoints kubernetes".to_owned(),
        ];
        let blocked = findings.naming(&facts.keys, &[ids::NETPOL_BLOCKS_API_SERVER]);
        if blocked.is_empty() {
            causes.push(Cause::about(
                pod,
                None,
                "calls to the Kubernetes API time out".to_owned(),
                format!("{why}; no NetworkPolicy in the input is known to cut these pods off the API server, so look at the policies of the cluster and the API server's health"),
                35,
                confirm.clone(),
            ));
        }
        for j in blocked {
            let d = findings.get(j);
            causes.push(Cause::finding(
                d,
                format!(
                    "NetworkPolicy {} cuts these pods off the API server",
                    policy_name(d)
                ),
                why.clone(),
                86,
                confirm.clone(),
            ));
        }
    }
    if let Some((pod, _, line, target, _)) = facts.log(LogCause::ConnectionRefused) {
        let why = format!("the log says `{}`", shorten(line, 120));
        let blocked = findings.on(&facts.keys, &[ids::NETPOL_BLOCKS_SERVICE_DEPENDENCY]);
        for j in &blocked {
            let d = findings.get(*j);
            causes.push(Cause::finding(
                d,
                "a NetworkPolicy blocks a dependency it connects to".to_owned(),
                why.clone(),
                70,
                Vec::new(),
            ));
        }
        if blocked.is_empty() {
            causes.push(Cause::about(
                pod,
                None,
                format!(
                    "a dependency{} refuses connections",
                    target.map(|t| format!(" `{t}`")).unwrap_or_default()
                ),
                format!("{why}: it is down or not ready, or listens on another port"),
                45,
                vec![format!("kubectl {}get endpointslices", ns_flag(pod))],
            ));
        }
    }
}

pub(crate) fn image_causes(findings: &Findings<'_>, facts: &PodFacts<'_>, causes: &mut Vec<Cause>) {
    let Some((pod, name, reason, message)) = facts
        .waiting_with(&["ErrImagePull", "ImagePullBackOff", "InvalidImageName"])
        .copied()
    else {
        return;
    };
    let detail = facts.pull_failure.or(message).unwrap_or("");
    let lower = detail.to_ascii_lowercase();
    let auth = [
        "unauthorized",
        "authentication required",
        "denied",
        "forbidden",
        "401",
        "403",
    ]
    .iter()
    .any(|w| lower.contains(w));
    let why = if detail.is_empty() {
        format!("container `{name}` is waiting with `{reason}`")
    } else {
        format!(
            "container `{name}` is waiting with `{reason}`: `{}`",
            shorten(detail, 160)
        )
    };
    let confirm = vec![describe_pod(pod)];
    let Some(c) = container(pod, name) else {
        return;
    };
    if let Some(image) = c.image() {
        causes.push(Cause::at(
            pod,
            image,
            format!("the image `{}`", image.scalar_text().unwrap_or("?")),
            why.clone(),
            if auth { 70 } else { 90 },
            confirm.clone(),
        ));
    }
    let missing = findings.on(&facts.keys, &[ids::REFERENCE_NOT_FOUND]);
    for j in missing {
        let d = findings.get(j);
        if d.message.contains("imagePullSecret") || d.message.contains("pull secret") {
            causes.push(Cause::finding(
                d,
                "the image pull secret does not exist".to_owned(),
                why.clone(),
                92,
                confirm.clone(),
            ));
        }
    }
    if auth {
        let secrets = PodTemplate::of(pod).and_then(|t| t.spec.get("imagePullSecrets"));
        let (what, node) = match secrets {
            Some(s) => ("the image pull secrets".to_owned(), s),
            None => (
                "the pod has no `imagePullSecrets` for a registry that requires login".to_owned(),
                c.image().unwrap_or(c.node),
            ),
        };
        causes.push(Cause::at(pod, node, what, why, 88, confirm));
    }
}

pub(crate) fn config_causes(
    findings: &Findings<'_>,
    facts: &PodFacts<'_>,
    causes: &mut Vec<Cause>,
) {
    let Some((pod, name, reason, message)) = facts
        .waiting_with(&["CreateContainerConfigError", "CreateContainerError"])
        .copied()
    else {
        return;
    };
    let why = format!(
        "container `{name}` is waiting with `{reason}`{}",
        message
            .map(|m| format!(": `{}`", shorten(m, 160)))
            .unwrap_or_default()
    );
    let confirm = vec![describe_pod(pod)];
    let missing = findings.on(&facts.keys, &[ids::REFERENCE_NOT_FOUND]);
    for j in &missing {
        let d = findings.get(*j);
        causes.push(Cause::finding(
            d,
            "a ConfigMap, Secret or key it references does not exist".to_owned(),
            why.clone(),
            92,
            confirm.clone(),
        ));
    }
    // The message names the object: `configmap "app-config" not found`, `secret "db" not found`,
    // `couldn't find key url in ConfigMap shop/app-config`.
    let named = message.and_then(|m| {
        let start = m.find('"')? + 1;
        let len = m[start..].find('"')?;
        Some(&m[start..start + len])
    });
    if let Some(target) = named
        && missing.is_empty()
        && let Some(c) = container(pod, name)
        && let Some(node) = find_scalar(c.node, target)
    {
        causes.push(Cause::at(
            pod,
            node,
            format!("the reference to `{target}` in container `{name}`"),
            why,
            85,
            confirm,
        ));
    }
}

pub(crate) fn scheduling_causes(
    findings: &Findings<'_>,
    facts: &PodFacts<'_>,
    causes: &mut Vec<Cause>,
) {
    let Some(message) = facts.unschedulable.first().copied() else {
        return;
    };
    let pod = facts.pods[0];
    let why = format!("the scheduler says `{}`", shorten(message, 200));
    let confirm = vec![
        describe_pod(pod),
        "kubectl get nodes --show-labels".to_owned(),
    ];
    let static_rules = [
        ids::NODE_SELECTOR_MATCHES_NO_NODE,
        ids::TAINT_NOT_TOLERATED,
        ids::ANTI_AFFINITY_UNSATISFIABLE,
        ids::TOPOLOGY_SPREAD_UNSATISFIABLE,
        ids::QUOTA_BLOCKS_SCALE_OUT,
        ids::PVC_PENDING,
    ];
    for j in findings.on(&facts.keys, &static_rules) {
        let d = findings.get(j);
        causes.push(Cause::finding(
            d,
            rule_what(d.rule).to_owned(),
            why.clone(),
            93,
            confirm.clone(),
        ));
    }
    let Some(t) = PodTemplate::of(pod) else {
        return;
    };
    let lower = message.to_ascii_lowercase();
    let mut found: Vec<Cause> = Vec::new();
    let mut at = |key: &str, what: &str, score: u8| {
        if let Some(node) = t.spec.get(key) {
            found.push(Cause::at(
                pod,
                node,
                what.to_owned(),
                why.clone(),
                score,
                confirm.clone(),
            ));
        }
    };
    if lower.contains("node affinity") || lower.contains("node selector") {
        at("nodeSelector", "the pod's `nodeSelector`", 80);
        at("affinity", "the pod's `affinity`", 78);
    }
    if lower.contains("taint") {
        at("tolerations", "the pod's `tolerations`", 75);
        if t.spec.get("tolerations").is_none() {
            causes.push(Cause::about(
                pod,
                None,
                "the pod tolerates no taint".to_owned(),
                why.clone(),
                74,
                vec!["kubectl describe nodes | grep -i taints".to_owned()],
            ));
        }
    }
    if lower.contains("anti-affinity") {
        at("affinity", "the pod's anti-affinity", 80);
    }
    if lower.contains("topology spread") {
        at(
            "topologySpreadConstraints",
            "the pod's `topologySpreadConstraints`",
            80,
        );
    }
    if lower.contains("free ports") {
        for c in t.containers() {
            let host_port = c.ports().find_map(|p| p.get("hostPort"));
            if let Some(p) = host_port {
                causes.push(Cause::at(
                    pod,
                    p,
                    format!("the `hostPort` of container `{}`", c.name()),
                    format!("{why}: only one pod per node can bind a host port"),
                    79,
                    vec!["kubectl get pods -A -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name,NODE:.spec.nodeName,HOSTPORTS:.spec.containers[*].ports[*].hostPort".to_owned()],
                ));
            }
        }
    }
    if lower.contains("persistentvolumeclaim") || lower.contains("unbound") {
        at(
            "volumes",
            "the pod's volumes (a PersistentVolumeClaim that is not bound)",
            80,
        );
    }
    causes.extend(found);
    if lower.contains("insufficient") {
        for c in t.containers() {
            if let Some(r) = c.node.path(&["resources", "requests"]) {
                causes.push(Cause::at(
                    pod,
                    r,
                    format!("the resource requests of container `{}`", c.name()),
                    format!("{why}: no node has that much free"),
                    78,
                    vec!["kubectl describe nodes | grep -A8 'Allocated resources'".to_owned()],
                ));
            }
        }
    }
}

/// `FailedCreate … exceeded quota` on a workload or its ReplicaSets/Jobs.
pub(crate) fn quota_failures<'a>(
    cx: &Context<'a>,
    findings: &Findings<'_>,
    workload: &'a Object<'a>,
) -> Vec<Cause> {
    let mut objects = vec![workload];
    objects.extend(
        owned(cx, workload)
            .into_iter()
            .filter(|o| matches!(o.kind, "ReplicaSet" | "Job")),
    );
    let failed = summarize_events(cx, objects.iter().copied(), |e| {
        e.reason.is_some_and(|r| r.value == "FailedCreate")
            && e.message
                .is_some_and(|m| m.value.contains("exceeded quota"))
    });
    let Some(summary) = failed.first() else {
        return Vec::new();
    };
    let why = summary.describe();

    let confirm = vec![format!(
        "kubectl {}describe resourcequota",
        ns_flag(workload)
    )];
    let keys: Vec<ObjectId> = vec![workload.id];
    let mut causes: Vec<Cause> = findings
        .naming(
            &keys,
            &[ids::QUOTA_BLOCKS_SCALE_OUT, ids::QUOTA_REQUIRES_REQUESTS],
        )
        .into_iter()
        .map(|j| {
            let d = findings.get(j);
            Cause::finding(
                d,
                rule_what(d.rule).to_owned(),
                why.clone(),
                93,
                confirm.clone(),
            )
        })
        .collect();
    // The exhausted quotas of the namespace.
    if let Some(ns) = workload.namespace {
        for d in findings
            .of_rule(ids::QUOTA_EXHAUSTED)
            .map(|i| findings.get(i))
        {
            if d.object
                .as_ref()
                .is_some_and(|o| o.namespace.as_deref() == Some(ns))
            {
                causes.push(Cause::finding(
                    d,
                    match d.object.as_ref().filter(|o| o.kind == "ResourceQuota") {
                        Some(q) => format!("ResourceQuota `{}` is exhausted", q.name),
                        None => "a ResourceQuota refuses new pods".to_owned(),
                    },
                    why.clone(),
                    90,
                    confirm.clone(),
                ));
            }
        }
    }
    if causes.is_empty() {
        let e = &summary.first_event;
        causes.push(Cause::at(
            &e.object,
            e.reason.map_or(e.object.node, |r| r.node),
            "a ResourceQuota refuses new pods".to_owned(),
            why,
            85,
            confirm,
        ));
    }
    causes
}
