//! Typed views of the built-in kinds an SRE tool checks beyond workloads: one file per kind or
//! small group. Each view is a copy of the [`Object`] it reads (`X::of(&obj)`, `None` unless the
//! kind matches, whatever the apiVersion) and answers with [`Field`]s, [`NodeRef`]s or thin
//! structs over list items, so every value leads back to its line.
//!
//! Malformed input never panics: a field of the wrong type reads as absent (`None`), a list
//! item that is not a mapping is skipped, and a quantity that does not parse stays visible as an
//! `Err` at its node.

pub mod admission_policy;
pub mod hpa;
pub mod ingress;
pub mod pdb;
pub mod service;

mod config;
mod endpoints;
mod event;
mod namespace;
mod node;
mod priority_class;
mod quota;
mod service_account;
mod storage;

use faultline_syntax::{NodeKind, NodeRef};

use crate::field::Field;
use crate::quantity::{Quantity, QuantityError};

pub use config::{ConfigMap, DataKey, Secret};
pub use endpoints::{
    EndpointAddress, EndpointConditions, EndpointPort, EndpointSlice, EndpointSubset, Endpoints,
    SERVICE_NAME_LABEL, SliceEndpoint,
};
pub use event::Event;
pub use namespace::{NAMESPACE_NAME_LABEL, Namespace};
pub use node::{Node, NodeAddress, Taint};
pub use priority_class::PriorityClass;
pub use quota::{LimitRange, LimitRangeItem, ResourceQuota, ScopeRequirement};
pub use service_account::ServiceAccount;
pub use storage::{
    BETA_CLASS_ANNOTATION, BETA_DEFAULT_CLASS_ANNOTATION, ClaimClass, DEFAULT_CLASS_ANNOTATION,
    PersistentVolumeClaim, StorageClass,
};

/// Declares a view: a copy of the object, built by `of` when the kind matches.
macro_rules! view {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name<'a> {
            pub object: $crate::object::Object<'a>,
        }

        impl<'a> $name<'a> {
            /// The view of `obj`, when it is of this kind (any apiVersion).
            pub fn of(obj: &$crate::object::Object<'a>) -> Option<Self> {
                (obj.kind == stringify!($name)).then_some(Self { object: *obj })
            }
        }
    };
}
pub(crate) use view;

/// Declares a thin view over one mapping inside an object (a list item, a nested struct).
macro_rules! item {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name<'a> {
            pub node: faultline_syntax::NodeRef<'a>,
        }

        impl<'a> From<faultline_syntax::NodeRef<'a>> for $name<'a> {
            fn from(node: faultline_syntax::NodeRef<'a>) -> Self {
                Self { node }
            }
        }
    };
}
pub(crate) use item;

/// Accessors for scalar fields, written as a table inside an `impl<'a>` block:
///
/// ```text
/// fields! { (.object.spec())
///     /// `spec.volumeName`.
///     volume_name: str = "volumeName",
/// }
/// ```
///
/// makes `pub fn volume_name(self) -> Option<Field<'a, &'a str>>` reading `volumeName` of the
/// mapping `self.object.spec()` (a `NodeRef` or an `Option` of one) with [`crate::field::str`];
/// `int` and `bool` read with [`crate::field::int`] and [`crate::field::bool`].
macro_rules! fields {
    (@type str) => { &'a str };
    (@type int) => { i64 };
    (@type bool) => { bool };
    (@parent $self:ident ($($path:tt)*)) => { $self $($path)*.into() };
    ($parent:tt $($(#[$doc:meta])* $name:ident: $read:ident = $key:literal),* $(,)?) => {$(
        $(#[$doc])*
        pub fn $name(self) -> Option<$crate::field::Field<'a, fields!(@type $read)>> {
            $crate::field::$read(fields!(@parent self $parent), $key)
        }
    )*};
}
pub(crate) use fields;

/// The mapping items of the sequence `node` (none when it is absent or not a sequence).
pub(crate) fn maps<'a>(node: Option<NodeRef<'a>>) -> impl Iterator<Item = NodeRef<'a>> + 'a {
    node.into_iter()
        .flat_map(|n| n.items())
        .filter(|n| n.is_map())
}

/// The mapping items of the sequence `node` as thin views (types declared with `item!`).
pub(crate) fn items<'a, T: From<NodeRef<'a>> + 'a>(
    node: Option<NodeRef<'a>>,
) -> impl Iterator<Item = T> + 'a {
    maps(node).map(T::from)
}

/// The string items of the sequence `node` (`accessModes`, `scopes`); other items are skipped.
pub(crate) fn strings<'a>(
    node: Option<NodeRef<'a>>,
) -> impl Iterator<Item = Field<'a, &'a str>> + 'a {
    node.into_iter().flat_map(|n| n.items()).filter_map(|node| {
        Some(Field {
            value: node.as_str()?,
            node,
        })
    })
}

item!(
    /// An `ObjectReference` (Event `involvedObject`/`regarding`, an address's `targetRef`, a
    /// ServiceAccount's `secrets[]`).
    ObjectRef
);

impl<'a> ObjectRef<'a> {
    /// The reference at `node`, when it is a mapping.
    pub fn at(node: Option<NodeRef<'a>>) -> Option<Self> {
        node.filter(|n| n.is_map()).map(|node| Self { node })
    }

    fields! { (.node)
        kind: str = "kind",
        api_version: str = "apiVersion",
        namespace: str = "namespace",
        name: str = "name",
        uid: str = "uid",
        /// The part of the object meant (`spec.containers{app}`).
        field_path: str = "fieldPath",
    }
}

