//! False positives are bugs: real-world manifests from `../shared/corpora` must come out clean,
//! and the findings that remain must be the known true positives listed here, each with why.
//! Needs `../shared`: fails when `CI` is set and it is missing, skips with a message otherwise.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use assert_cmd::Command;
use faultline_testdata::corpora;

/// `faultline check --no-config --format json ARGS…` in `root`, parsed.
fn check_json(args: &[&str], root: &Path) -> serde_json::Value {
    let out = Command::cargo_bin("faultline")
        .unwrap()
        .current_dir(root)
        .args(["check", "--no-config", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).expect("json output")
}

/// `rule path:line` of every error and warning, with how often it occurs there.
fn findings(args: &[&str], root: &Path) -> BTreeMap<String, usize> {
    let v = check_json(args, root);
    assert!(
        v["summary"]["objects"].as_u64().unwrap() > 0,
        "no objects in {args:?}"
    );
    let mut found = BTreeMap::new();
    for d in v["diagnostics"].as_array().unwrap() {
        if d["severity"] == "info" {
            continue;
        }
        let key = format!(
            "{} {}:{}",
            d["rule"].as_str().unwrap(),
            d["location"]["path"].as_str().unwrap(),
            d["location"]["line"]
        );
        *found.entry(key).or_insert(0) += 1;
    }
    found
}

/// Lint findings that real installs trigger on purpose, counted per rule so that a change in
/// either direction shows up. Each count was checked against an independent count (a Python
/// script over the same files) of app containers and sidecars without a memory limit, or
/// without a CPU or memory request (limits count as requests, as the API server defaults them).
/// The findings are true: these manifests leave resources to whoever installs them (Argo CD,
/// Linkerd's default install, Istio's samples and the Kubernetes examples say so), and such
/// pods run unbounded and `BestEffort`/`Burstable` until someone sets them.
///
/// `probe-readiness-missing` counts were checked the same way (a Python script over the same
/// files matching Service selectors to pod template labels in the same namespace, and counting
/// the containers that declare or probe a Service target port without a readiness probe, plus
/// pods behind a Service where no container can be told to serve it and none has one). Each
/// is a pod behind a Service that joins its endpoints as soon as it starts: samples and
/// examples rarely write readiness probes, Argo CD's ApplicationSet webhook, Dex, Redis and
/// notifications metrics have none, and kube-prometheus' `kube-rbac-proxy` sidecars (and the
/// blackbox exporter's probe port, which Prometheus calls through the Service) have none.
struct Lint {
    rule: &'static str,
    count: usize,
}

/// Asserts that the findings in `dir` are exactly the counted lints plus the listed ones.
fn assert_findings(
    dir: &str,
    found: &BTreeMap<String, usize>,
    lints: &[Lint],
    listed: &[&str],
    also: impl Fn(&str) -> bool,
) {
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unexpected = Vec::new();
    for (f, n) in found {
        let rule = f.split(' ').next().unwrap();
        if lints.iter().any(|l| l.rule == rule) {
            *per_rule.entry(rule).or_default() += n;
        } else if !listed.contains(&f.as_str()) && !also(f) {
            unexpected.push(f.clone());
        }
    }
    assert!(
        unexpected.is_empty(),
        "{dir}: unexpected findings: {unexpected:#?}"
    );
    for l in lints {
        assert_eq!(
            per_rule.get(l.rule).copied().unwrap_or(0),
            l.count,
            "{dir}: number of `{}` findings",
            l.rule
        );
    }
    for l in listed {
        assert!(
            found.contains_key(*l),
            "{dir}: expected finding missing: {l}"
        );
    }
}

const fn lint(rule: &'static str, count: usize) -> Lint {
    Lint { rule, count }
}

#[test]
fn real_world_installs_are_clean() {
    let Some(root) = corpora() else { return };
    let found = findings(&["cert-manager"], &root);
    assert!(found.is_empty(), "cert-manager: {found:#?}");
}

#[test]
fn real_world_installs_keep_their_known_findings() {
    let Some(root) = corpora() else { return };
    let none = |_: &str| false;
    // Argo CD sets no resources. Its HA Redis proxy (haproxy: `httpGet /healthz` on 8888,
    // 3 × 3 s) and Sentinel (`exec /health/sentinel_liveness.sh`, 5 × 15 s) use the same
    // check with the same patience for liveness and readiness: under load the pod is
    // restarted at the moment it leaves rotation. The policy for the HA haproxy admits
    // Sentinel's port 26379, but haproxy only binds :6379, :8888 and :9101 (its haproxy.cfg)
    // and declares those ports: the entry admits nothing. Sentinel listens on the redis-ha
    // StatefulSet pods, not on haproxy.
    // Security (issue 12): the manifests of Argo CD's main branch run
    // `quay.io/argoproj/argocd:latest` (releases pin a version), 32 containers, and its
    // `secret-init` init container pulls it `IfNotPresent` (4 manifests). The application
    // controller's ClusterRole grants `*` on `*` in `*` and is bound cluster-wide to its
    // ServiceAccount (install.yaml and ha/install.yaml: 2 + 2), argocd-server may `delete`,
    // `get` and `patch` every resource of every group (2), and the ApplicationSet
    // controller's ClusterRole lists Secrets through a ClusterRoleBinding (install.yaml; the
    // HA install has no such ClusterRole).
    assert_findings(
        "argo-cd",
        &findings(&["argo-cd"], &root),
        &[
            lint("resources-memory-limit-missing", 34),
            lint("resources-requests-missing", 34),
            lint("probe-readiness-missing", 14),
            lint("image-tag-latest", 32),
            lint("image-pull-policy-stale", 4),
            lint("rbac-wildcard", 4),
            lint("rbac-cluster-admin-binding", 2),
            lint("rbac-secrets-read-cluster-wide", 1),
        ],
        &[
            "probe-liveness-equals-readiness argo-cd/manifests/ha/install.yaml:33739",
            "probe-liveness-equals-readiness argo-cd/manifests/ha/install.yaml:35397",
            "probe-liveness-equals-readiness argo-cd/manifests/ha/namespace-install.yaml:2389",
            "probe-liveness-equals-readiness argo-cd/manifests/ha/namespace-install.yaml:4047",
            "netpol-port-not-exposed argo-cd/manifests/ha/install.yaml:35672",
            "netpol-port-not-exposed argo-cd/manifests/ha/namespace-install.yaml:4322",
        ],
        none,
    );
    // kube-prometheus is clean apart from readiness: its `kube-rbac-proxy` sidecars serve the
    // exporters' and the operator's Service ports (`https`, `https-main`, `https-self`) without
    // a readiness probe, and so does the blackbox exporter on its probe port.
    // Security: node-exporter mounts the node's `/` and `/sys` (read-only, by design: an
    // exemption is the way to accept it), kube-state-metrics lists Secrets cluster-wide (for
    // their metadata metrics), and the Prometheus operator may do anything to every
    // ConfigMap and Secret (`*` verbs on `configmaps`, `secrets`).
    assert_findings(
        "kube-prometheus",
        &findings(&["kube-prometheus"], &root),
        &[
            lint("probe-readiness-missing", 6),
            lint("host-path-sensitive", 2),
            lint("rbac-secrets-read-cluster-wide", 1),
            lint("rbac-wildcard", 1),
        ],
        &[],
        none,
    );
    // The controller requests CPU and memory but has no memory limit; the admission Jobs set
    // nothing. The controller's ClusterRole lists and watches Secrets in every namespace
    // (for TLS certificates; the cloud provider's deploy.yaml binds it cluster-wide).
    assert_findings(
        "ingress-nginx",
        &findings(&["ingress-nginx"], &root),
        &[
            lint("resources-memory-limit-missing", 6),
            lint("resources-requests-missing", 4),
            lint("rbac-secrets-read-cluster-wide", 1),
        ],
        &[],
        none,
    );
    // Online Boutique gives every service identical liveness and readiness probes (gRPC health
    // or Redis's TCP port, same period and threshold): 9 services × 2 copies of the manifests.
    // The skaffold sources in kubernetes-manifests/ name their images without a tag
    // (`image: frontend`): skaffold substitutes them; applied as written, they pull
    // `:latest` (11 services; release/ pins them).
    assert_findings(
        "microservices-demo",
        &findings(&["microservices-demo"], &root),
        &[
            lint("probe-liveness-equals-readiness", 18),
            lint("image-tag-latest", 11),
        ],
        &[],
        none,
    );
    // The default install leaves control-plane resources unset (the HA values set them); the
    // HA output still has none on `sp-validator` and `policy`.
    for (golden, n) in [
        ("install_default.golden", 9),
        ("install_ha_output.golden", 2),
    ] {
        let dir = format!("linkerd2/cli/cmd/testdata/{golden}");
        assert_findings(
            &dir,
            &findings(&[&dir], &root),
            &[
                lint("resources-memory-limit-missing", n),
                lint("resources-requests-missing", n),
            ],
            &[],
            none,
        );
    }
}

#[test]
fn istio_flags_its_unrendered_chart_sources_and_sample_lints() {
    let Some(root) = corpora() else { return };
    // samples/ambient-argo/tag-chart/templates/ holds Helm chart sources, not rendered output
    // (shared/corpora/README.md); everything else, including the sidecar injector template kept
    // as ConfigMap data, is clean apart from lints. The samples set no resources, istiod in the
    // rendered installs requests CPU and memory but has no memory limit, and so does Calico's
    // node agent (which requests only CPU). The Jaeger, Kiali and Prometheus config-reloader
    // addons probe liveness and readiness identically.
    // Security: test and sample images without a tag or tagged `latest` (13; three of them
    // pulled `IfNotPresent`); Grafana's admin password `admin` and the Bookinfo MySQL
    // password as literal env values (3); Calico's BPF mounter reads the node's `/proc`, the
    // core-dump sample writes its `/sys`, the SPIRE CSI driver mounts
    // `/var/lib/kubelet/pods` (3); istiod's and istio-reader's ClusterRoles (pilot golden)
    // and Loki's read Secrets cluster-wide (3).
    // Pod Security (no Namespace labels: the default baseline level, as warnings; each finding
    // read in the manifest): Calico's node DaemonSet in kube-system (prow/config/calico.yaml)
    // uses hostNetwork, runs four privileged containers and mounts eleven host paths; the
    // core-dump sample's DaemonSet uses hostNetwork, a privileged init container and the
    // node's `/sys`; the SPIRE agent DaemonSet uses hostNetwork and hostPID, a privileged CSI
    // driver and three host paths: 3 checks each (9).
    assert_findings(
        "istio",
        &findings(&["istio"], &root),
        &[
            lint("resources-memory-limit-missing", 86),
            lint("resources-requests-missing", 84),
            lint("probe-readiness-missing", 64),
            lint("image-tag-latest", 13),
            lint("image-pull-policy-stale", 3),
            lint("env-literal-credential", 3),
            lint("host-path-sensitive", 3),
            lint("rbac-secrets-read-cluster-wide", 3),
            lint("pod-security", 9),
        ],
        &[
            "probe-liveness-equals-readiness istio/samples/addons/extras/prometheus-secure-metrics.yaml:561",
            "probe-liveness-equals-readiness istio/samples/addons/jaeger.yaml:27",
            "probe-liveness-equals-readiness istio/samples/addons/kiali.yaml:419",
            "probe-liveness-equals-readiness istio/samples/addons/prometheus.yaml:486",
            // Schema (issue 13): `policy/v1` never had a PodSecurityPolicy (it was
            // `policy/v1beta1`, removed in 1.25). The SPIRE federation sample sets
            // `spec.className`, which the ClusterFederatedTrustDomain CRD the corpus ships
            // (samples/security/spire/spire-quickstart.yaml, controller-gen v0.8.0) does not
            // declare: pruned by the API server, refused by `kubectl apply` (a warning: the
            // cluster may run a newer CRD).
            "api-unknown istio/samples/security/psp/sidecar-psp.yaml:1",
            "schema-unknown-field istio/samples/security/spire-trust-domain-federation/cluster-federated-trust-domain.yaml:6",
        ],
        |f| f.starts_with("unrendered-template istio/samples/ambient-argo/tag-chart/templates/"),
    );
}

#[test]
fn old_examples_keep_their_known_findings() {
    let Some(root) = corpora() else { return };
    let found = findings(&["kubernetes-examples"], &root);
    let p = |s: &str| format!("kubernetes-examples/{s}");
    // Each is real: removed API versions of archived examples, duplicated keys, and a template
    // (`{{cell}}`) that YAML reads as a map. The examples set no resources. Selenium's hub
    // probes `/wd/hub/status` identically for liveness and readiness. The Cassandra
    // StatefulSet (a JVM) is killed unless `nodetool status` succeeds 15 + 10 × 3 s (+ 5 s)
    // after start; a Cassandra node commonly needs a minute to start and join its ring.
    // CockroachDB's budget asks `minAvailable: 67%` of 3 replicas, which the disruption
    // controller rounds up to 3: no eviction is ever allowed and drains hang. The vLLM
    // Deployment writes `replicas: 1` while two HorizontalPodAutoscalers (hpa/*.yaml) scale it:
    // every apply resets it to one replica. 58 pods behind Services lack readiness probes (the
    // Python count finds 57: it cannot parse the vitess template with `replicas: {{replicas}}`,
    // whose vtgate pods are the 58th).
    // Security: 69 images without a tag or tagged `latest` (`nginx`, `busybox`,
    // `mysql:latest`…; `<image_url>` placeholders are skipped), 4 of them pulled
    // `IfNotPresent`; literal MySQL, MinIO and Sysdig credentials in env (15); the New Relic
    // and Sysdig agents mount the Docker socket (4) and the node's `/`, `/dev`, `/proc`,
    // `/sys`, `/boot`, `/usr` (12); the PodSecurityPolicy example binds `edit` cluster-wide.
    // Pod Security (no Namespace labels: the default baseline level, as warnings; 34 findings,
    // each read in the manifest): the New Relic (2) and Sysdig (DaemonSet and RC) agents use
    // host namespaces, privileged containers and host paths (and Sysdig's RC a hostPort);
    // Elasticsearch's `init-sysctl` is privileged and its nodes add `IPC_LOCK` (5), and so
    // does Cassandra (1); hostPorts in the Tomcat sidecar pods (2), MongoDB, MinIO (2), Storm's
    // workers and the Flocker example; vitess mounts `/dev/log` and certificates from the host
    // (4); the flexvolume installer and the NFS server are privileged, the former also with a
    // hostPath; the PodSecurityPolicy example's `pod_priv.yaml` is privileged on purpose.
    assert_findings(
        "kubernetes-examples",
        &found,
        &[
            lint("resources-memory-limit-missing", 116),
            lint("resources-requests-missing", 105),
            lint("probe-readiness-missing", 58),
            lint("image-tag-latest", 69),
            lint("image-pull-policy-stale", 4),
            lint("env-literal-credential", 15),
            lint("host-path-runtime-socket", 4),
            lint("host-path-sensitive", 12),
            lint("rbac-secrets-read-cluster-wide", 1),
            lint("pod-security", 34),
        ],
        &[
            // Schema (issue 13). Placeholders of a template engine that is not Helm's where
            // the schema wants another type (`{{replicas}}`, `{{cell}}` read as maps, `<ADD LUN
            // ID Here>` for an integer, `{{config_data}}` as a Secret value):
            &format!(
                "unrendered-template {}",
                p("_archived/storage/vitess/etcd-service-template.yaml:14")
            ),
            &format!(
                "unrendered-template {}",
                p("_archived/storage/vitess/etcd-service-template.yaml:7")
            ),
            &format!(
                "unrendered-template {}",
                p("_archived/storage/vitess/etcd-controller-template.yaml:6")
            ),
            &format!(
                "unrendered-template {}",
                p("_archived/storage/vitess/etcd-controller-template.yaml:11")
            ),
            &format!(
                "unrendered-template {}",
                p("_archived/storage/vitess/vtgate-controller-template.yaml:6")
            ),
            &format!(
                "unrendered-template {}",
                p("_archived/volumes/fibre_channel/fc.yaml:17")
            ),
            &format!(
                "unrendered-template {}",
                p("_archived/newrelic/newrelic-config-template.yaml:7")
            ),
            &format!(
                "unrendered-template {}",
                p("_archived/newrelic-infrastructure/newrelic-config-template.yaml:7")
            ),
            // An alpha API removed in 1.14, before the removal table starts; kube-scheduler's
            // policy file (`kind: Policy`, removed with the policy API in 1.23) was never an
            // API object: `kubectl apply` finds no such kind.
            &format!(
                "api-unknown {}",
                p(
                    "_archived/cloud-controller-manager/persistent-volume-label-initializer-config.yaml:2"
                )
            ),
            &format!(
                "api-unknown {}",
                p("_archived/scheduler-policy/scheduler-policy-config.json:3")
            ),
            &format!(
                "api-unknown {}",
                p("_archived/scheduler-policy/scheduler-policy-config-with-extender.json:3")
            ),
            // `protocol: tcp` (the values are case-sensitive: `TCP`).
            &format!(
                "schema-enum-invalid {}",
                p("_archived/volumes/aws_ebs/aws-ebs-web.yaml:12")
            ),
            &format!(
                "schema-enum-invalid {}",
                p("_archived/volumes/cinder/cinder-web.yaml:12")
            ),
            // `imageformat`/`imagefeatures` are StorageClass parameters, not fields of an
            // `rbd` volume; `protectionDoamin` is misspelt; a `storageos` volume has no `pool`
            // (a StorageClass parameter) and a PersistentVolume's `storageos` no `secretName`
            // (it takes `secretRef`).
            &format!(
                "schema-unknown-field {}",
                p("_archived/volumes/rbd/rbd.yaml:25")
            ),
            &format!(
                "schema-unknown-field {}",
                p("_archived/volumes/rbd/rbd.yaml:26")
            ),
            &format!(
                "schema-unknown-field {}",
                p("_archived/volumes/scaleio/pod.yaml:17")
            ),
            &format!(
                "schema-unknown-field {}",
                p("_archived/volumes/storageos/storageos-pod.yaml:35")
            ),
            &format!(
                "schema-unknown-field {}",
                p("_archived/volumes/storageos/storageos-pv.yaml:22")
            ),
            &format!(
                "probe-liveness-equals-readiness {}",
                p("_archived/selenium/selenium-hub-deployment.yaml:28")
            ),
            &format!(
                "probe-liveness-kills-slow-start {}",
                p("databases/cassandra/cassandra-statefulset.yaml:85")
            ),
            &format!(
                "duplicate-key {}",
                p("_archived/openshift-origin/etcd-controller.yaml:12")
            ),
            &format!(
                "pdb-blocks-eviction {}",
                p("_archived/cockroachdb/cockroachdb-statefulset.yaml:67")
            ),
            &format!(
                "hpa-replicas-invalid {}",
                p("AI/vllm-deployment/vllm-deployment.yaml:6")
            ),
        ],
        |f| f.starts_with("api-removed ") || f.starts_with("duplicate-key "),
    );
}

/// `rule path object-name` of every finding about the state of a snapshot (categories status
/// and scheduling), and of every unreadable input or internal error; paths relative to `root`.
fn snapshot_findings(args: &[&str], root: &Path) -> (BTreeSet<String>, serde_json::Value) {
    let v = check_json(args, root);
    let found = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            matches!(d["category"].as_str(), Some("status" | "scheduling"))
                || matches!(
                    d["rule"].as_str(),
                    Some("input-unreadable" | "internal-error")
                )
        })
        .map(|d| {
            format!(
                "{} {} {}",
                d["rule"].as_str().unwrap(),
                d["location"]["path"].as_str().unwrap(),
                d["object"]["name"].as_str().unwrap_or("-")
            )
        })
        .collect();
    (found, v)
}

