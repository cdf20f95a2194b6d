//! np-guard's netpol-analyzer test suite as an oracle for the NetworkPolicy evaluator:
//! - the 50 plain NetworkPolicy v1 connection-list cases of `../shared/corpora/netpol-analyzer`
//!   (no focus, exposure, AdminNetworkPolicy or multi-network options) must give exactly the
//!   expected lists, compared as sets of (src, dst, conn) with external address ranges
//!   compared cell by cell (the procedure of `../shared/docs/oracles.md` §1);
//! - the diff cases between two plain inputs must give exactly the expected changes.
//!
//! The data stays in `../shared`; this file holds only the comparison. Needs `../shared`:
//! fails when `CI` is set and it is missing, skips with a message otherwise.
#![allow(clippy::print_stderr)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use faultline_graph::Graph;
use faultline_graph::netpol::diff::{self, cut_points, normalise, parse_diff_line, parse_line};
use faultline_graph::netpol::{DiffLine, MatrixLine, NetOptions, NetworkModel};
use faultline_model::{Inventory, ModelOptions};
use faultline_syntax::load::{Input, LoadOptions, load_all};

fn corpus() -> Option<PathBuf> {
    faultline_testdata::corpus("netpol-analyzer")
}

/// The options that reproduce netpol-analyzer's model (oracles.md §1, step 2): `ipBlock`
/// never matches pods. (Pods without `status.hostIP` are not skipped: the expected output of
/// `core_pods_without_host_ip` lists them, so oracles.md's remark does not hold for `--dirpath`.)
fn oracle_options() -> NetOptions {
    NetOptions {
        ipblock_matches_pods: false,
    }
}

/// Our connection list for an input directory, and the names of all its workloads.
fn connlist(dir: &Path) -> (Vec<MatrixLine>, BTreeSet<String>) {
    let loaded = load_all(&[Input::Path(dir.to_owned())], &LoadOptions::default());
    let inventory = Inventory::build(&loaded.parsed, &ModelOptions::default());
    let graph = Graph::build(&inventory);
    let model = NetworkModel::build(&graph, oracle_options());
    (model.matrix(), model.workload_names())
}

fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Differences between expected and actual connection lists (empty when they agree).
fn compare(expected: &[MatrixLine], actual: &[MatrixLine]) -> Vec<String> {
    let mut cuts = cut_points(expected);
    cuts.extend(cut_points(actual));
    let (e, a) = (normalise(expected, &cuts), normalise(actual, &cuts));
    let mut out = Vec::new();
    for (k, v) in &e {
        match a.get(k) {
            None => out.push(format!("missing: {} => {} : {v}", k.0, k.1)),
            Some(w) if w != v => out.push(format!(
                "different: {} => {} : expected {v}, got {w}",
                k.0, k.1
            )),
            _ => {}
        }
    }
    for (k, v) in &a {
        if !e.contains_key(k) {
            out.push(format!("extra: {} => {} : {v}", k.0, k.1));
        }
    }
    out
}

fn index(root: &Path, name: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(root.join(name)).expect("the index");
    serde_json::from_str::<serde_json::Value>(&text)
        .expect("json")
        .as_array()
        .expect("a list")
        .clone()
}

/// Input directories whose connection-list case is plain NetworkPolicy v1.
fn plain_dirs(root: &Path) -> BTreeMap<String, PathBuf> {
    index(root, "INDEX_connlist_cases.json")
        .iter()
        .filter(|c| {
            c["tags"]
                .as_array()
                .expect("tags")
                .iter()
                .all(|t| t == "ingress/route" || t == "no-np")
        })
        .map(|c| {
            (
                c["dir"].as_str().expect("dir").to_owned(),
                root.join(c["expected"]["txt"].as_str().expect("txt")),
            )
        })
        .collect()
}

