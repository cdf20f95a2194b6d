//! Comparing two connection lists: connectivity added, removed and changed between two
//! inputs (two `helm template` renders, two snapshots), in the form of np-guard's
//! netpol-analyzer `diff`. External ranges are compared cell by cell over the union of both
//! sides' partitions, so that the two inputs may carve the address space differently.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::Ipv4Addr;

use super::conn::ConnSet;
use super::ip::{Interval, format_interval};
use super::matrix::MatrixLine;

/// One end of a connection-list line, by name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeerName {
    /// `ns/name[Kind]` or `{ingress-controller}`.
    Named(String),
    /// An IPv4 range outside the cluster.
    External(Interval),
}

impl PeerName {
    /// Reads `ns/name[Kind]`, `A.B.C.D-E.F.G.H[External]` or the bare range.
    pub fn parse(s: &str) -> PeerName {
        let bare = s.strip_suffix("[External]").unwrap_or(s);
        if let Some((a, b)) = bare.split_once('-')
            && let (Ok(a), Ok(b)) = (a.parse::<Ipv4Addr>(), b.parse::<Ipv4Addr>())
        {
            return PeerName::External((u32::from(a), u32::from(b)));
        }
        PeerName::Named(s.to_owned())
    }

    /// The workload name, for workloads (not external ranges or the ingress controller).
    pub fn workload(&self) -> Option<&str> {
        match self {
            PeerName::Named(n) if !n.starts_with('{') => Some(n),
            _ => None,
        }
    }
}

impl fmt::Display for PeerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerName::Named(n) => f.write_str(n),
            PeerName::External(cell) => write!(f, "{}[External]", format_interval(*cell)),
        }
    }
}

/// Reads a `src => dst : conn` line; `None` for anything else (headers, blank lines).
pub fn parse_line(line: &str) -> Option<MatrixLine> {
    let (pair, conn) = line.rsplit_once(" : ")?;
    let (src, dst) = pair.split_once(" => ")?;
    Some(MatrixLine {
        src: PeerName::parse(src.trim()),
        dst: PeerName::parse(dst.trim()),
        conn: ConnSet::parse(conn).ok()?,
    })
}

/// The first address of every cell either list uses, plus the end of the address space.
pub fn cut_points<'l>(lines: impl IntoIterator<Item = &'l MatrixLine>) -> BTreeSet<u64> {
    let mut out = BTreeSet::new();
    for l in lines {
        for e in [&l.src, &l.dst] {
            if let PeerName::External((lo, hi)) = e {
                out.insert(u64::from(*lo));
                out.insert(u64::from(*hi) + 1);
            }
        }
    }
    out
}

fn split(e: &PeerName, cuts: &BTreeSet<u64>) -> Vec<PeerName> {
    let PeerName::External((lo, hi)) = *e else {
        return vec![e.clone()];
    };
    let (lo, hi) = (u64::from(lo), u64::from(hi));
    let mut starts = vec![lo];
    if lo < hi {
        starts.extend(cuts.range(lo + 1..=hi));
    }
    let ends = starts
        .iter()
        .skip(1)
        .map(|s| s - 1)
        .chain(std::iter::once(hi));
    starts
        .iter()
        .zip(ends)
        .map(|(a, b)| PeerName::External((*a as u32, b as u32)))
        .collect()
}

/// `(src, dst) → conn` with every external range split at `cuts`; self pairs and empty sets
/// dropped.
pub fn normalise(
    lines: &[MatrixLine],
    cuts: &BTreeSet<u64>,
) -> BTreeMap<(PeerName, PeerName), ConnSet> {
    let mut out: BTreeMap<(PeerName, PeerName), ConnSet> = BTreeMap::new();
    for l in lines {
        if l.src == l.dst || l.conn.is_empty() {
            continue;
        }
        for s in split(&l.src, cuts) {
            for d in split(&l.dst, cuts) {
                out.entry((s.clone(), d)).or_default().add(&l.conn);
            }
        }
    }
    out
}

/// What happened to a pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DiffKind {
    Changed,
    Added,
    Removed,
}

impl DiffKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DiffKind::Changed => "changed",
            DiffKind::Added => "added",
            DiffKind::Removed => "removed",
        }
    }
}

