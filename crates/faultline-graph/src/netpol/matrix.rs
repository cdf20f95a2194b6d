//! The connectivity matrix between workloads and external address ranges, in the connection
//! list form of np-guard's netpol-analyzer (`src => dst : conn`).

use std::collections::HashMap;

use rayon::prelude::*;

use super::conn::ConnSet;
use super::diff::PeerName;
use super::ip::{self, Interval};
use super::model::{ClassId, Endpoint, NetworkModel, WorkloadId};
use super::policy::Direction;

/// One end of a matrix line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MatrixPeer {
    Workload(WorkloadId),
    External(Interval),
    /// `{ingress-controller}`: the unknown pod that serves Ingress objects.
    IngressController,
}

/// One line: traffic from `src` to `dst` that the policies allow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatrixLine {
    pub src: PeerName,
    pub dst: PeerName,
    pub conn: ConnSet,
}

/// `src => dst : conn`.
impl std::fmt::Display for MatrixLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} => {} : {}", self.src, self.dst, self.conn)
    }
}

impl NetworkModel<'_> {
    pub fn peer_name(&self, p: MatrixPeer) -> PeerName {
        match p {
            MatrixPeer::Workload(w) => PeerName::Named(self.workload(w).label()),
            MatrixPeer::External(cell) => PeerName::External(cell),
            MatrixPeer::IngressController => PeerName::Named("{ingress-controller}".to_owned()),
        }
    }

    /// The IPv4 cells external sources (`Ingress`) or destinations (`Egress`) fall into: the
    /// refinement of every `ipBlock` written in that direction.
    pub fn external_cells(&self, dir: Direction) -> Vec<Interval> {
        let blocks = self
            .policies
            .iter()
            .filter(|p| p.problems.is_empty())
            .flat_map(|p| p.rules(dir).into_iter().flatten())
            .flat_map(|r| r.peers.iter().flatten())
            .filter_map(|peer| peer.ip.as_ref());
        ip::partition(blocks)
    }

    /// Every allowed (src, dst) pair of distinct peers with what it allows, sorted by the
    /// printed names.
    pub fn matrix(&self) -> Vec<MatrixLine> {
        let n = self.classes.len();
        // Per destination class, the allowed sources.
        let per_dst: Vec<Vec<(ClassId, ConnSet)>> = (0..n)
            .into_par_iter()
            .map(|d| {
                let d = ClassId(d as u32);
                let sources = match self.candidates(d, Direction::Ingress) {
                    Some(list) => list,
                    None => (0..n).map(|s| ClassId(s as u32)).collect(),
                };
                sources
                    .into_iter()
                    .filter_map(|s| {
                        let conn = self.allowed(Endpoint::Class(s), Endpoint::Class(d));
                        (!conn.is_empty()).then_some((s, conn))
                    })
                    .collect()
            })
            .collect();

        let mut pairs: HashMap<(MatrixPeer, MatrixPeer), ConnSet> = HashMap::new();
        let mut add = |src: MatrixPeer, dst: MatrixPeer, conn: &ConnSet| {
            if src != dst {
                pairs
                    .entry((src, dst))
                    .and_modify(|c| c.add(conn))
                    .or_insert_with(|| conn.clone());
            }
        };
        for (d, sources) in per_dst.iter().enumerate() {
            let dst_workloads = &self.classes[d].workloads;
            for (s, conn) in sources {
                for ws in &self.class(*s).workloads {
                    for wd in dst_workloads {
                        add(MatrixPeer::Workload(*ws), MatrixPeer::Workload(*wd), conn);
                    }
                }
            }
        }
        for cell in self.external_cells(Direction::Ingress) {
            for (d, class) in self.classes.iter().enumerate() {
                let conn =
                    self.allowed(Endpoint::External(cell), Endpoint::Class(ClassId(d as u32)));
                if !conn.is_empty() {
                    for wd in &class.workloads {
                        add(MatrixPeer::External(cell), MatrixPeer::Workload(*wd), &conn);
                    }
                }
            }
        }
        for cell in self.external_cells(Direction::Egress) {
            for (s, class) in self.classes.iter().enumerate() {
                let conn =
                    self.allowed(Endpoint::Class(ClassId(s as u32)), Endpoint::External(cell));
                if !conn.is_empty() {
                    for ws in &class.workloads {
                        add(MatrixPeer::Workload(*ws), MatrixPeer::External(cell), &conn);
                    }
                }
            }
        }
        for (d, conn) in self.ingress_controller_targets() {
            for wd in &self.class(d).workloads {
                add(
                    MatrixPeer::IngressController,
                    MatrixPeer::Workload(*wd),
                    &conn,
                );
            }
        }
        let mut lines: Vec<MatrixLine> = pairs
            .into_iter()
            .map(|((s, d), conn)| MatrixLine {
                src: self.peer_name(s),
                dst: self.peer_name(d),
                conn,
            })
            .collect();
        // Byte order of the printed names, as connection lists are sorted.
        lines.sort_by_cached_key(|l| (l.src.to_string(), l.dst.to_string()));
        lines
    }
}
