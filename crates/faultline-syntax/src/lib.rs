//! Source text to compact spanned trees.
//!
//! Architecture invariant: this crate knows nothing of Kubernetes objects. It resolves scalars
//! the way Kubernetes' YAML library does (go-yaml v2: `yes` is a boolean, `0644` is 420) because
//! that is a property of the text, not of any object.
//!
//! Architecture invariant: parsing never fails. Every entry point returns what it could build
//! plus [`Problem`]s with locations.

#[doc(hidden)]
pub mod chunk;
pub mod document;
pub mod json;
mod keys;
pub mod load;
pub mod problem;
pub mod resolve;
pub mod text;
pub mod tree;
pub mod visible;
pub mod yaml;

pub use document::{Document, ParsedText};
pub use json::parse_json;
pub use problem::{Problem, ProblemKind};
pub use text::{FileId, LineCol, LineIndex, SourceFile, TextRange};
pub use tree::{NodeId, NodeKind, NodeRef, Style, Tree};
