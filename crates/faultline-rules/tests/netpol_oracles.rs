//! External oracles for the network rules (`../shared/docs/oracles.md`):
//!
//! - IBM network-config-analyzer's `emptiness` queries (§4): the number of policies that
//!   select no pod plus the rules whose peers all select nothing must equal each query's
//!   `expected`, from `netpol-selects-no-pods` and `netpol-peer-selects-nothing` run as with
//!   `--complete` (NCA reads its pod and namespace lists as the whole cluster);
//! - np-guard netpol-analyzer's rejected policies (§1, "Extra oracles"): each `bad_netpols`
//!   input must get the finding that corresponds to upstream's error.
//!
//! The data stays in `../shared`; this file holds only the mapping. Fails when `CI` is set
//! and the data is missing, skips with a message otherwise.
#![allow(clippy::print_stderr)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use faultline_diagnostics::Diagnostic;
use faultline_graph::Graph;
use faultline_graph::netpol::Direction;
use faultline_graph::netpol::model::policy_rules;
use faultline_model::{Inventory, ModelOptions};
use faultline_rules::{Context, Settings, run};
use faultline_syntax::NodeRef;
use faultline_syntax::load::{Input, LoadOptions, load_all};

/// The corpus `name` under `../shared/corpora`.
fn corpus(name: &str) -> Option<PathBuf> {
    faultline_testdata::corpus(name)
}

/// What a run over some inputs found, with the rule/peer counts of every valid policy.
struct Outcome {
    diags: Vec<Diagnostic>,
    /// (namespace/name, direction, rule index) → (number of peers, has an ipBlock peer).
    rules: BTreeMap<(String, Direction, usize), (usize, bool)>,
}

/// Runs `only` over `inputs`; `complete` declares the input the whole cluster (`--complete`).
fn check(inputs: &[PathBuf], only: &[&str], complete: bool) -> Outcome {
    let paths: Vec<Input> = inputs.iter().map(|p| Input::Path(p.clone())).collect();
    let loaded = load_all(&paths, &LoadOptions::default());
    let inventory = Inventory::build(&loaded.parsed, &ModelOptions::default());
    let graph = Graph::build(&inventory);
    let settings = Settings {
        only: Some(only.iter().map(|s| (*s).to_owned()).collect()),
        complete,
        ..Settings::default()
    };
    let cx = Context::new(&loaded.files, &loaded.parsed, &graph, &settings);
    let diags = run(&cx, &settings.enabled_rules());
    let mut rules = BTreeMap::new();
    for p in cx
        .network()
        .policies
        .iter()
        .filter(|p| p.problems.is_empty())
    {
        for (r, rule) in policy_rules(0, p) {
            let dir = r.dir;
            let peers = rule.peers.as_deref().unwrap_or_default();
            rules.insert(
                (format!("{}/{}", p.namespace, p.name), dir, rule.index),
                (peers.len(), peers.iter().any(|peer| peer.ip.is_some())),
            );
        }
    }
    Outcome { diags, rules }
}

fn object_key(d: &Diagnostic) -> String {
    let o = d.object.as_ref().expect("about an object");
    format!("{}/{}", o.namespace.as_deref().unwrap_or(""), o.name)
}

/// `(spec.ingress[2].from[1])` in a peer finding's message → (Ingress, 2, 1).
fn peer_address(message: &str) -> (Direction, usize, usize) {
    let start = message.find("(spec.").expect("the peer's path") + 6;
    let path = &message[start..message[start..].find(')').expect("closed") + start];
    let (dir, rest) = path.split_once('[').expect("a rule index");
    let (rule, rest) = rest.split_once(']').expect("closed");
    let peer = rest
        .rsplit_once('[')
        .and_then(|(_, p)| p.strip_suffix(']'))
        .expect("a peer index");
    let dir = if dir == "ingress" {
        Direction::Ingress
    } else {
        Direction::Egress
    };
    (dir, rule.parse().unwrap(), peer.parse().unwrap())
}

/// NCA's emptiness count: policies selecting nothing, and rules all of whose peers select
/// nothing (a rule with an `ipBlock` peer or without peers is never empty).
fn emptiness(outcome: &Outcome) -> (usize, Vec<String>) {
    let mut policies = BTreeSet::new();
    let mut peers: BTreeMap<(String, Direction, usize), BTreeSet<usize>> = BTreeMap::new();
    for d in &outcome.diags {
        match d.rule {
            "netpol-selects-no-pods" => {
                policies.insert(object_key(d));
            }
            "netpol-peer-selects-nothing" => {
                let (dir, rule, peer) = peer_address(&d.message);
                peers
                    .entry((object_key(d), dir, rule))
                    .or_default()
                    .insert(peer);
            }
            _ => {}
        }
    }
    let mut found: Vec<String> = policies.iter().map(|p| format!("policy {p}")).collect();
    for (key, empty) in &peers {
        let (count, ip) = outcome.rules[key];
        if !ip && empty.len() == count {
            found.push(format!("{} {} rule {}", key.0, key.1.as_str(), key.2));
        }
    }
    (found.len(), found)
}

fn parse_yaml(path: &Path) -> Arc<str> {
    Arc::from(std::fs::read_to_string(path).expect("readable"))
}

fn scalar<'t>(node: Option<NodeRef<'t>>) -> Option<&'t str> {
    node.and_then(|n| n.scalar_text())
}