/// One pair whose connectivity differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: DiffKind,
    pub src: PeerName,
    pub dst: PeerName,
    pub old: ConnSet,
    pub new: ConnSet,
    /// `workload X added`, `workload X and Y removed`: the ends that exist on one side only.
    pub info: Option<String>,
}

impl DiffLine {
    /// Whether some connection allowed before is no longer allowed.
    pub fn loses_connectivity(&self) -> bool {
        !self.old.minus(&self.new).is_empty()
    }
}

/// The pairs whose connectivity differs between `old` and `new`. `old_workloads` and
/// `new_workloads` name every workload of each input (connected or not), to tell a workload
/// that appeared or disappeared from one whose policies changed.
pub fn diff(
    old: &[MatrixLine],
    new: &[MatrixLine],
    old_workloads: &BTreeSet<String>,
    new_workloads: &BTreeSet<String>,
) -> Vec<DiffLine> {
    let mut cuts = cut_points(old);
    cuts.extend(cut_points(new));
    let (old, new) = (normalise(old, &cuts), normalise(new, &cuts));
    let keys: BTreeSet<&(PeerName, PeerName)> = old.keys().chain(new.keys()).collect();
    let empty = ConnSet::empty();
    let mut out = Vec::new();
    for key in keys {
        let (o, n) = (
            old.get(key).unwrap_or(&empty),
            new.get(key).unwrap_or(&empty),
        );
        if o == n {
            continue;
        }
        let kind = if o.is_empty() {
            DiffKind::Added
        } else if n.is_empty() {
            DiffKind::Removed
        } else {
            DiffKind::Changed
        };
        let only = |names: &BTreeSet<String>, others: &BTreeSet<String>| -> Vec<String> {
            [&key.0, &key.1]
                .into_iter()
                .filter_map(|p| p.workload())
                .filter(|w| names.contains(*w) && !others.contains(*w))
                .map(str::to_owned)
                .collect()
        };
        let (added, removed) = (
            only(new_workloads, old_workloads),
            only(old_workloads, new_workloads),
        );
        let info = match (added.is_empty(), removed.is_empty()) {
            (false, _) => Some(format!("workload {} added", added.join(" and "))),
            (true, false) => Some(format!("workload {} removed", removed.join(" and "))),
            _ => None,
        };
        out.push(DiffLine {
            kind,
            src: key.0.clone(),
            dst: key.1.clone(),
            old: o.clone(),
            new: n.clone(),
            info,
        });
    }
    out.sort_by(|a, b| (a.kind, &a.src, &a.dst).cmp(&(b.kind, &b.src, &b.dst)));
    out
}

/// `diff-type: changed, source: S, destination: D, ref1: C1, ref2: C2[, workloads-diff-info: …]`.
impl fmt::Display for DiffLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "diff-type: {}, source: {}, destination: {}, ref1: {}, ref2: {}",
            self.kind.as_str(),
            self.src,
            self.dst,
            self.old,
            self.new
        )?;
        if let Some(info) = &self.info {
            write!(f, ", workloads-diff-info: {info}")?;
        }
        Ok(())
    }
}

/// Reads a line printed by [`DiffLine`]'s `Display`.
pub fn parse_diff_line(line: &str) -> Option<DiffLine> {
    let rest = line.strip_prefix("diff-type: ")?;
    let (kind, rest) = rest.split_once(", source: ")?;
    let (src, rest) = rest.split_once(", destination: ")?;
    let (dst, rest) = rest.split_once(", ref1: ")?;
    let (old, rest) = rest.split_once(", ref2: ")?;
    let (new, info) = match rest.split_once(", workloads-diff-info: ") {
        Some((n, i)) => (n, Some(i.to_owned())),
        None => (rest, None),
    };
    Some(DiffLine {
        kind: match kind {
            "changed" => DiffKind::Changed,
            "added" => DiffKind::Added,
            "removed" => DiffKind::Removed,
            _ => return None,
        },
        src: PeerName::parse(src),
        dst: PeerName::parse(dst),
        old: ConnSet::parse(old).ok()?,
        new: ConnSet::parse(new).ok()?,
        info,
    })
}
