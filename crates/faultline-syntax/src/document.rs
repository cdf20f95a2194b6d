//! What parsing a source yields.

use crate::problem::Problem;
use crate::text::TextRange;
use crate::tree::{NodeId, NodeRef, Tree};

/// One YAML document (or one JSON value).
#[derive(Clone, Debug)]
pub struct Document {
    pub tree: Tree,
    /// `None` for an empty document (a lone `---`, or only comments).
    pub root: Option<NodeId>,
    pub range: TextRange,
    /// The Helm template this document came from (`# Source: chart/templates/x.yaml`).
    pub helm_source: Option<String>,
}

impl Document {
    pub fn root(&self) -> Option<NodeRef<'_>> {
        self.root.map(|id| self.tree.node(id))
    }
}

/// Everything parsed from one source text.
#[derive(Debug, Default)]
pub struct ParsedText {
    pub documents: Vec<Document>,
    /// Every comment, in source order (for `# faultline:ignore` suppressions).
    pub comments: Vec<TextRange>,
    pub problems: Vec<Problem>,
    /// Ranges of documents dropped because of a problem.
    pub skipped: Vec<TextRange>,
}

impl ParsedText {
    pub(crate) fn append(&mut self, other: ParsedText) {
        self.documents.extend(other.documents);
        self.comments.extend(other.comments);
        self.problems.extend(other.problems);
        self.skipped.extend(other.skipped);
    }
}
