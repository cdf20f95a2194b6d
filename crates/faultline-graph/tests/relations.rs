//! The relations the graph builds, on small inputs: what resolves, what is missing, where each
//! reference is written, and how snapshots fold pods into their workloads.

use std::sync::Arc;

use faultline_graph::{BackendPortMatch, EdgeTarget, Graph, Relation};
use faultline_model::selector::Selection;
use faultline_model::{Inventory, ModelOptions, ObjectId};
use faultline_syntax::ParsedText;

fn parse(text: &str) -> Vec<ParsedText> {
    vec![faultline_syntax::yaml::parse_yaml(&Arc::from(text))]
}

fn id(inv: &Inventory<'_>, kind: &str, name: &str) -> ObjectId {
    inv.objects
        .iter()
        .find(|o| o.kind == kind && o.name == name)
        .unwrap_or_else(|| panic!("{kind}/{name} in the input"))
        .id
}

/// The text a node covers.
fn text_at<'t>(src: &'t str, node: faultline_syntax::NodeRef<'_>) -> &'t str {
    let r = node.range();
    &src[r.start as usize..r.end as usize]
}

const APP: &str = "
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: web
      priorityClassName: system-node-critical
      imagePullSecrets: [{name: regcred}]
      containers:
        - name: web
          image: i
          env:
            - name: A
              valueFrom: {configMapKeyRef: {name: web-config, key: a}}
            - name: B
              valueFrom: {secretKeyRef: {name: web-secret, key: b, optional: true}}
          envFrom: [{configMapRef: {name: shared}}]
      volumes:
        - name: conf
          configMap: {name: web-config, items: [{key: a, path: a}, {key: c, path: c}]}
        - name: data
          persistentVolumeClaim: {claimName: web-data}
        - name: token
          projected: {sources: [{secret: {name: token}}, {configMap: {name: kube-root-ca.crt}}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, namespace: shop}
data: {a: '1'}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: web-data, namespace: shop}
spec: {storageClassName: fast}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  tls: [{secretName: web-tls}]
  rules:
    - http:
        paths:
          - backend: {service: {name: web, port: {name: http}}}
          - backend: {service: {name: web, port: {number: 8080}}}
          - backend: {service: {name: api, port: {number: 80}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec: {minAvailable: 1}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: a}}
";

#[test]
fn services_and_budgets_select_through_the_index() {
    let parsed = parse(APP);
    let inv = Inventory::build(&parsed, &ModelOptions::default());
    let g = Graph::build(&inv);
    let svc = g
        .selection(id(&inv, "Service", "web"))
        .expect("a selection");
    assert_eq!(svc.scope, Selection::ByLabels);
    assert_eq!(g.workloads(&svc.pods), [id(&inv, "Deployment", "web")]);
    assert_eq!(text_at(APP, svc.node.unwrap()), "{app: web}");
    // A policy/v1 budget without a selector selects nothing.
    let pdb = g.selection(id(&inv, "PodDisruptionBudget", "web")).unwrap();
    assert_eq!(pdb.scope, Selection::Nothing);
    assert!(pdb.pods.is_empty());
    assert!(g.selection(id(&inv, "ConfigMap", "web-config")).is_none());
}

