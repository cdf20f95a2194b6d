//! A typed value read from the tree, together with the node it came from.

use faultline_syntax::{NodeRef, TextRange};

/// A value of a typed view (`maxReplicas: 10` as `Field { value: 10, node }`): rules use the
/// value and point their diagnostics at `node`.
#[derive(Clone, Copy, Debug)]
pub struct Field<'a, T> {
    pub value: T,
    pub node: NodeRef<'a>,
}

impl<'a, T> Field<'a, T> {
    /// Where the value is written.
    pub fn range(&self) -> TextRange {
        self.node.range()
    }

    /// Converts the value, keeping the node.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Field<'a, U> {
        Field {
            value: f(self.value),
            node: self.node,
        }
    }
}

/// `parent.key` as an integer, when it is one.
pub fn int<'a>(parent: Option<NodeRef<'a>>, key: &str) -> Option<Field<'a, i64>> {
    let node = parent?.get(key)?;
    Some(Field {
        value: node.as_i64()?,
        node,
    })
}

/// `parent.key` as a string, when it is a non-null scalar.
pub fn str<'a>(parent: Option<NodeRef<'a>>, key: &str) -> Option<Field<'a, &'a str>> {
    let node = parent?.get(key)?;
    Some(Field {
        value: node.as_str()?,
        node,
    })
}

/// `parent.key` as a boolean, when it is one.
pub fn bool<'a>(parent: Option<NodeRef<'a>>, key: &str) -> Option<Field<'a, bool>> {
    let node = parent?.get(key)?;
    Some(Field {
        value: node.as_bool()?,
        node,
    })
}

/// `parent.key` as a non-empty name: any non-null scalar's text (`name: 123` names `"123"`,
/// as the API would read a quoted string).
pub fn name<'a>(parent: Option<NodeRef<'a>>, key: &str) -> Option<Field<'a, &'a str>> {
    let node = parent?.get(key)?;
    let value = node
        .scalar_text()
        .filter(|t| !node.is_null() && !t.is_empty())?;
    Some(Field { value, node })
}

/// `parent.key` as an `IntOrString` (`port: 8080`, `port: http`, `maxSurge: 25%`), when it is
/// an integer or a string; anything else (a float, a map) reads as absent.
pub fn int_or_str<'a>(
    parent: Option<NodeRef<'a>>,
    key: &str,
) -> Option<Field<'a, crate::intorstr::IntOrString>> {
    use crate::intorstr::IntOrString;
    let node = parent?.get(key)?;
    let value = match node.kind() {
        faultline_syntax::NodeKind::Int => IntOrString::Int(node.as_i64()?),
        faultline_syntax::NodeKind::Str => IntOrString::Str(node.as_str()?.to_owned()),
        _ => return None,
    };
    Some(Field { value, node })
}

/// A setting that is either written or left to the API server's default: the value in effect,
/// and the node when it is written.
#[derive(Clone, Debug)]
pub struct Defaulted<'a, T> {
    pub value: T,
    /// `None` when the default applies.
    pub node: Option<NodeRef<'a>>,
}

impl<'a, T> Defaulted<'a, T> {
    /// The API server's default.
    pub fn default_value(value: T) -> Self {
        Self { value, node: None }
    }

    /// A value as written.
    pub fn written(field: Field<'a, T>) -> Self {
        Self {
            value: field.value,
            node: Some(field.node),
        }
    }

    pub fn is_written(&self) -> bool {
        self.node.is_some()
    }
}
