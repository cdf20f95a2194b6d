//! A cluster shaped for the NetworkPolicy benchmarks: `namespaces` team namespaces of
//! `apps_per_ns` apps with `replicas` real Pods each (labels, container ports, pod IPs, owner
//! ReplicaSets), a `kube-system` with CoreDNS, and in every team namespace a default-deny
//! policy and a DNS + HTTPS-egress policy, plus a frontend → backend policy in every other
//! namespace that admits the frontends of its group of ten namespaces: 2.5 policies per
//! namespace, so 2,000 namespaces give 5,000 policies, and the allowed connectivity grows with
//! the cluster rather than with its square.

use std::fmt::Write as _;

/// Sizes of a generated network cluster.
#[derive(Clone, Copy, Debug)]
pub struct NetworkShape {
    pub namespaces: usize,
    pub apps_per_ns: usize,
    pub replicas: usize,
}

impl NetworkShape {
    /// 150,000 pods in 2,000 namespaces with 5,000 NetworkPolicies (the target).
    pub const LARGE: NetworkShape = NetworkShape {
        namespaces: 2000,
        apps_per_ns: 5,
        replicas: 15,
    };

    /// A tenth of [`NetworkShape::LARGE`]: 15,000 pods in 200 namespaces.
    pub const TENTH: NetworkShape = NetworkShape {
        namespaces: 200,
        apps_per_ns: 5,
        replicas: 15,
    };

    pub fn pods(&self) -> usize {
        self.namespaces * self.apps_per_ns * self.replicas
    }
}

const APPS: [&str; 5] = ["frontend", "backend", "worker", "cache", "db"];
const PORTS: [u16; 5] = [8080, 9090, 7070, 6379, 5432];

fn pod(out: &mut String, ns: &str, app: &str, rs: &str, i: usize, port: u16, ip: u32) {
    let _ = write!(
        out,
        "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {rs}-{i:05}, namespace: {ns}, labels: {{app: {app}, pod-template-hash: h{port}}}, \
         ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: {rs}, controller: true, uid: u-{rs}}}]}}\n\
         spec: {{containers: [{{name: {app}, image: registry.example.com/{app}:1.0, ports: [{{name: http, containerPort: {port}}}]}}]}}\n\
         status: {{phase: Running, hostIP: 192.168.0.1, podIP: {}.{}.{}.{}}}\n",
        ip >> 24,
        (ip >> 16) & 255,
        (ip >> 8) & 255,
        ip & 255
    );
}

/// The cluster as one multi-document YAML stream.
pub fn network_cluster(shape: NetworkShape) -> String {
    let mut out = String::with_capacity(shape.pods() * 420 + shape.namespaces * 1200);
    let mut ip: u32 = 10 << 24 | 1 << 16;
    let _ = write!(
        out,
        "apiVersion: v1\nkind: Namespace\nmetadata: {{name: kube-system}}\n"
    );
    for i in 0..2 {
        ip += 1;
        pod(
            &mut out,
            "kube-system",
            "kube-dns",
            "coredns-5d78c9869d",
            i,
            53,
            ip,
        );
    }
    // CoreDNS listens on 53 over both protocols; relabel the generated pods' label key.
    out = out.replace("{app: kube-dns,", "{k8s-app: kube-dns,");
    for n in 0..shape.namespaces {
        let ns = format!("team-{n:04}");
        let _ = write!(
            out,
            "---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}, labels: {{group: g{:03}}}}}\n",
            n / 10
        );
        for (a, app) in APPS.iter().take(shape.apps_per_ns).enumerate() {
            let rs = format!("{app}-{n:04}-7c9d8f");
            for r in 0..shape.replicas {
                ip += 1;
                pod(&mut out, &ns, app, &rs, r, PORTS[a % PORTS.len()], ip);
            }
        }
        let _ = write!(
            out,
            "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: default-deny, namespace: {ns}}}\n\
             spec: {{podSelector: {{}}, policyTypes: [Ingress, Egress]}}\n\
             ---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: allow-dns-and-https, namespace: {ns}}}\n\
             spec:\n  podSelector: {{}}\n  policyTypes: [Egress]\n  egress:\n\
             \x20   - to: [{{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: kube-system}}}}, podSelector: {{matchLabels: {{k8s-app: kube-dns}}}}}}]\n\
             \x20     ports: [{{port: 53, protocol: UDP}}, {{port: 53, protocol: TCP}}]\n\
             \x20   - to: [{{ipBlock: {{cidr: 0.0.0.0/0, except: [10.0.0.0/8, 192.168.0.0/16]}}}}]\n\
             \x20     ports: [{{port: 443}}]\n\
             \x20   - to: [{{podSelector: {{}}}}]\n"
        );
        if n % 2 == 0 {
            let _ = write!(
                out,
                "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: frontend-to-backend, namespace: {ns}}}\n\
                 spec:\n  podSelector: {{matchLabels: {{app: backend}}}}\n  ingress:\n\
                 \x20   - from: [{{podSelector: {{matchLabels: {{app: frontend}}}}}}, {{namespaceSelector: {{matchLabels: {{group: g{:03}}}}}, podSelector: {{matchLabels: {{app: frontend}}}}}}]\n\
                 \x20     ports: [{{port: http}}]\n",
                n / 10
            );
        }
    }
    out
}
