//! The NetworkPolicy evaluator: exactly the Kubernetes semantics (isolation per direction,
//! `policyTypes` defaulting, the union of allows across policies, peers by pod selector,
//! namespace selector, both, or `ipBlock` with `except`, ports by number, range or name
//! resolved on the destination pod, protocols TCP/UDP/SCTP), computed over equivalence classes
//! of pods so that the cost follows the number of distinct classes, not of pod pairs.

pub mod conn;
pub mod diff;
pub mod explain;
pub mod ip;
pub mod matrix;
pub mod model;
pub mod policy;
pub mod services;

pub use conn::{ConnSet, PortSet, Protocol};
pub use diff::{DiffKind, DiffLine, PeerName};
pub use explain::{Miss, NearMiss, PolicyRef, Reason, Side, Verdict};
pub use matrix::{MatrixLine, MatrixPeer};
pub use model::{ClassId, Endpoint, NetOptions, NetworkModel, RuleRef, WorkloadId};
pub use policy::{Direction, Policy, read_policy};

#[cfg(test)]
mod tests;