#[test]
fn references_resolve_or_stay_missing_with_their_site() {
    let parsed = parse(APP);
    let inv = Inventory::build(&parsed, &ModelOptions::default());
    let g = Graph::build(&inv);
    let dep = id(&inv, "Deployment", "web");
    let refs: Vec<String> = g
        .references_from(dep)
        .iter()
        .map(|r| {
            format!(
                "{} {} {}{}{}{} @{}",
                r.relation.as_str(),
                r.kind,
                r.name.value,
                if r.target.is_some() { " found" } else { "" },
                if r.optional { " optional" } else { "" },
                if r.builtin { " builtin" } else { "" },
                r.site
            )
        })
        .collect();
    assert_eq!(
        refs,
        [
            "service-account ServiceAccount web @`serviceAccountName`",
            "priority-class PriorityClass system-node-critical builtin @`priorityClassName`",
            "image-pull-secret Secret regcred @`imagePullSecrets`",
            "env ConfigMap web-config found @env `A` of container `web`",
            "env Secret web-secret optional @env `B` of container `web`",
            "env-from ConfigMap shared @`envFrom` of container `web`",
            "volume ConfigMap web-config found @volume `conf`",
            "volume PersistentVolumeClaim web-data found @volume `data`",
            "volume Secret token @projected volume `token`",
            "volume ConfigMap kube-root-ca.crt builtin @projected volume `token`",
        ]
    );
    let conf = &g.references_from(dep)[6];
    let keys: Vec<&str> = conf.keys.iter().map(|k| k.value).collect();
    assert_eq!(keys, ["a", "c"]);
    assert_eq!(text_at(APP, conf.name.node), "web-config");
    // Cluster-scoped targets have no namespace.
    let pvc = g.references_from(id(&inv, "PersistentVolumeClaim", "web-data"));
    assert_eq!((pvc[0].kind, pvc[0].namespace), ("StorageClass", None));
    // Reverse lookups: the autoscaler of the Deployment, the users of the ConfigMap.
    let hpa = id(&inv, "HorizontalPodAutoscaler", "web");
    assert_eq!(g.referring(dep, Relation::ScaleTarget), [hpa]);
    assert_eq!(
        g.referring(id(&inv, "ConfigMap", "web-config"), Relation::Env),
        [dep]
    );
}

#[test]
fn ingress_backends_resolve_services_and_ports() {
    let parsed = parse(APP);
    let inv = Inventory::build(&parsed, &ModelOptions::default());
    let g = Graph::build(&inv);
    let ing = id(&inv, "Ingress", "web");
    let b = g.backends_of(ing);
    assert_eq!(b.len(), 3);
    assert!(matches!(b[0].port, BackendPortMatch::Found(_)));
    assert!(matches!(b[1].port, BackendPortMatch::Missing));
    assert!(b[2].service.is_none());
    let tls = g.reference(ing, Relation::TlsSecret).unwrap();
    assert_eq!((tls.name.value, tls.target), ("web-tls", None));
}

#[test]
fn namespace_labels_include_the_implicit_name() {
    let parsed = parse(APP);
    let inv = Inventory::build(&parsed, &ModelOptions::default());
    let g = Graph::build(&inv);
    let shop = g.namespace_labels("shop");
    assert_eq!(shop.get("team").map(String::as_str), Some("a"));
    assert_eq!(
        shop.get("kubernetes.io/metadata.name").map(String::as_str),
        Some("shop")
    );
    let other = g.namespace_labels("other");
    assert_eq!(other.len(), 1);
    assert_eq!(
        other.get("kubernetes.io/metadata.name").map(String::as_str),
        Some("other")
    );
    assert!(!g.is_snapshot());
}

const SNAPSHOT: &str = "
apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: shop, uid: d1}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: i}]}
  - apiVersion: apps/v1
    kind: ReplicaSet
    metadata:
      name: web-5d4f
      namespace: shop
      ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, controller: true}]
    spec:
      selector: {matchLabels: {app: web, pod-template-hash: 5d4f}}
      template:
        metadata: {labels: {app: web, pod-template-hash: 5d4f}}
        spec: {containers: [{name: web, image: i}]}
  - apiVersion: v1
    kind: Pod
    metadata:
      name: web-5d4f-abcde
      namespace: shop
      labels: {app: web, pod-template-hash: 5d4f}
      ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d4f, controller: true}]
    spec: {nodeName: node-1, containers: [{name: web, image: i}]}
    status: {phase: Running}
  - apiVersion: v1
    kind: Node
    metadata: {name: node-1}
  - apiVersion: v1
    kind: Service
    metadata: {name: web, namespace: shop}
    spec: {selector: {app: web}}
  - apiVersion: v1
    kind: Endpoints
    metadata: {name: web, namespace: shop}
  - apiVersion: discovery.k8s.io/v1
    kind: EndpointSlice
    metadata: {name: web-x1, namespace: shop, labels: {kubernetes.io/service-name: web}}