/// The files an NCA list entry names: a file, or every YAML/JSON file of a directory.
fn files(base: &Path, entry: &str) -> Vec<PathBuf> {
    let path = base.join(entry);
    if path.is_dir() {
        let mut out: Vec<PathBuf> = std::fs::read_dir(&path)
            .expect("a directory")
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
            })
            .collect();
        out.sort();
        out
    } else {
        vec![path]
    }
}

#[test]
fn nca_emptiness_queries_match() {
    let Some(root) = corpus("network-config-analyzer") else {
        return;
    };
    let policies = root.join("tests/k8s_testcases/example_policies");
    let mut schemes = Vec::new();
    let mut stack = vec![policies.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("a directory").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .file_name()
                .is_some_and(|n| n.to_string_lossy().contains("scheme"))
                && std::fs::read_to_string(&p).is_ok_and(|t| t.contains("emptiness:"))
            {
                schemes.push(p);
            }
        }
    }
    schemes.sort();
    let (mut compared, mut failed) = (0, Vec::new());
    for scheme in &schemes {
        let text = parse_yaml(scheme);
        let parsed = faultline_syntax::yaml::parse_yaml(&text);
        let Some(root_node) = parsed.documents.first().and_then(|d| d.root()) else {
            continue;
        };
        let base = scheme.parent().expect("in a directory");
        let configs: BTreeMap<&str, NodeRef<'_>> = root_node
            .get("networkConfigList")
            .into_iter()
            .flat_map(|l| l.items())
            .filter_map(|c| Some((scalar(c.get("name"))?, c)))
            .collect();
        for query in root_node.get("queries").into_iter().flat_map(|q| q.items()) {
            let (Some(names), Some(expected)) = (
                query.get("emptiness"),
                query.get("expected").and_then(|e| e.as_i64()),
            ) else {
                continue;
            };
            let mut total = 0;
            let mut details = Vec::new();
            let mut remote = false;
            for name in names.items().filter_map(|n| n.scalar_text()) {
                let config = configs[name];
                let list: Vec<&str> = config
                    .get("networkPolicyList")
                    .into_iter()
                    .flat_map(|l| l.items())
                    .filter_map(|p| p.scalar_text())
                    .collect();
                if list.iter().any(|p| p.starts_with("http")) {
                    remote = true;
                    break;
                }
                let mut inputs = Vec::new();
                for key in ["namespaceList", "podList"] {
                    if let Some(entry) =
                        scalar(config.get(key)).or_else(|| scalar(root_node.get(key)))
                    {
                        inputs.extend(files(base, entry));
                    }
                }
                for p in list {
                    inputs.extend(files(base, p));
                }
                // NCA reads its pod and namespace lists as the whole cluster.
                let outcome = check(
                    &inputs,
                    &["netpol-selects-no-pods", "netpol-peer-selects-nothing"],
                    true,
                );
                let (count, found) = emptiness(&outcome);
                total += count;
                details.push(format!("{name}: {found:?}"));
            }
            if remote {
                continue;
            }
            compared += 1;
            if total as i64 != expected {
                failed.push(format!(
                    "{} query `{}`: expected {expected}, found {total}: {details:?}",
                    scheme.strip_prefix(&policies).unwrap_or(scheme).display(),
                    scalar(query.get("name")).unwrap_or("?")
                ));
            }
        }
    }
    eprintln!("compared {compared} NCA emptiness queries");
    assert!(compared >= 15, "only {compared} emptiness queries found");
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn netpol_analyzer_rejected_policies_are_reported() {
    let Some(root) = corpus("netpol-analyzer") else {
        return;
    };
    let tests = root.join("tests");
    // Upstream's error for each input (connlist_test.go), and the finding that says the same.
    let cases: &[(&str, &str, &str)] = &[
        ("bad_netpols/subdir1", "invalid CIDR", "netpol-invalid"),
        (
            "bad_netpols/subdir2",
            "bad label key",
            "invalid-label-selector",
        ),
        (
            "bad_netpols/subdir3",
            "ipBlock combined with a selector",
            "netpol-invalid",
        ),
        ("bad_netpols/subdir4", "empty rule peer", "netpol-invalid"),
        (
            "bad_netpols/subdir5",
            "named port not defined in a selected workload",
            "netpol-port-not-exposed",
        ),
        // The API accepts a named port toward an ipBlock; plugins differ on it.
        (
            "bad_netpols/subdir6",
            "named port on an ipBlock peer",
            "netpol-cni-portability",
        ),
        (
            "bad_netpols/subdir7",
            "bad label value",
            "invalid-label-selector",
        ),
        (
            "np_bad_path_test_2",
            "endPort with a named port",
            "netpol-invalid",
        ),
        (
            "np_test_with_empty_port_range",
            "port range 10-1",
            "netpol-invalid",
        ),
    ];
    let rules = [
        "netpol-invalid",
        "invalid-label-selector",
        "netpol-port-not-exposed",
        "netpol-cni-portability",
    ];
    let mut failed = Vec::new();
    for (dir, upstream, rule) in cases {
        let outcome = check(&[tests.join(dir)], &rules, false);
        let on_policies: BTreeSet<&str> = outcome
            .diags
            .iter()
            .filter(|d| d.object.as_ref().is_some_and(|o| o.kind == "NetworkPolicy"))
            .map(|d| d.rule)
            .collect();
        if !on_policies.contains(rule) {
            failed.push(format!(
                "{dir} ({upstream}): expected `{rule}`, found {on_policies:?}"
            ));
        }
        // Valid policies are not `netpol-invalid`'s.
        if *rule != "netpol-invalid" && on_policies.contains("netpol-invalid") {
            failed.push(format!("{dir} ({upstream}): unexpected `netpol-invalid`"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
