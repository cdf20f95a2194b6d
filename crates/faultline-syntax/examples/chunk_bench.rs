#![allow(clippy::print_stdout)]
//! Temporary: sequential vs chunked parse of a generated ~100 MB kubectl List.
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use faultline_syntax::chunk::{ChunkOptions, parse_yaml_sequential, parse_yaml_with};

fn generate(mb: usize) -> String {
    let mut out = String::from("apiVersion: v1\nitems:\n");
    let mut i = 0usize;
    while out.len() < mb << 20 {
        let ns = format!("team-{}", i % 13);
        match i % 10 {
            0..=4 => write!(out, "- apiVersion: v1\n  kind: Pod\n  metadata:\n    annotations:\n      kubectl.kubernetes.io/restartedAt: \"2026-01-0{}T10:00:00Z\"\n      note: Ünïcödé 服务 {i}\n    creationTimestamp: \"2026-01-01T00:00:00Z\"\n    generateName: web-{i}-\n    labels:\n      app: web\n      pod-template-hash: 5d8f{i}\n    name: web-{i}\n    namespace: {ns}\n    ownerReferences:\n    - apiVersion: apps/v1\n      blockOwnerDeletion: true\n      controller: true\n      kind: ReplicaSet\n      name: web-5d8f\n      uid: 0b1c2d3e-{i:08}\n    resourceVersion: \"{}\"\n    uid: 9a8b7c6d-{i:08}\n  spec:\n    containers:\n    - args:\n      - --port=8080\n      - --log-level=info\n      env:\n      - name: MODE\n        value: \"no\"\n      - name: PORT\n        value: \"8080\"\n      image: registry.example.com/web:1.{}\n      imagePullPolicy: IfNotPresent\n      livenessProbe:\n        httpGet:\n          path: /healthz\n          port: 8080\n          scheme: HTTP\n        initialDelaySeconds: 5\n        periodSeconds: 10\n      name: web\n      ports:\n      - containerPort: 8080\n        name: http\n        protocol: TCP\n      resources:\n        limits:\n          cpu: 500m\n          memory: 256Mi\n        requests:\n          cpu: 100m\n          memory: 128Mi\n      volumeMounts:\n      - mountPath: /var/run/secrets/kubernetes.io/serviceaccount\n        name: kube-api-access\n        readOnly: true\n    dnsPolicy: ClusterFirst\n    nodeName: node-{}\n    restartPolicy: Always\n    serviceAccountName: default\n    tolerations:\n    - effect: NoExecute\n      key: node.kubernetes.io/not-ready\n      operator: Exists\n      tolerationSeconds: 300\n  status:\n    conditions:\n    - lastProbeTime: null\n      lastTransitionTime: \"2026-01-01T00:00:05Z\"\n      status: \"True\"\n      type: Ready\n    containerStatuses:\n    - containerID: containerd://{i:064x}\n      image: registry.example.com/web:1.{}\n      name: web\n      ready: true\n      restartCount: 0\n      started: true\n      state:\n        running:\n          startedAt: \"2026-01-01T00:00:04Z\"\n    hostIP: 10.0.0.{}\n    phase: Running\n    podIP: 10.1.{}.{}\n    qosClass: Burstable\n", i % 9 + 1, 1000 + i, i % 30, i % 17, i % 30, i % 250, i / 250 % 250, i % 250),
            5..=6 => write!(out, "- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    annotations:\n      deployment.kubernetes.io/revision: \"3\"\n      kubectl.kubernetes.io/last-applied-configuration: |\n        {{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{{\"name\":\"api-{i}\",\"namespace\":\"{ns}\"}},\"spec\":{{\"replicas\":2,\"template\":{{\"spec\":{{\"containers\":[{{\"command\":[\"sh\",\"-c\",\"a && b\"],\"image\":\"api:2\"}}]}}}}}}}}\n    generation: 3\n    name: api-{i}\n    namespace: {ns}\n  spec:\n    replicas: 2\n    selector:\n      matchLabels:\n        app: api-{i}\n    strategy:\n      rollingUpdate:\n        maxSurge: 25%\n        maxUnavailable: 25%\n      type: RollingUpdate\n    template:\n      metadata:\n        labels:\n          app: api-{i}\n      spec:\n        containers:\n        - command:\n          - sh\n          - -c\n          - a && b\n          image: api:2\n          name: api\n          securityContext:\n            allowPrivilegeEscalation: false\n            runAsNonRoot: true\n  status:\n    availableReplicas: 2\n    observedGeneration: 3\n    readyReplicas: 2\n    replicas: 2\n    updatedReplicas: 2\n"),
            7..=8 => write!(out, "- apiVersion: v1\n  data:\n    app.properties: |\n      # not a comment\n      - not an item\n      --- not a document\n      key.{i}=value\n    mode: \"0644\"\n  kind: ConfigMap\n  metadata:\n    name: cfg-{i}\n    namespace: {ns}\n"),
            _ => write!(out, "- apiVersion: v1\n  kind: Service\n  metadata:\n    name: svc-{i}\n    namespace: {ns}\n  spec:\n    clusterIP: 10.96.{}.{}\n    ports:\n    - name: http\n      port: 80\n      protocol: TCP\n      targetPort: 8080\n    selector:\n      app: web\n    type: ClusterIP\n", i / 250 % 250, i % 250),
        }
        .unwrap();
        i += 1;
    }
    out.push_str("kind: List\nmetadata:\n  resourceVersion: \"\"\n");
    out
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "both".into());
    let mb: usize = std::env::args().nth(2).map_or(100, |s| s.parse().unwrap());
    let src: Arc<str> = Arc::from(generate(mb));
    let size = src.len() as f64 / 1e6;
    println!("input {size:.1} MB, {} threads", rayon::current_num_threads());
    if mode == "pools" {
        let p1 = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let p2 = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let (mut s, mut c1, mut c2) = (f64::MAX, f64::MAX, f64::MAX);
        for _ in 0..5 {
            let t = Instant::now();
            drop(parse_yaml_sequential(&src));
            s = s.min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            drop(p1.install(|| parse_yaml_with(&src, ChunkOptions::DEFAULT)));
            c1 = c1.min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            drop(p2.install(|| parse_yaml_with(&src, ChunkOptions::DEFAULT)));
            c2 = c2.min(t.elapsed().as_secs_f64());
        }
        println!("best of 5: sequential {:.1} MB/s, chunked 1 thread {:.1} MB/s, chunked 2 threads {:.1} MB/s", size / s, size / c1, size / c2);
        return;
    }
    let rounds: usize = std::env::args().nth(3).map_or(3, |s| s.parse().unwrap());
    for round in 0..rounds {
        if mode == "seq" || mode == "both" {
            let t = Instant::now();
            let p = parse_yaml_sequential(&src);
            let s = t.elapsed().as_secs_f64();
            println!("round {round} sequential {:.2}s {:.1} MB/s nodes {}", s, size / s, p.documents[0].tree.node_count());
        }
        if mode == "chunk" || mode == "both" {
            let t = Instant::now();
            let (p, st) = parse_yaml_with(&src, ChunkOptions::DEFAULT);
            let s = t.elapsed().as_secs_f64();
            println!("round {round} chunked    {:.2}s {:.1} MB/s nodes {} {st:?}", s, size / s, p.documents[0].tree.node_count());
        }
    }
}