";

#[test]
fn snapshots_fold_pods_into_their_workload() {
    let parsed = parse(SNAPSHOT);
    let inv = Inventory::build(&parsed, &ModelOptions::default());
    let g = Graph::build(&inv);
    assert!(g.is_snapshot());
    let dep = id(&inv, "Deployment", "web");
    let pod = id(&inv, "Pod", "web-5d4f-abcde");
    let rs = id(&inv, "ReplicaSet", "web-5d4f");
    assert_eq!(g.owner(pod), Some(rs));
    assert_eq!(g.root_owner(pod), dep);
    let svc = id(&inv, "Service", "web");
    let sel = g.selection(svc).unwrap();
    assert_eq!(
        sel.pods.len(),
        3,
        "the template, the ReplicaSet's and the Pod"
    );
    assert_eq!(g.workloads(&sel.pods), [dep]);
    let node = g.reference(pod, Relation::ScheduledOn).unwrap();
    assert_eq!(node.target, Some(id(&inv, "Node", "node-1")));
    assert_eq!(
        g.referring(svc, Relation::EndpointsOf),
        [
            id(&inv, "Endpoints", "web"),
            id(&inv, "EndpointSlice", "web-x1")
        ]
    );
}

#[test]
fn controller_labels_and_edges_for_export() {
    let text = "
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: a}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: i}]}
---
apiVersion: v1
kind: Service
metadata: {name: db-0, namespace: a}
spec: {selector: {statefulset.kubernetes.io/pod-name: db-0}}
---
apiVersion: v1
kind: Service
metadata: {name: db-x, namespace: a}
spec: {selector: {statefulset.kubernetes.io/pod-name: dbx-0}}
";
    let parsed = parse(text);
    let inv = Inventory::build(&parsed, &ModelOptions::default());
    let g = Graph::build(&inv);
    let sts = id(&inv, "StatefulSet", "db");
    assert_eq!(
        g.workloads(&g.selection(id(&inv, "Service", "db-0")).unwrap().pods),
        [sts]
    );
    assert!(
        g.selection(id(&inv, "Service", "db-x"))
            .unwrap()
            .pods
            .is_empty()
    );
    let edges = g.edges();
    let described: Vec<String> = edges
        .iter()
        .map(|e| {
            let to = match e.to {
                EdgeTarget::Object(o) => inv.get(o).name.to_owned(),
                EdgeTarget::Missing { name, .. } => format!("missing {name}"),
            };
            format!("{} {} {to}", inv.get(e.from).name, e.relation.as_str())
        })
        .collect();
    assert_eq!(
        described,
        ["db governing-service missing db", "db-0 selects db"]
    );
}

#[test]
fn malformed_input_builds_without_panicking() {
    let text = "
apiVersion: v1
kind: Service
metadata: {name: s}
spec: {selector: [a, b], ports: 7}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: i}
spec: {rules: [{http: {paths: [{backend: {service: {name: 3, port: {number: x}}}}]}}], tls: 5}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: h}
spec: {scaleTargetRef: [1], metrics: {a: b}}
---
apiVersion: v1
kind: Pod
metadata: {name: p, ownerReferences: {x: 1}}
spec: {volumes: [{configMap: null}, 3], containers: [{env: [{valueFrom: {secretKeyRef: {}}}]}]}
";
    let parsed = parse(text);
    let inv = Inventory::build(&parsed, &ModelOptions::default());
    let g = Graph::build(&inv);
    let _ = g.edges();
    let svc = g.selection(id(&inv, "Service", "s")).unwrap();
    assert!(
        !svc.valid,
        "an invalid selector is flagged, not read as matching nothing"
    );
}
