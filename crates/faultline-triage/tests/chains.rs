//! Cause chains on small snapshots: what each symptom is linked to, in order, and where.

mod common;

mod causes {
    use super::common::causes;

    const PENDING: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: api-1, namespace: shop}
spec:
  nodeSelector:
    disktype: nvme
  containers: [{name: app, image: registry.example.com/api:1.0}]
status:
  phase: Pending
  conditions:
    - type: PodScheduled
      status: "False"
      reason: Unschedulable
      message: "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."
      lastTransitionTime: "2024-05-01T11:00:00Z"
"#;

    #[test]
    fn pending_points_at_the_node_selector_the_scheduler_names() {
        let found = causes(PENDING, "pod-unschedulable");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].0.starts_with("suspected cause 1 of 1: the pod's `nodeSelector`; why: the scheduler says `0/3 nodes are available"),
            "{found:#?}"
        );
        assert_eq!(found[0].1, Some(6), "the nodeSelector's value");
    }

    const PULL: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: api-1, namespace: shop}
spec:
  containers:
    - name: app
      image: registry.example.com/private/api:1.0
status:
  phase: Pending
  containerStatuses:
    - name: app
      ready: false
      restartCount: 0
      state:
        waiting:
          reason: ImagePullBackOff
          message: Back-off pulling image "registry.example.com/private/api:1.0"
---
apiVersion: v1
kind: Event
metadata: {name: api-1.1, namespace: shop}
involvedObject: {kind: Pod, name: api-1, namespace: shop}
reason: Failed
type: Warning
message: 'Failed to pull image "registry.example.com/private/api:1.0": unauthorized: authentication required'
count: 4
firstTimestamp: "2024-05-01T11:00:00Z"
lastTimestamp: "2024-05-01T11:05:00Z"
"#;

    #[test]
    fn a_pull_refused_for_credentials_suspects_the_pull_secret_before_the_tag() {
        let found = causes(PULL, "image-pull-failing");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0]
                .0
                .contains("the pod has no `imagePullSecrets` for a registry that requires login"),
            "{found:#?}"
        );
        assert!(found[0].0.contains("unauthorized: authentication required"));
        assert!(
            found[1]
                .0
                .contains("the image `registry.example.com/private/api:1.0`"),
            "{found:#?}"
        );
        assert_eq!(found[1].1, Some(7), "the image");
    }

    const QUOTA: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop, uid: d1}
spec:
  replicas: 3
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: app, image: registry.example.com/api:1.0}]
status:
  replicas: 0
  availableReplicas: 0
  conditions:
    - type: Available
      status: "False"
      reason: MinimumReplicasUnavailable
      lastTransitionTime: "2024-05-01T11:00:00Z"
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: api-5d8f7
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, uid: d1, controller: true}]
spec:
  replicas: 3
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: app, image: registry.example.com/api:1.0}]
---
apiVersion: v1
kind: Event
metadata: {name: api-5d8f7.1, namespace: shop}
involvedObject: {kind: ReplicaSet, name: api-5d8f7, namespace: shop}
reason: FailedCreate
type: Warning
message: 'Error creating: pods "api-5d8f7-x" is forbidden: exceeded quota: compute, requested: limits.memory=1Gi, used: limits.memory=8Gi, limited: limits.memory=8Gi'
count: 12
firstTimestamp: "2024-05-01T11:00:00Z"
lastTimestamp: "2024-05-01T11:30:00Z"
"#;

    #[test]
    fn a_workload_without_pods_suspects_the_quota_its_replica_set_hit() {
        let found = causes(QUOTA, "workload-unavailable");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].0.starts_with(
                "suspected cause 1 of 1: a ResourceQuota refuses new pods (finding `quota-exhausted`); why: event `FailedCreate` ×12"
            ),
            "{found:#?}"
        );
        assert!(found[0].0.contains("exceeded quota: compute"));
        assert_eq!(
            found[0].1,
            Some(40),
            "where quota-exhausted points: the event's message"
        );
    }

    const PROBE_DEPENDENCY: &str = r#"apiVersion: v1
kind: Service
metadata: {name: postgres, namespace: db}
spec:
  selector: {app: postgres}
  ports: [{port: 5432}]
---
apiVersion: v1
kind: Service
metadata: {name: orders, namespace: shop}
spec:
  selector: {app: orders}
  ports: [{port: 8080}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: orders, namespace: shop}
