//! The rule engine, the registry, and every rule.
//!
//! A rule is declared once with [`declare_rule!`]: id, category, default severity, summary,
//! parameters and its documentation (the doc comment, in fixed sections). The registry
//! ([`registry::ALL`]) is generated from the files in `src/rules/` by `build.rs`.
//!
//! Architecture invariant: rules are read-only and do no I/O. They see the input only through
//! [`Context`], and report only through [`Sink`]. The engine, not the rule, decides severity
//! overrides, suppressions and output order.

mod admission;
pub mod admission_policy;
pub mod api_versions;
mod collapse;
mod common;
pub mod config;
mod context;
pub mod custom;
mod custom_run;
pub mod docs;
mod engine;
pub mod evidence;
mod hosts;
mod ingress_controllers;
mod macros;
mod netpol;
pub mod params;
mod placement;
mod presence;
mod quota;
mod schema;
mod security;
pub mod settings;
mod sink;
pub mod suppress;
#[doc(hidden)]
pub mod testing;

pub use context::{Context, TargetClass};
pub use engine::Declared;
pub use engine::{Rule, run};
pub use params::{Param, RuleMeta};
pub use settings::Settings;
pub use sink::{Report, Sink, object_ref};

/// The registry of every rule, generated from `src/rules/*.rs`.
pub mod registry {
    include!(concat!(env!("OUT_DIR"), "/registry.rs"));

    /// Finds a rule by id.
    pub fn find(id: &str) -> Option<&'static dyn crate::Rule> {
        ALL.iter().copied().find(|r| r.meta().info.id == id)
    }
}
