//! Problems found while reading and parsing. Parsing never fails: it returns the trees it could
//! build plus these, and the caller turns them into diagnostics.

use crate::text::TextRange;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProblemKind {
    /// The text is not valid YAML or JSON; the document containing it is skipped.
    Syntax,
    /// A mapping repeats a key; the last value is kept, as Kubernetes does.
    DuplicateKey,
    /// Aliases expand beyond the budget go-yaml applies (the CVE-2019-11253 guard).
    AliasBudget,
    /// The file could not be read, is not UTF-8, or is binary.
    Unreadable,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// Where; `None` for problems about a whole file.
    pub range: Option<TextRange>,
    pub message: String,
    /// Other places involved (the first occurrence of a duplicated key).
    pub related: Vec<(TextRange, String)>,
}

impl Problem {
    pub fn at(kind: ProblemKind, range: TextRange, message: impl Into<String>) -> Self {
        Self {
            kind,
            range: Some(range),
            message: message.into(),
            related: Vec::new(),
        }
    }
    pub fn file(kind: ProblemKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            range: None,
            message: message.into(),
            related: Vec::new(),
        }
    }
}
