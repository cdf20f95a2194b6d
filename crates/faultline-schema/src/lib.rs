//! Kubernetes OpenAPI schemas as plain data, for schema validation.
//!
//! * [`Arena`] holds schema nodes ([`SchemaId`] indexes), read through [`Schema`]: type and
//!   format, properties (sorted, binary-searched), `additionalProperties`, items, `required`,
//!   `enum`, scalar `default`, `nullable`, `x-kubernetes-int-or-string` (as
//!   [`Type::IntOrString`]), `x-kubernetes-preserve-unknown-fields`,
//!   `x-kubernetes-embedded-resource`, list types and list-map keys, patch merge keys.
//!   `$ref` and `allOf: [{$ref}]` wrappers are resolved: a property's id is the node of the
//!   definition it refers to (a wrapper that adds a list type is a node of its own).
//! * [`ArenaBuilder`] builds an arena from [`NodeSpec`]s: the decoder of the embedded data uses
//!   it, and so can a run converting the CRDs of its input.
//! * [`builtin()`]: the built-in kinds of Kubernetes 1.23 to 1.35, from the API server's own
//!   OpenAPI v3 documents (kubectl-validate's copy, Apache-2.0: see `data/README.md`), compacted
//!   by `faultline-schemagen` into `data/schemas.bin`, embedded with `include_bytes!` and decoded
//!   on first use. Nodes identical across versions are stored once.
//!
//! This crate depends on no other faultline crate and does no I/O.

mod arena;
mod builtin;
pub mod codec;

pub use arena::{
    Additional, Arena, ArenaBuilder, ListType, Literal, NodeSpec, OwnedLiteral, Schema, SchemaId,
    Type, ValueKind,
};
pub use builtin::{Builtin, DATA, KindInfo, MAX_MINOR, MIN_MINOR, Minors, builtin, schema_minor};
