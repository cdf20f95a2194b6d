//! Typed, read-only views of Kubernetes objects over the spanned trees.
//!
//! Architecture invariant: views never copy or mutate the tree; every value they return can be
//! traced back to the node (and so the line) it came from. Unknown kinds pass through as plain
//! [`Object`]s.
pub mod credentials;
pub mod cron;
pub mod field;
pub mod intorstr;
pub mod job;
pub mod jvm;
pub mod kinds;
pub mod layout;
pub mod logs;
pub mod object;
pub mod owners;
pub mod pod;
pub mod pod_security;
pub mod pod_status;
pub mod probe;
pub mod provenance;
pub mod quantity;
pub mod scheduling;
pub mod selector;
pub mod selectors;
pub mod snapshot;
pub mod status;
pub mod time;
pub mod views;
pub mod waits;
pub mod workload;
pub mod workload_status;

pub use field::Field;
pub use object::{Inventory, ModelOptions, NotAnObject, Object, ObjectId};
