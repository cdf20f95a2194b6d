use std::net::Ipv4Addr;

use faultline_graph::netpol::Protocol;
use faultline_graph::netpol::ip::{Cidr, IpBlock};
use faultline_graph::netpol::model::pod_ips;
use faultline_graph::netpol::model::policy_rules;
use faultline_graph::netpol::policy::PortMatch;
use faultline_graph::netpol::{Direction, NetworkModel};
use faultline_model::{Object, ObjectId};

use crate::netpol::{PolicyView, field_anchor, name_range, valid_policy_of};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Points out NetworkPolicy constructs that network plugins enforce differently, so the
    /// same policy may behave one way on some nodes and another way on others:
    ///
    /// - `endPort` (port ranges): plugins that do not implement it apply the rule to `port`
    ///   alone, or ignore the entry (Cilium did for years; Azure NPM lacked it).
    /// - a named port in an egress rule: it must be resolved against the container ports of
    ///   every possible destination pod; plugins differ when the rule has no `to`, or when
    ///   pods use the same name for different numbers.
    /// - an `ipBlock` that covers in-cluster addresses: whether `ipBlock` matches traffic of
    ///   pods (and of Service IPs, before or after translation) is left to the plugin
    ///   (Calico matches pod IPs, Cilium applies CIDR rules only to addresses outside the
    ///   cluster). A block counts as covering the cluster when it holds a pod IP or Service
    ///   IP of the input, or, after its `except` entries, at least a /16 of the private
    ///   ranges pod and Service CIDRs come from (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16,
    ///   100.64.0.0/10). `0.0.0.0/0` with those ranges in `except` does not.
    /// - `protocol: SCTP`: it needs a plugin that supports SCTP policies.
    ///
    /// Findings are information: nothing is wrong on a cluster whose plugin handles the
    /// construct, but a mixed fleet or a plugin migration turns it into an asymmetric outage.
    ///
    /// ## Why it matters
    /// In the outage this rule comes from, workloads pinned to new nodes ran under another
    /// network plugin, which enforced a default-deny and its exception differently: traffic
    /// worked from one node and died from another, and the gateway's success rate fell to
    /// 63 %. Constructs with one meaning everywhere avoid that.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: api-egress
    ///   namespace: shop
    /// spec:
    ///   podSelector:
    ///     matchLabels:
    ///       app: api
    ///   policyTypes: [Egress]
    ///   egress:
    ///     - to:
    ///         - ipBlock:
    ///             cidr: 0.0.0.0/0
    ///       ports:
    ///         - port: 30000
    ///           endPort: 32767
    ///         - port: grpc
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: api-egress
    ///   namespace: shop
    /// spec:
    ///   podSelector:
    ///     matchLabels:
    ///       app: api
    ///   policyTypes: [Egress]
    ///   egress:
    ///     - to:
    ///         - ipBlock:
    ///             cidr: 0.0.0.0/0
    ///             except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10]
    ///       ports:
    ///         - port: 30000
    ///         - port: 9090
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Network Policies, port ranges and `ipBlock`: <https://kubernetes.io/docs/concepts/services-networking/network-policies/>
    /// - Cilium ignoring `endPort`: <https://github.com/cilium/cilium/issues/28684>
    /// - kube-router and named ports in egress rules without `to`: <https://github.com/cloudnativelabs/kube-router/issues/1036>
    /// - Cilium and one port name for several numbers: <https://github.com/cilium/cilium/issues/24779>
    pub struct NetpolCniPortability {
        id: "netpol-cni-portability",
        category: Network,
        severity: Info,
        summary: "a NetworkPolicy construct is enforced differently by different network plugins",
        params: [],
    }
}

/// The private ranges pod and Service CIDRs are usually taken from.
const CLUSTER_RANGES: [(Ipv4Addr, u32); 4] = [
    (Ipv4Addr::new(10, 0, 0, 0), 8),
    (Ipv4Addr::new(172, 16, 0, 0), 12),
    (Ipv4Addr::new(192, 168, 0, 0), 16),
    (Ipv4Addr::new(100, 64, 0, 0), 10),
];

/// The first cluster range of which the block holds at least a /16, as `10.0.0.0/8`.
fn broad_over_cluster_ranges(block: &IpBlock) -> Option<String> {
    let intervals = block.v4_intervals();
    CLUSTER_RANGES.iter().find_map(|(addr, len)| {
        let Ok(Cidr::V4(lo, hi)) = Cidr::parse(&format!("{addr}/{len}")) else {
            return None;
        };
        intervals
            .iter()
            .any(|(a, b)| {
                let (s, e) = ((*a).max(lo), (*b).min(hi));
                s <= e && u64::from(e - s) + 1 >= 1 << 16
            })
            .then(|| format!("{addr}/{len}"))
    })
}