fn report(failed: &[String], total: usize) {
    assert!(
        failed.is_empty(),
        "{} of {total} cases differ:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[test]
fn the_plain_connection_list_cases_match() {
    let Some(root) = corpus() else { return };
    let cases = plain_dirs(&root);
    assert_eq!(cases.len(), 50, "the 50 plain cases of oracles.md §1");
    let mut failed = Vec::new();
    for (dir, expected) in &cases {
        let expected: Vec<MatrixLine> = read_lines(expected)
            .iter()
            .filter_map(|l| parse_line(l))
            .collect();
        let (actual, _) = connlist(&root.join("tests").join(dir));
        let diff = compare(&expected, &actual);
        if !diff.is_empty() {
            let shown: Vec<&String> = diff.iter().take(8).collect();
            failed.push(format!(
                "{dir}: {} differences, e.g.\n  {shown:#?}",
                diff.len()
            ));
        }
    }
    report(&failed, cases.len());
}

/// Whether an input directory holds only what plain NetworkPolicy analysis covers (no
/// AdminNetworkPolicy, UDN, NAD or VM objects).
fn is_plain_input(dir: &Path) -> bool {
    let loaded = load_all(&[Input::Path(dir.to_owned())], &LoadOptions::default());
    let inventory = Inventory::build(&loaded.parsed, &ModelOptions::default());
    !inventory.objects.iter().any(|o| {
        matches!(
            o.kind,
            "AdminNetworkPolicy"
                | "BaselineAdminNetworkPolicy"
                | "UserDefinedNetwork"
                | "ClusterUserDefinedNetwork"
                | "NetworkAttachmentDefinition"
                | "VirtualMachine"
                | "MultiNetworkPolicy"
        )
    })
}

/// Expected lines we deliberately do not produce, each justified by the Kubernetes API.
const DIFF_DEVIATIONS: &[(&str, &str, &str)] = &[(
    "k8s_ingress_test_new",
    "source: {ingress-controller}, destination: default/unicorn[Deployment]",
    "the Ingress backend names `port.number: 8080` but Service `unicorn` has only port 5000 \
     (targetPort 8080). The API defines `service.port.number` as the port on the Service, so the \
     ingress controller has no backend for it; netpol-analyzer also accepts a target port here.",
)];

/// The diff cases between two plain inputs: every expected change, and no other.
#[test]
fn the_plain_diff_cases_match() {
    let Some(root) = corpus() else { return };
    let mut failed = Vec::new();
    let mut total = 0;
    for case in index(&root, "INDEX_diff_cases.json") {
        let (Some(ref1), Some(ref2), Some(expected)) = (
            case["ref1"].as_str(),
            case["ref2"].as_str(),
            case["expected"]["txt"].as_str(),
        ) else {
            continue;
        };
        let (d1, d2) = (root.join("tests").join(ref1), root.join("tests").join(ref2));
        if case["multipleNetworksEnabled"] == true || !is_plain_input(&d1) || !is_plain_input(&d2) {
            continue;
        }
        total += 1;
        let (old, old_names) = connlist(&d1);
        let (new, new_names) = connlist(&d2);
        let ours = diff::diff(&old, &new, &old_names, &new_names);
        let expected: Vec<DiffLine> = read_lines(&root.join(expected))
            .iter()
            .filter(|l| {
                !DIFF_DEVIATIONS
                    .iter()
                    .any(|(case, line, _why)| *case == ref2 && l.contains(line))
            })
            .filter_map(|l| parse_diff_line(l))
            .collect();
        // Compare cell by cell: refine both over each other's external ranges.
        let as_lines = |d: &[DiffLine]| -> Vec<String> {
            let mut cuts = BTreeSet::new();
            for l in d.iter().chain(&expected).chain(&ours) {
                for e in [&l.src, &l.dst] {
                    if let diff::PeerName::External((lo, hi)) = e {
                        cuts.insert(u64::from(*lo));
                        cuts.insert(u64::from(*hi) + 1);
                    }
                }
            }
            let mut out: Vec<String> = d
                .iter()
                .flat_map(|l| {
                    let line = MatrixLine {
                        src: l.src.clone(),
                        dst: l.dst.clone(),
                        conn: faultline_graph::netpol::ConnSet::all(),
                    };
                    normalise(std::slice::from_ref(&line), &cuts)
                        .into_keys()
                        .map(|(s, d)| {
                            DiffLine {
                                src: s,
                                dst: d,
                                ..l.clone()
                            }
                            .to_string()
                        })
                        .collect::<Vec<_>>()
                })
                .collect();
            out.sort();
            out
        };
        let (e, a) = (as_lines(&expected), as_lines(&ours));
        if e != a {
            let e_set: BTreeSet<&String> = e.iter().collect();
            let a_set: BTreeSet<&String> = a.iter().collect();
            let missing: Vec<&&String> = e_set.difference(&a_set).take(5).collect();
            let extra: Vec<&&String> = a_set.difference(&e_set).take(5).collect();
            failed.push(format!(
                "{ref1} → {ref2}: missing {missing:#?}\n extra {extra:#?}"
            ));
        }
    }
    assert!(total >= 25, "only {total} plain diff cases found");
    eprintln!("{total} plain diff cases compared");
    report(&failed, total);
}