subsets:
  - notReadyAddresses:
      - {ip: 10.0.3.17, targetRef: {kind: Pod, name: orders-1, namespace: shop}}
    ports: [{port: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: orders-1, namespace: shop, labels: {app: orders}}
spec:
  containers:
    - name: app
      image: registry.example.com/shop/orders:4.2.0
      readinessProbe:
        exec:
          command: [pg_isready, -h, postgres.db]
status:
  phase: Running
  conditions: [{type: Ready, status: "False"}]
  containerStatuses:
    - {name: app, ready: false, restartCount: 0, state: {running: {startedAt: "2024-05-01T10:00:00Z"}}}
---
apiVersion: v1
kind: Event
metadata: {name: orders-1.1, namespace: shop}
involvedObject: {kind: Pod, name: orders-1, namespace: shop}
reason: Unhealthy
type: Warning
message: 'Readiness probe failed: postgres.db:5432 - no response'
count: 40
firstTimestamp: "2024-05-01T11:00:00Z"
lastTimestamp: "2024-05-01T11:10:00Z"
---
apiVersion: v1
kind: Pod
metadata: {name: billing-1, namespace: shop, labels: {app: billing}}
spec:
  containers:
    - name: app
      image: registry.example.com/shop/billing:1.8.0
      readinessProbe:
        exec:
          command: [sh, -c, "pg_isready -h postgres.db -p 5432"]
"#;

    #[test]
    fn a_service_without_endpoints_suspects_the_readiness_probe_that_checks_a_dependency() {
        let found = causes(PROBE_DEPENDENCY, "service-no-ready-endpoints");
        let probe: Vec<&(String, Option<u32>)> = found
            .iter()
            .filter(|(m, _)| m.contains("readiness probe"))
            .collect();
        assert_eq!(probe.len(), 1, "one cause for the probe: {found:#?}");
        assert!(
            probe[0].0.contains(
                "the readiness probe checks another service (finding `probe-depends-on-service`)"
            ),
            "{found:#?}"
        );
        assert!(probe[0].0.contains("postgres.db:5432 - no response"));
        assert!(
            probe[0]
                .0
                .contains("the probes of 1 other workload check the same Service"),
            "billing-1 probes postgres.db too: {found:#?}"
        );
        assert_eq!(probe[0].1, Some(32), "the host in the probe's command");
    }
}

/// The demo outage (testdata/demo/snapshot, a `kubectl cluster-info dump`): Node problems name
/// only the pods bound to each node, and rank below the workloads whose OOM kills they follow.
mod demo {
    use faultline_model::{Inventory, ModelOptions};
    use faultline_rules::{Context, Settings};
    use faultline_syntax::load::{self, Input, LoadOptions};
    use faultline_triage::{chains, report};

    #[test]
    fn node_problems_follow_from_the_pods_bound_to_them() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/demo/snapshot");
        let loaded = load::load_all(&[Input::from_arg(dir)], &LoadOptions::default());
        let paths: Vec<&str> = loaded.files.iter().map(|f| f.path.as_str()).collect();
        let inventory =
            Inventory::build_with_paths(&loaded.parsed, &paths, &ModelOptions::default());
        let graph = faultline_graph::Graph::build(&inventory);
        let settings = Settings::default();
        let cx = Context::new(&loaded.files, &loaded.parsed, &graph, &settings);
        let diags = faultline_rules::run(&cx, &settings.enabled_rules());
        let chains = chains(&cx, &diags);
        let incident = report::build(&cx, &diags, &chains);
        let node = |name: &str| {
            let i = incident
                .problems
                .iter()
                .position(|p| p.subject.kind == "Node" && p.subject.name == name)
                .unwrap_or_else(|| panic!("no problem for {name}"));
            (i, &incident.problems[i])
        };
        let pods = |p: &report::Problem| -> Vec<String> {
            p.causes
                .iter()
                .filter_map(|c| c.object.as_ref().map(|o| o.name.clone()))
                .collect()
        };
        // order-service-…-m3k8z runs on node-6; payment-service-…-x2x4k on node-5.
        let (i6, node6) = node("node-6");
        assert_eq!(pods(node6), ["order-service-5c7d9f4b8-m3k8z"]);
        let (i7, node7) = node("node-7");
        assert_eq!(
            pods(node7),
            [
                "order-service-5c7d9f4b8-r8t2c",
                "payment-service-7d9f8c6b5-k9d3w"
            ]
        );
        let workload = |name: &str| {
            incident
                .problems
                .iter()
                .position(|p| p.subject.kind == "Deployment" && p.subject.name == name)
                .expect("a workload problem")
        };
        assert_eq!(
            node6
                .consequence_of
                .iter()
                .map(|o| o.name.as_str())
                .collect::<Vec<_>>(),
            ["order-service"]
        );
        assert_eq!(node7.consequence_of.len(), 2);
        assert!(i6 > workload("order-service") && i7 > workload("payment-service"));
        // The liveness probe that kills payment-service is one cause, not the finding that
        // names it and the probe again under another number.
        let payment = &incident.problems[workload("payment-service")];
        let probe_causes = payment
            .causes
            .iter()
            .filter(|c| c.what.contains("liveness probe"))
            .count();
        assert_eq!(probe_causes, 1, "{:#?}", payment.causes);
    }
}