/// One entry of a `ResourceList` (`spec.hard`, `status.allocatable`, a LimitRange's `max`):
/// the resource name at its key node and the quantity at its value node.
#[derive(Clone, Debug)]
pub struct ResourceQuantity<'a> {
    pub name: Field<'a, &'a str>,
    /// `Err` when the value is not a quantity the API server accepts.
    pub quantity: Field<'a, Result<Quantity, QuantityError>>,
}

/// The entries of the `ResourceList` mapping `node`, unparsable ones included.
pub fn quantities<'a>(
    node: Option<NodeRef<'a>>,
) -> impl Iterator<Item = ResourceQuantity<'a>> + 'a {
    node.into_iter()
        .flat_map(|n| n.entries())
        .filter_map(|(k, v)| {
            Some(ResourceQuantity {
                name: Field {
                    value: k.scalar_text()?,
                    node: k,
                },
                quantity: Field {
                    value: quantity(v),
                    node: v,
                },
            })
        })
}

/// The value at `node` as `resource.Quantity`'s `UnmarshalJSON` reads what `kubectl` sends: a
/// string is trimmed and parsed, a number is parsed as the number YAML resolved (`0x10` is
/// 16), `null` is zero, and a collection fails on its first character as its JSON would.
pub fn quantity(node: NodeRef<'_>) -> Result<Quantity, QuantityError> {
    let text = match node.kind() {
        NodeKind::Null => return Ok(Quantity::ZERO),
        NodeKind::Int => match node.as_i64() {
            Some(i) => return Ok(Quantity::from_nanos(i128::from(i) * 1_000_000_000)),
            None => node.scalar_text().unwrap_or_default(),
        },
        NodeKind::Str => node.scalar_text().unwrap_or_default().trim(),
        NodeKind::Float | NodeKind::Bool => node.scalar_text().unwrap_or_default(),
        NodeKind::Map => "{",
        NodeKind::Seq => "[",
    };
    Quantity::parse(text)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Objects from YAML or JSON snippets, and line/column of what the views return.
    use std::sync::Arc;

    use faultline_syntax::{LineCol, LineIndex, NodeRef, ParsedText, TextRange};

    use crate::object::{Inventory, ModelOptions, Object};

    #[derive(Debug)]
    pub struct Snippet {
        text: Arc<str>,
        lines: LineIndex,
        pub inventory: Inventory<'static>,
    }

    fn build(text: &str, parse: fn(&Arc<str>) -> ParsedText) -> Snippet {
        let text: Arc<str> = Arc::from(text);
        // Leaked so that the inventory can borrow it for the rest of the test.
        let parsed: &'static [ParsedText] = Box::leak(Box::new([parse(&text)]));
        assert!(parsed[0].problems.is_empty(), "{:?}", parsed[0].problems);
        Snippet {
            lines: LineIndex::new(&text),
            inventory: Inventory::build(parsed, &ModelOptions::default()),
            text,
        }
    }

    pub fn yaml(text: &str) -> Snippet {
        build(text, faultline_syntax::yaml::parse_yaml)
    }

    pub fn json(text: &str) -> Snippet {
        build(text, faultline_syntax::json::parse_json)
    }

    impl Snippet {
        /// The `i`th object.
        pub fn obj(&self, i: usize) -> &Object<'static> {
            &self.inventory.objects[i]
        }

        /// Where `node` starts, 1-based.
        pub fn at(&self, node: NodeRef<'_>) -> (u32, u32) {
            let LineCol { line, column } = self.lines.line_col(&self.text, node.range().start);
            (line, column)
        }

        /// The source text of `node`.
        pub fn text(&self, node: NodeRef<'_>) -> &str {
            self.slice(node.range())
        }

        pub fn slice(&self, r: TextRange) -> &str {
            &self.text[r.start as usize..r.end as usize]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::yaml;
    use super::*;

    #[test]
    fn quantities_keep_errors_at_their_nodes() {
        let s = yaml(
            "kind: ResourceQuota\napiVersion: v1\nspec:\n  hard:\n    cpu: ' 2 '\n    memory: 1Gi\n    pods: 0x10\n    bad: 1.5.5\n    nested: {a: 1}\n    none:\n    flag: yes\n",
        );
        let hard: Vec<_> = quantities(s.obj(0).spec().and_then(|n| n.get("hard"))).collect();
        let names: Vec<_> = hard.iter().map(|q| q.name.value).collect();
        assert_eq!(
            names,
            ["cpu", "memory", "pods", "bad", "nested", "none", "flag"]
        );
        let q = |i: usize| hard[i].quantity.value.clone();
        assert_eq!(q(0), Quantity::parse("2"));
        assert_eq!(q(1), Quantity::parse("1Gi"));
        assert_eq!(q(2), Quantity::parse("16"));
        assert!(q(3).is_err());
        assert_eq!(
            q(4),
            Err(QuantityError::UnexpectedChar { ch: '{', offset: 0 })
        );
        assert_eq!(q(5), Ok(Quantity::ZERO));
        assert!(q(6).is_err());
        assert_eq!(s.at(hard[3].name.node), (8, 5));
        assert_eq!(s.at(hard[3].quantity.node), (8, 10));
        assert_eq!(s.text(hard[3].quantity.node), "1.5.5");
    }

    #[test]
    fn non_sequences_give_no_items() {
        let s = yaml("kind: X\napiVersion: v1\nlist: [1, {a: b}, x]\nscalar: 3\n");
        let node = s.obj(0).node;
        assert_eq!(maps(node.get("list")).count(), 1);
        assert_eq!(
            strings(node.get("list"))
                .map(|f| f.value)
                .collect::<Vec<_>>(),
            ["x"]
        );
        assert_eq!(maps(node.get("scalar")).count(), 0);
        assert_eq!(strings(node.get("missing")).count(), 0);
        assert!(ObjectRef::at(node.get("scalar")).is_none());
    }
}
