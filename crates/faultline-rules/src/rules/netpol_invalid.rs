use std::collections::BTreeSet;

use faultline_diagnostics::Severity;
use faultline_model::Object;
use faultline_model::selectors::selector_sites;

use crate::netpol::{PolicyView, policy_of};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports NetworkPolicies the API server rejects: an `ipBlock` whose `cidr` or `except`
    /// is not a CIDR or whose `except` lies outside the block, a peer that sets nothing or
    /// combines `ipBlock` with a selector, a port outside 1–65535, an `endPort` below `port`
    /// or with a named port, an invalid port name, an unknown protocol or policy type.
    /// Malformed label selectors are left to `invalid-label-selector`.
    ///
    /// As a warning, it also reports `ingress` or `egress` rules that `policyTypes` leaves out:
    /// the API server accepts them, and they have no effect at all.
    ///
    /// ## Why it matters
    /// A rejected policy does not exist in the cluster: the `kubectl apply` of the whole
    /// manifest fails, or, applied one object at a time, the pods it should protect stay
    /// open. faultline does not evaluate rejected policies, so no other network rule speaks
    /// about them. Rules under a direction missing from `policyTypes` look like they allow
    /// or restrict traffic and do neither.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: allow-office
    ///   namespace: shop
    /// spec:
    ///   podSelector:
    ///     matchLabels:
    ///       app: admin
    ///   policyTypes: [Ingress]
    ///   ingress:
    ///     - from:
    ///         - ipBlock:
    ///             cidr: 10.20.0.0/33
    ///       ports:
    ///         - port: 8443
    ///           endPort: 8000
    ///   egress:
    ///     - to:
    ///         - ipBlock:
    ///             cidr: 10.30.0.0/16
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: allow-office
    ///   namespace: shop
    /// spec:
    ///   podSelector:
    ///     matchLabels:
    ///       app: admin
    ///   policyTypes: [Ingress, Egress]
    ///   ingress:
    ///     - from:
    ///         - ipBlock:
    ///             cidr: 10.20.0.0/16
    ///       ports:
    ///         - port: 8000
    ///           endPort: 8443
    ///   egress:
    ///     - to:
    ///         - ipBlock:
    ///             cidr: 10.30.0.0/16
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - NetworkPolicy API: <https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/>
    /// - Network Policies: <https://kubernetes.io/docs/concepts/services-networking/network-policies/>
    pub struct NetpolInvalid {
        id: "netpol-invalid",
        category: Network,
        severity: Error,
        summary: "the API server rejects this NetworkPolicy, or part of it has no effect",
        params: [],
    }
}

impl Rule for NetpolInvalid {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let Some(PolicyView { policy, .. }) = policy_of(cx, obj) else {
            return;
        };
        // Selector problems are `invalid-label-selector`'s.
        let selector_problems: BTreeSet<_> = selector_sites(obj)
            .iter()
            .flat_map(|s| s.parse().problems)
            .collect();
        for (range, problem) in &policy.problems {
            if selector_problems.contains(&(*range, problem.clone())) {
                continue;
            }
            out.report(
                obj,
                *range,
                format!("NetworkPolicy `{}` is invalid: {problem}", policy.name),
            )
            .help(help_for(problem));
        }
        for (dir, node) in &policy.ignored {
            let spec = policy.node.get("spec");
            let range = spec
                .and_then(|s| s.entry(dir.as_str()))
                .map_or_else(|| node.range(), |(k, _)| k.range());
            let types = spec
                .and_then(|s| s.get("policyTypes"))
                .map(|t| {
                    t.items()
                        .filter_map(|i| i.scalar_text())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            let kind = match dir {
                faultline_graph::netpol::Direction::Ingress => "Ingress",
                faultline_graph::netpol::Direction::Egress => "Egress",
            };
            let report = out
                .report(
                    obj,
                    range,
                    format!(
                        "{} of NetworkPolicy `{}` {} no effect: `policyTypes` is [{types}], without `{kind}`",
                        match node.len() {
                            1 => format!("the {} rule", dir.as_str()),
                            n => format!("the {n} {} rules", dir.as_str()),
                        },
                        policy.name,
                        if node.len() == 1 { "has" } else { "have" },
                    ),
                )
                .severity(Severity::Warning)
                .help(format!(
                    "add `{kind}` to `policyTypes` if these rules should apply, or delete them"
                ));
            if let Some(types) = spec
                .and_then(|s| s.entry("policyTypes"))
                .map(|(k, _)| k.range())
            {
                report.related(
                    obj,
                    types,
                    "`policyTypes` decides which directions the policy isolates",
                );
            }
        }
    }
}

/// What to do about one of [`Policy::problems`](faultline_graph::netpol::Policy::problems).
fn help_for(problem: &str) -> &'static str {
    const HELP: &[(&str, &str)] = &[
        (
            "is not a policy type",
            "list only `Ingress` and `Egress` in `policyTypes`",
        ),
        (
            "is not a CIDR",
            "write the block as an address and a prefix length, such as `10.20.0.0/16`",
        ),
        (
            "strictly inside",
            "make every `except` entry a CIDR strictly inside the block's `cidr`",
        ),
        (
            "a peer must set",
            "give the peer a `podSelector`, `namespaceSelector` or `ipBlock`, or remove it (leave out `from`/`to` to admit every peer)",
        ),
        (
            "cannot be combined",
            "write the `ipBlock` as a peer of its own, beside the selector peer",
        ),
        ("needs a `cidr`", "add a `cidr` to the `ipBlock`"),
        (
            "endPort",
            "give `endPort` a number from `port` to 65535, and a numeric `port`",
        ),
        ("outside 1–65535", "use a port number from 1 to 65535"),
        (
            "not a valid port name",
            "name the port as the container declares it: 1–15 lowercase letters, digits and `-`",
        ),
        (
            "is not a protocol",
            "use `TCP`, `UDP` or `SCTP`, in capitals",
        ),
    ];
    HELP.iter()
        .find(|(needle, _)| problem.contains(needle))
        .map_or(
            "correct the field; the API server rejects the whole policy until then",
            |(_, help)| help,
        )
}
