//! Typed views of single kinds: each reads its object's fields as [`Field`](crate::Field)s
//! that keep their nodes, applies the API's defaults, and never fails on malformed input
//! (a value of the wrong type reads as absent).

pub mod hpa;
pub mod ingress;
pub mod pdb;
pub mod service;