#[test]
fn manifests_without_status_stay_clean_of_status_rules() {
    let Some(root) = corpora() else { return };
    for dir in [
        "argo-cd",
        "cert-manager",
        "ingress-nginx",
        "kube-prometheus",
        "microservices-demo",
        "istio",
        "kubernetes-examples",
        "kube-linter",
        "kube-score",
        "polaris",
        "linkerd2/cli/cmd/testdata/install_ha_output.golden",
    ] {
        let (found, _) = snapshot_findings(&[dir], &root);
        assert!(found.is_empty(), "{dir}: {found:#?}");
    }
}

#[test]
fn insights_operator_archive_loads_kinds_from_paths_and_reports_its_unhealthy_pods() {
    let Some(root) = corpora() else { return };
    let dir = "insights-operator/docs/insights-archive-sample";
    let (found, v) = snapshot_findings(&[dir], &root);
    let pods = |s: &str| {
        let name = s.rsplit('/').next().unwrap();
        format!("{dir}/config/pod/{s}.json {name}")
    };
    // Of the 36 pods (31 running with old restarts and ready since), these are unhealthy now:
    // two Job pods that failed, an init container in CrashLoopBackOff after 7527 restarts, a
    // pod held in its init container, and a router the scheduler cannot place (host port
    // taken, master taint).
    let expected: BTreeSet<String> = [
        format!(
            "pod-failed {}",
            pods("di-288312/auditlog-retention-28566720-t22qj")
        ),
        format!(
            "pod-failed {}",
            pods("di-288312/default-2k58azz-backup-deletion-5rdw4")
        ),
        format!(
            "pod-crash-looping {}",
            pods("di-288312/vsystem-867f4b77cc-pqcns")
        ),
        format!(
            "pod-unschedulable {}",
            pods("openshift-ingress/router-default-7bbdcfcf9b-7xdln")
        ),
        // Created 2024-03-26 and still `Init:0/1` (its init container waiting
        // `PodInitializing`, never started) while the archive's other pods record activity up
        // to 2024-04-27: held in its init container for a month.
        format!(
            "pod-init-blocked {}",
            pods("di-288312/data-hub-flow-agent-1a3a7e88888b7fe0630189-qcwhm-547b57cc5fvmg8")
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(found, expected);
    // The kindless pods, nodes, PVs, CRDs, webhooks… got their kind from their path; what is
    // left are documents that are not objects (arrays, aggregated reports, a log line).
    let not_objects: BTreeSet<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "not-a-kubernetes-object")
        .map(|d| d["location"]["path"].as_str().unwrap().to_owned())
        .collect();
    for path in &not_objects {
        for layout in [
            "/config/pod/",
            "/config/node/",
            "/config/crd/",
            "/config/persistentvolumes/",
        ] {
            assert!(!path.contains(layout), "not typed from its path: {path}");
        }
    }
    assert!(v["summary"]["objects"].as_u64().unwrap() >= 150);
}

#[test]
fn netpol_analyzer_pod_lists_load_and_report_their_unhealthy_pods() {
    let Some(root) = corpora() else { return };
    let tests = root.join("netpol-analyzer/tests");
    let mut dirs: Vec<String> = std::fs::read_dir(&tests)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let mut all = BTreeSet::new();
    for d in &dirs {
        let (found, _) = snapshot_findings(&[&format!("netpol-analyzer/tests/{d}")], &root);
        all.extend(found);
    }
    // Real pod lists with status: only pods whose last restart is within the hour before the
    // snapshot are crash-looping; the others restarted long ago and are ready.
    let crash = |d: &str, pods: &[&str]| -> Vec<String> {
        pods.iter()
            .map(|p| format!("pod-crash-looping netpol-analyzer/tests/{d}/pods.yaml {p}"))
            .collect()
    };
    let mut expected = BTreeSet::new();
    expected.extend(crash(
        "onlineboutique_with_replicas",
        &[
            "emailservice-54c7c5d9d-rcjbh",
            "recommendationservice-5f8c456796-srmbh",
        ],
    ));
    expected.extend(crash(
        "onlineboutique_with_replicas_and_variants",
        &[
            "adservice-77d5cd745d-hq5fd",
            "cartservice-74f56fd4b-hftml",
            "checkoutservice-69c8ff664b-7c6tv",
            "currencyservice-77654bbbdd-9c9w6",
            "emailservice-54c7c5d9d-rcjbh",
            "paymentservice-bbcbdc6b6-2q9rg",
            "productcatalogservice-68765d49b6-rbgl4",
            "recommendationservice-5f8c456796-srmbh",
            "shippingservice-5bd985c46d-wxvht",
        ],
    ));
    // No Endpoints in these lists, so Services are judged from their pods' readiness. The
    // admission webhook Service of `services` selects `component=admission-webhook`, which
    // only the two Completed admission Jobs' pods carry: a terminated pod is never an
    // endpoint, so the Service has none. The bookinfo pod lists (`k8s_ingress_test*`) carry
    // no `Ready` condition and are not judged.
    expected.insert(
        "service-no-ready-endpoints netpol-analyzer/tests/services/services_list.yaml ingress-nginx-controller-admission"
            .to_owned(),
    );
    assert_eq!(all, expected);
}

/// `faultline triage --no-config --format json ARGS…` in `root`, parsed.
fn triage_json(args: &[&str], root: &Path) -> serde_json::Value {
    let out = Command::cargo_bin("faultline")
        .unwrap()
        .current_dir(root)
        .args(["triage", "--no-config", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).expect("json output")
}

#[test]
fn triage_of_the_insights_archive_names_the_workloads_of_its_unhealthy_pods() {
    let Some(root) = corpora() else { return };
    let v = triage_json(&["insights-operator/docs/insights-archive-sample"], &root);
    let subjects: BTreeSet<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["subject"].as_str().unwrap())
        .collect();
    // The same five pods as `check` reports, each under the workload that manages it. The
    // archive has no ReplicaSets or Jobs: the owner comes from the pods' ownerReferences, and a
    // ReplicaSet named `<name>-<pod-template-hash>` is its Deployment's, a Job named
    // `<name>-<digits>` its CronJob's (the one owner walk, `faultline_model::owners`).
    let expected: BTreeSet<&str> = [
        "Deployment/di-288312/vsystem",
        "Deployment/di-288312/data-hub-flow-agent-1a3a7e88888b7fe0630189-qcwhm",
        "Deployment/openshift-ingress/router-default",
        "CronJob/di-288312/auditlog-retention",
        "Job/di-288312/default-2k58azz-backup-deletion",
    ]
    .into_iter()
    .collect();
    assert_eq!(subjects, expected);
    // The router the scheduler cannot place: its host port and its tolerations, from the
    // scheduler's own message.
    let router = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["subject"] == "Deployment/openshift-ingress/router-default")
        .unwrap();
    let whats: Vec<&str> = router["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["what"].as_str().unwrap())
        .collect();
    assert_eq!(
        whats,
        [
            "the `hostPort` of container `router`",
            "the pod's `tolerations`"
        ]
    );
    // The crash-looping init container: no Event, log or finding explains it, so the program
    // itself (exit code 1), with the command that shows its output.
    let vsystem = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["subject"] == "Deployment/di-288312/vsystem")
        .unwrap();
    assert_eq!(
        vsystem["causes"][0]["what"],
        "the program in container `vsystem-hana-init` itself"
    );
    assert_eq!(
        vsystem["causes"][0]["confirm"][0],
        "kubectl -n di-288312 logs vsystem-867f4b77cc-pqcns -c vsystem-hana-init --previous"
    );
    // Documents that are not objects are listed, not dropped.
    assert!(v["inputProblems"].as_array().unwrap().len() >= 40);
}