/// In-cluster addresses of the input inside `block`: pod IPs (through the model's classes,
/// which know the blocks holding their pods' IPs) and Service cluster IPs, as
/// `pod IP 10.244.1.5 (shop/web-1)`; at most `max`, and how many pods and Services there are.
fn known_addresses(
    cx: &Context<'_>,
    net: &NetworkModel<'_>,
    block: &IpBlock,
    max: usize,
) -> (Vec<(String, ObjectId)>, usize) {
    let mut shown = Vec::new();
    let mut total = 0;
    if let Some(b) = net.ip_blocks.iter().position(|x| x == block) {
        let b = b as u32;
        // A class holds the pods whose IPs lie in the same blocks: count pods, show a few.
        for class in net.classes.iter().filter(|c| c.ip_blocks.contains(&b)) {
            total += class.pods.len();
            for p in &class.pods {
                if shown.len() >= max {
                    break;
                }
                let obj = cx.inventory.get(net.graph.pods.pod(*p).object);
                if let Some(ip) = pod_ips(obj).into_iter().find(|ip| block.contains(*ip)) {
                    shown.push((
                        format!("pod IP {ip} ({}/{})", class.namespace, obj.name),
                        obj.id,
                    ));
                }
            }
        }
    }
    for (ip, id) in net.services_in(block) {
        total += 1;
        if shown.len() < max {
            let svc = cx.inventory.get(id);
            shown.push((
                format!(
                    "Service IP {} ({}/{})",
                    Ipv4Addr::from(ip),
                    svc.namespace.unwrap_or("default"),
                    svc.name
                ),
                id,
            ));
        }
    }
    (shown, total)
}

impl Rule for NetpolCniPortability {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let Some(PolicyView { net, index, policy }) = valid_policy_of(cx, obj) else {
            return;
        };
        for (r, rule) in policy_rules(index, policy) {
            let dir = r.dir;
            let path = format!("spec.{}[{}]", dir.as_str(), rule.index);
            for (i, entry) in rule.ports.iter().flatten().enumerate() {
                let at =
                    |key: &str| field_anchor(entry.node, key).unwrap_or_else(|| entry.node.range());
                if let PortMatch::Range(lo, hi) = entry.port
                    && entry.node.get("endPort").is_some()
                {
                    out.report(
                        obj,
                        at("endPort"),
                        format!(
                            "`endPort` ({path}.ports[{i}], ports {lo}-{hi}) of NetworkPolicy `{}` is enforced only by network plugins that implement port ranges; others apply the entry to port {lo} alone or ignore it",
                            policy.name
                        ),
                    )
                    .help("list the ports one by one if nodes may run a plugin without port ranges, or confirm that every node's plugin supports `endPort`");
                }
                if dir == Direction::Egress
                    && let PortMatch::Named(name) = &entry.port
                {
                    out.report(
                        obj,
                        at("port"),
                        format!(
                            "named port `{name}` in an egress rule ({path}.ports[{i}]) of NetworkPolicy `{}` must be resolved on every destination pod; network plugins differ when the rule has no `to` or when pods give the name to different numbers",
                            policy.name
                        ),
                    )
                    .help("use the port number in egress rules");
                }
                if entry.protocol == Protocol::Sctp {
                    out.report(
                        obj,
                        at("protocol"),
                        format!(
                            "`protocol: SCTP` ({path}.ports[{i}]) of NetworkPolicy `{}` is enforced only by network plugins that support SCTP policies",
                            policy.name
                        ),
                    )
                    .help("confirm that every node's network plugin supports SCTP in NetworkPolicies");
                }
            }
            for (i, peer) in rule.peers.iter().flatten().enumerate() {
                let Some(block) = &peer.ip else {
                    continue;
                };
                let (known, total) = known_addresses(cx, net, block, 3);
                let broad = broad_over_cluster_ranges(block);
                let what = match (&broad, known.is_empty()) {
                    (_, false) => {
                        let names: Vec<&str> = known.iter().map(|(n, _)| n.as_str()).collect();
                        let mut what = format!("in-cluster addresses: {}", names.join(", "));
                        if total > known.len() {
                            what.push_str(&format!(" and {} more", total - known.len()));
                        }
                        what
                    }
                    (Some(range), true) => format!(
                        "at least a /16 of {range}, where pod and Service CIDRs usually are"
                    ),
                    (None, true) => continue,
                };
                let node = peer.node.get("ipBlock").unwrap_or(peer.node);
                let range = field_anchor(node, "cidr").unwrap_or_else(|| node.range());
                let cidr = node.get("cidr").and_then(|c| c.scalar_text()).unwrap_or("");
                let mut report = out.report(
                    obj,
                    range,
                    format!(
                        "ipBlock `{cidr}` ({path}.{}[{i}]) of NetworkPolicy `{}` covers {what}; whether ipBlock matches pod and Service traffic depends on the network plugin (Calico matches pod IPs, Cilium only addresses outside the cluster)",
                        dir.peers_key(),
                        policy.name
                    ),
                )
                .help("select in-cluster peers with podSelector/namespaceSelector, and keep ipBlock for addresses outside the cluster (add the cluster ranges to `except`)");
                for (what, id) in &known {
                    let other = cx.inventory.get(*id);
                    report =
                        report.related(other, name_range(other), format!("{what} is in the block"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(cidr: &str, except: &[&str]) -> IpBlock {
        IpBlock::parse(cidr, except).unwrap()
    }

    #[test]
    fn broad_blocks_cover_cluster_ranges() {
        assert_eq!(
            broad_over_cluster_ranges(&block("0.0.0.0/0", &[])).as_deref(),
            Some("10.0.0.0/8")
        );
        assert_eq!(
            broad_over_cluster_ranges(&block(
                "0.0.0.0/0",
                &[
                    "10.0.0.0/8",
                    "172.16.0.0/12",
                    "192.168.0.0/16",
                    "100.64.0.0/10"
                ]
            )),
            None
        );
        assert_eq!(
            broad_over_cluster_ranges(&block("10.20.30.0/24", &[])),
            None
        );
        assert_eq!(
            broad_over_cluster_ranges(&block("10.244.0.0/16", &[])).as_deref(),
            Some("10.0.0.0/8")
        );
        assert_eq!(broad_over_cluster_ranges(&block("8.8.8.0/24", &[])), None);
    }
}
