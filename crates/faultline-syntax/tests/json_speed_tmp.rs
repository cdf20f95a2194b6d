#![allow(clippy::print_stderr)]
use std::sync::Arc;
use std::time::Instant;

#[test]
#[ignore]
fn json_speed() {
    let pod = r#"        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "annotations": {
                    "kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":{},\"labels\":{\"app\":\"web-IDX\"},\"name\":\"web-IDX\",\"namespace\":\"default\"},\"spec\":{\"containers\":[{\"image\":\"nginx:1.25\",\"name\":\"web\"}]}}\n"
                },
                "creationTimestamp": "2024-05-01T10:00:00Z",
                "generateName": "web-7d9c8b6f5-",
                "labels": {
                    "app": "web-IDX",
                    "pod-template-hash": "7d9c8b6f5",
                    "tier": "frontend"
                },
                "name": "web-7d9c8b6f5-IDX",
                "namespace": "default",
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "blockOwnerDeletion": true,
                        "controller": true,
                        "kind": "ReplicaSet",
                        "name": "web-7d9c8b6f5",
                        "uid": "0b7c5e0e-6d0c-4f2b-9d0a-IDX"
                    }
                ],
                "resourceVersion": "123456IDX",
                "uid": "a1b2c3d4-e5f6-4789-abcd-IDX"
            },
            "spec": {
                "containers": [
                    {
                        "env": [
                            {"name": "LOG_LEVEL", "value": "info"},
                            {"name": "PORT", "value": "8080"},
                            {"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}}
                        ],
                        "image": "nginx:1.25",
                        "imagePullPolicy": "IfNotPresent",
                        "livenessProbe": {"failureThreshold": 3, "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"}, "initialDelaySeconds": 10, "periodSeconds": 10, "successThreshold": 1, "timeoutSeconds": 1},
                        "name": "web",
                        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                        "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
                        "terminationMessagePath": "/dev/termination-log",
                        "terminationMessagePolicy": "File",
                        "volumeMounts": [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access-IDX", "readOnly": true}]
                    }
                ],
                "dnsPolicy": "ClusterFirst",
                "enableServiceLinks": true,
                "nodeName": "node-IDX",
                "priority": 0,
                "restartPolicy": "Always",
                "schedulerName": "default-scheduler",
                "securityContext": {},
                "serviceAccountName": "default",
                "terminationGracePeriodSeconds": 30,
                "tolerations": [
                    {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300}
                ]
            },
            "status": {
                "conditions": [
                    {"lastProbeTime": null, "lastTransitionTime": "2024-05-01T10:00:00Z", "status": "True", "type": "Ready"}
                ],
                "containerStatuses": [
                    {"containerID": "containerd://abcdefIDX", "image": "docker.io/library/nginx:1.25", "imageID": "docker.io/library/nginx@sha256:0123456789abcdef", "lastState": {}, "name": "web", "ready": true, "restartCount": 0, "started": true, "state": {"running": {"startedAt": "2024-05-01T10:00:05Z"}}}
                ],
                "hostIP": "10.0.0.1",
                "phase": "Running",
                "podIP": "10.244.1.IDX",
                "qosClass": "Burstable",
                "startTime": "2024-05-01T10:00:00Z"
            }
        }"#;
    let target = std::env::var("JSON_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(225usize) << 20;
    let mut text = String::with_capacity(target + 8192);
    text.push_str("{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n");
    let mut i = 0u64;
    while text.len() < target {
        if i > 0 { text.push_str(",\n"); }
        text.push_str(&pod.replace("IDX", &i.to_string()));
        i += 1;
    }
    text.push_str("\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\"resourceVersion\": \"\"}\n}\n");
    let src: Arc<str> = Arc::from(text);
    let mb = src.len() as f64 / 1e6;
    for _ in 0..3 {
        let t = Instant::now();
        let p = faultline_syntax::parse_json(&src);
        let dt = t.elapsed().as_secs_f64();
        assert!(p.problems.is_empty());
        let root = p.documents[0].root().unwrap();
        eprintln!("{mb:.1} MB, {} pods, {} nodes: {:.3}s = {:.0} MB/s", root.get("items").unwrap().len(), p.documents[0].tree.node_count(), dt, mb / dt);
        let t = Instant::now();
        let v: serde_json::Value = serde_json::from_str(&src).unwrap();
        let dt = t.elapsed().as_secs_f64();
        eprintln!("  serde_json::Value: {:.3}s = {:.0} MB/s ({})", dt, mb / dt, v.is_object());
    }
}
