//! What comes after the rule engine: cause chains and the incident report.
//!
//! The engine ([`faultline_rules::run`]) returns findings, each carrying the ids of the objects
//! it is about. [`chain::chains`] links each status finding (a symptom) to its suspected causes:
//! the configuration that explains it and the findings of other rules about the same pods or
//! their owners. [`report::build`] groups the symptoms of a snapshot into problems, ranked by
//! blast radius, with their evidence, causes and the `kubectl` commands that confirm them.
//! Everything here is plain data; the CLI renders it (`faultline check` lists the causes with
//! each finding, `faultline triage` renders the report).
//!
//! Architecture invariant: nothing in `faultline-rules` depends on this crate; the engine never
//! sees a chain.

pub mod chain;
pub mod ids;
pub mod report;

pub use chain::{Cause, Chain, chains};
pub use report::Incident;
