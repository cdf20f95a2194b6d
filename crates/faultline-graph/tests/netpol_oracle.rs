//! np-guard's netpol-analyzer test suite as an oracle for the NetworkPolicy evaluator: the 50
//! plain NetworkPolicy v1 cases of `../shared/corpora/netpol-analyzer` (no focus, exposure,
//! AdminNetworkPolicy or multi-network options) must give exactly the expected connection
//! lists, compared as sets of (src, dst, conn) with external address ranges compared cell by
//! cell (the comparison procedure of `../shared/docs/oracles.md` §1). The data stays in
//! `../shared`; this file holds only the comparison.
//!
//! Needs `../shared`: fails when `CI` is set and it is missing, skips with a message otherwise.
#![allow(clippy::print_stderr)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use faultline_graph::Graph;
use faultline_graph::netpol::{ConnSet, NetOptions, NetworkModel};
use faultline_model::{Inventory, ModelOptions};
use faultline_syntax::load::{Input, LoadOptions, load_all};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/netpol-analyzer");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but {} is missing",
        dir.display()
    );
    eprintln!("skipping: {} not found", dir.display());
    None
}

/// The options that reproduce netpol-analyzer's model (oracles.md §1, step 2): `ipBlock`
/// never matches pods. (Pods without `status.hostIP` are not skipped: the expected output of
/// `core_pods_without_host_ip` lists them, so oracles.md's remark does not hold for `--dirpath`.)
fn oracle_options() -> NetOptions {
    NetOptions {
        ipblock_matches_pods: false,
    }
}

/// Our connection list for an input directory, as `src => dst : conn` lines.
pub fn connlist(dir: &Path) -> Vec<String> {
    let loaded = load_all(&[Input::Path(dir.to_owned())], &LoadOptions::default());
    let inventory = Inventory::build(&loaded.parsed, &ModelOptions::default());
    let graph = Graph::build(&inventory);
    let model = NetworkModel::build(&graph, oracle_options());
    model
        .matrix()
        .into_iter()
        .map(|l| format!("{} => {} : {}", l.src, l.dst, l.conn))
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum End {
    Name(String),
    Ip(u64, u64),
}

fn parse_end(s: &str) -> End {
    let bare = s.strip_suffix("[External]").unwrap_or(s);
    if let Some((a, b)) = bare.split_once('-')
        && let (Ok(a), Ok(b)) = (a.parse::<Ipv4Addr>(), b.parse::<Ipv4Addr>())
    {
        return End::Ip(u64::from(u32::from(a)), u64::from(u32::from(b)));
    }
    End::Name(s.to_owned())
}

type Line = (End, End, ConnSet);

fn parse_lines(lines: &[String]) -> Vec<Line> {
    lines
        .iter()
        .filter(|l| l.contains(" => "))
        .map(|l| {
            let (pair, conn) = l.rsplit_once(" : ").expect("`src => dst : conn`");
            let (src, dst) = pair.split_once(" => ").expect("`src => dst`");
            (
                parse_end(src.trim()),
                parse_end(dst.trim()),
                ConnSet::parse(conn).expect("a connection set"),
            )
        })
        .collect()
}

/// Splits every external range at every boundary either side uses, then maps each
/// (src, dst) to its connections, dropping empty sets and self pairs.
fn normalise(lines: &[Line], cuts: &BTreeSet<u64>) -> BTreeMap<(End, End), ConnSet> {
    let split = |e: &End| -> Vec<End> {
        match e {
            End::Name(_) => vec![e.clone()],
            End::Ip(lo, hi) => {
                let inner: Vec<u64> = if lo < hi {
                    cuts.range(lo + 1..=*hi).copied().collect()
                } else {
                    Vec::new()
                };
                let mut starts = vec![*lo];
                starts.extend(&inner);
                let mut ends: Vec<u64> = inner.iter().map(|c| c - 1).collect();
                ends.push(*hi);
                starts
                    .into_iter()
                    .zip(ends)
                    .map(|(a, b)| End::Ip(a, b))
                    .collect()
            }
        }
    };
    let mut out: BTreeMap<(End, End), ConnSet> = BTreeMap::new();
    for (src, dst, conn) in lines {
        if src == dst || conn.is_empty() {
            continue;
        }
        for s in split(src) {
            for d in split(dst) {
                out.entry((s.clone(), d)).or_default().add(conn);
            }
        }
    }
    out
}

fn cuts(lines: &[Line]) -> BTreeSet<u64> {
    let mut out = BTreeSet::new();
    for (s, d, _) in lines {
        for e in [s, d] {
            if let End::Ip(lo, hi) = e {
                out.insert(*lo);
                out.insert(hi + 1);
            }
        }
    }
    out
}

/// Differences between expected and actual, as readable lines (empty when they agree).
pub fn compare(expected: &[String], actual: &[String]) -> Vec<String> {
    let (e, a) = (parse_lines(expected), parse_lines(actual));
    let mut all_cuts = cuts(&e);
    all_cuts.extend(cuts(&a));
    let (e, a) = (normalise(&e, &all_cuts), normalise(&a, &all_cuts));
    let show = |(s, d): &(End, End)| format!("{s:?} => {d:?}");
    let mut out = Vec::new();
    for (k, v) in &e {
        match a.get(k) {
            None => out.push(format!("missing: {} : {v}", show(k))),
            Some(w) if w != v => {
                out.push(format!("different: {} : expected {v}, got {w}", show(k)))
            }
            _ => {}
        }
    }
    for (k, v) in &a {
        if !e.contains_key(k) {
            out.push(format!("extra: {} : {v}", show(k)));
        }
    }
    out
}

fn plain_cases(root: &Path) -> Vec<(String, PathBuf)> {
    let index: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("INDEX_connlist_cases.json")).expect("the index"),
    )
    .expect("json");
    index
        .as_array()
        .expect("a list")
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

#[test]
fn the_plain_netpol_analyzer_cases_match() {
    let Some(root) = corpus() else { return };
    let cases = plain_cases(&root);
    assert_eq!(cases.len(), 50, "the 50 plain cases of oracles.md §1");
    let mut failed = Vec::new();
    for (dir, expected) in &cases {
        let expected: Vec<String> = std::fs::read_to_string(expected)
            .expect("expected output")
            .lines()
            .map(str::to_owned)
            .collect();
        let actual = connlist(&root.join("tests").join(dir));
        let diff = compare(&expected, &actual);
        if !diff.is_empty() {
            let shown: Vec<&String> = diff.iter().take(8).collect();
            failed.push(format!(
                "{dir}: {} differences, e.g.\n  {shown:#?}",
                diff.len()
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} cases differ:\n{}",
        failed.len(),
        cases.len(),
        failed.join("\n")
    );
}
