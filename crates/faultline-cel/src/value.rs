//! YAML trees as CEL values, borrowing the source text.
//!
//! [`to_val`] gives a *lazy* value: a map or list that reads its node only when an expression
//! looks inside it, so binding an object costs nothing and copying one (a comprehension binds
//! each element it visits) copies a node reference. [`to_val_eager`] builds the whole value
//! with the cel crate's own maps and lists instead; both evaluate alike.
//!
//! The cel crate's own maps and lists only compare equal to their own kind, so equality and
//! `in` with a YAML value on the right go through [`equals`], woven into expressions where
//! they compile (see `limits::rewrite_call`); results are turned into [`Value`]s by
//! [`to_value`].

use cel::ExecutionError;
use cel::common::traits::{self, Adder, Container, Indexer, Iterable, Sizer, Zeroer};
use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString, Kind, LIST_TYPE,
    MAP_TYPE, Type,
};
use cel::common::value::{CowVal, Val};
use cel::objects::Key;
use faultline_syntax::tree::{NodeKind, NodeRef};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// The CEL value of a node as the API server would see the object: maps with string keys,
/// lists, and scalars resolved as Kubernetes decodes YAML (`yes` is `true`, `0644` is 420).
/// Strings borrow the source; maps and lists read their node when an expression looks inside
/// them.
pub fn to_val<'t>(node: NodeRef<'t>) -> Box<dyn Val + 't> {
    match node.kind() {
        NodeKind::Seq => Box::new(YamlList::new(node)),
        NodeKind::Map => Box::new(YamlMap::new(node)),
        _ => scalar(node),
    }
}

/// The object at `node` as the API server admits it into `namespace`: [`to_val`], except that
/// `metadata.namespace` reads `namespace` when the object does not write one (the API server
/// fills it in from the request before admission). An object without `metadata` is unchanged.
pub fn to_val_in_namespace<'t>(node: NodeRef<'t>, namespace: &'t str) -> Box<dyn Val + 't> {
    match node.kind() {
        NodeKind::Map => Box::new(YamlMap::filled(node, Filled::Root(namespace))),
        _ => to_val(node),
    }
}

/// The same value as [`to_val`], built whole with the cel crate's maps and lists.
pub fn to_val_eager<'t>(node: NodeRef<'t>) -> Box<dyn Val + 't> {
    match node.kind() {
        NodeKind::Seq => {
            let items: Vec<Box<dyn Val + 't>> = node.items().map(to_val_eager).collect();
            Box::new(CelList::from(items))
        }
        NodeKind::Map => {
            let mut map: HashMap<CelMapKey<'t>, Box<dyn Val + 't>> =
                HashMap::with_capacity(node.len());
            for (k, v) in node.entries() {
                let key = k.scalar_text().unwrap_or("");
                // Duplicate keys: the last one wins, as in the decoded object.
                map.insert(CelMapKey::from(key), to_val_eager(v));
            }
            Box::new(CelMap::from(map))
        }
        _ => scalar(node),
    }
}

fn scalar<'t>(node: NodeRef<'t>) -> Box<dyn Val + 't> {
    match node.kind() {
        NodeKind::Bool => Box::new(CelBool::from(node.as_bool().unwrap_or(false))),
        NodeKind::Int => match node.as_i64() {
            Some(i) => Box::new(CelInt::from(i)),
            // Beyond 64 bits: JSON decodes it as a float.
            None => Box::new(CelDouble::from(
                node.scalar_text()
                    .and_then(|t| t.parse::<f64>().ok())
                    .unwrap_or(f64::NAN),
            )),
        },
        NodeKind::Float => Box::new(CelDouble::from(node.as_f64().unwrap_or(f64::NAN))),
        NodeKind::Str => Box::new(CelString::from(node.scalar_text().unwrap_or(""))),
        // `Null`, and containers (never passed here).
        _ => Box::new(CelNull),
    }
}

/// `Val` for a YAML container type of this module (`YamlMap`, `YamlList`): its CEL type
/// (`static`), and the indexer, iterable, container, sizer and zeroer it implements itself;
/// the rest (`equals`, `clone_as_boxed`, …) given.
macro_rules! container_val {
    ($ty:ident, $cel_type:ident, { $($rest:tt)* }) => {
        impl<'t> Val for $ty<'t> {
            fn get_type(&self) -> &Type {
                &$cel_type
            }
            fn cel_type() -> &'static Type {
                &$cel_type
            }
            fn as_indexer<'b, 'v>(&'b self) -> Option<&'b (dyn Indexer + 'v)>
            where
                Self: 'v,
            {
                Some(self)
            }
            fn as_iterable<'b, 'v>(&'b self) -> Option<&'b (dyn Iterable + 'v)>
            where
                Self: 'v,
            {
                Some(self)
            }
            fn as_container(&self) -> Option<&dyn Container> {
                Some(self)
            }
            fn as_sizer(&self) -> Option<&dyn Sizer> {
                Some(self)
            }
            fn as_zeroer(&self) -> Option<&dyn Zeroer> {
                Some(self)
            }
            $($rest)*
        }
    };
}

static MAP: Type = MAP_TYPE;
static LIST: Type = LIST_TYPE;

/// A YAML mapping as a CEL map with string keys.
pub(crate) struct YamlMap<'t> {
    node: NodeRef<'t>,
    /// The keys, built the first time the map is iterated.
    keys: OnceLock<Vec<CelString<'t>>>,
    filled: Filled<'t>,
}

/// A value the API server fills in that the map does not write (see [`to_val_in_namespace`]).
#[derive(Clone, Copy, Debug)]
enum Filled<'t> {
    None,
    /// An object's root: its `metadata` gets [`Filled::Namespace`].
    Root(&'t str),
    /// An object's `metadata`: `namespace` reads this when not written.
    Namespace(&'t str),
}

/// What a key of a map reads: a node of the map, or a value filled in.
enum Entry<'t> {
    Node(NodeRef<'t>),
    /// An object's `metadata`, whose `namespace` reads the second field when not written.
    Metadata(NodeRef<'t>, &'t str),
    Filled(&'t str),
}

impl<'t> Entry<'t> {
    /// The entry's value, with what is filled in below it.
    fn value(self) -> Box<dyn Val + 't> {
        match self {
            Entry::Node(node) => to_val(node),
            Entry::Metadata(node, ns) => Box::new(YamlMap::filled(node, Filled::Namespace(ns))),
            Entry::Filled(text) => Box::new(CelString::from(text)),
        }
    }
}

impl<'t> YamlMap<'t> {
    fn new(node: NodeRef<'t>) -> Self {
        Self::filled(node, Filled::None)
    }

    fn filled(node: NodeRef<'t>, filled: Filled<'t>) -> Self {
        YamlMap {
            node,
            keys: OnceLock::new(),
            filled,
        }
    }

    /// The namespace filled in, when this map is a `metadata` that does not write one.
    fn filled_namespace(&self) -> Option<&'t str> {
        match self.filled {
            Filled::Namespace(ns) if self.node.get("namespace").is_none() => Some(ns),
            _ => None,
        }
    }

    fn keys(&self) -> &[CelString<'t>] {
        self.keys.get_or_init(|| {
            let mut keys: Vec<CelString<'t>> = self
                .node
                .entries()
                .map(|(k, _)| CelString::from(k.scalar_text().unwrap_or("")))
                .collect();
            if self.filled_namespace().is_some() {
                keys.push(CelString::from("namespace"));
            }
            keys
        })
    }

    fn lookup(&self, key: &dyn Val) -> Option<Entry<'t>> {
        let key = key.downcast_ref::<CelString>()?.inner();
        match (self.node.get(key), self.filled) {
            (Some(node), Filled::Root(ns)) if key == "metadata" && node.is_map() => {
                Some(Entry::Metadata(node, ns))
            }
            (Some(node), _) => Some(Entry::Node(node)),
            (None, _) if key == "namespace" => self.filled_namespace().map(Entry::Filled),
            (None, _) => None,
        }
    }

    fn size(&self) -> usize {
        self.node.len() + usize::from(self.filled_namespace().is_some())
    }
}

/// A YAML sequence as a CEL list.
pub(crate) struct YamlList<'t> {
    node: NodeRef<'t>,
    /// The elements, built the first time the list is indexed or iterated.
    items: OnceLock<Vec<Box<dyn Val + 't>>>,
}

impl<'t> YamlList<'t> {
    fn new(node: NodeRef<'t>) -> Self {
        YamlList {
            node,
            items: OnceLock::new(),
        }
    }

    fn items(&self) -> &[Box<dyn Val + 't>] {
        self.items
            .get_or_init(|| self.node.items().map(to_val).collect())
    }
}

impl std::fmt::Debug for YamlMap<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "YamlMap({:?})", self.node)
    }
}

impl std::fmt::Debug for YamlList<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "YamlList({:?})", self.node)
    }
}

fn no_such_key(key: &dyn Val) -> ExecutionError {
    let name = key
        .downcast_ref::<CelString>()
        .map_or_else(|| format!("{key:?}"), |s| s.inner().to_owned());
    ExecutionError::NoSuchKey(Arc::new(name))
}

container_val!(YamlMap, MAP, {
    fn equals(&self, other: &dyn Val) -> bool {
        maps_equal(self, other)
    }
    fn clone_as_boxed<'v>(&self) -> Box<dyn Val + 'v>
    where
        Self: 'v,
    {
        Box::new(YamlMap::filled(self.node, self.filled))
    }
});

impl<'t> Indexer for YamlMap<'t> {
    fn get<'b, 'v>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        match self.lookup(idx) {
            Some(entry) => Ok(CowVal::Owned(entry.value())),
            None => Err(no_such_key(idx)),
        }
    }
    fn steal<'v>(self: Box<Self>, idx: &dyn Val) -> Result<Box<dyn Val + 'v>, ExecutionError>
    where
        Self: 'v,
    {
        self.lookup(idx)
            .map(Entry::value)
            .ok_or_else(|| no_such_key(idx))
    }
}

struct SliceIter<'b, T>(std::slice::Iter<'b, T>);

impl<'b, 'v, 't: 'v> traits::Iterator<'b, 'v> for SliceIter<'b, CelString<'t>> {
    fn next(&mut self) -> Option<&'b (dyn Val + 'v)> {
        self.0.next().map(|s| s as &dyn Val)
    }
}

impl<'b, 'v, 't: 'v> traits::Iterator<'b, 'v> for SliceIter<'b, Box<dyn Val + 't>> {
    fn next(&mut self) -> Option<&'b (dyn Val + 'v)> {
        self.0.next().map(|v| v.as_ref() as &(dyn Val + 'v))
    }
}

impl<'t> Iterable for YamlMap<'t> {
    fn iter<'b, 'v>(&'b self) -> Box<dyn traits::Iterator<'b, 'v> + 'b>
    where
        Self: 'v,
    {
        Box::new(SliceIter(self.keys().iter()))
    }
}

impl Container for YamlMap<'_> {
    fn contains(&self, value: &dyn Val) -> Result<bool, ExecutionError> {
        Ok(self.lookup(value).is_some())
    }
}

impl Sizer for YamlMap<'_> {
    fn size(&self) -> CelInt {
        CelInt::from(YamlMap::size(self) as i64)
    }
}

impl Zeroer for YamlMap<'_> {
    fn is_zero_value(&self) -> bool {
        YamlMap::size(self) == 0
    }
}

container_val!(YamlList, LIST, {
    fn as_adder<'b, 'v>(&'b self) -> Option<&'b (dyn Adder + 'v)>
    where
        Self: 'v,
    {
        Some(self)
    }
    fn equals(&self, other: &dyn Val) -> bool {
        lists_equal(self, other)
    }
    fn clone_as_boxed<'v>(&self) -> Box<dyn Val + 'v>
    where
        Self: 'v,
    {
        Box::new(YamlList::new(self.node))
    }
});

/// The list index `idx` stands for: an int, a uint, or a whole double.
fn list_index(idx: &dyn Val) -> Result<usize, ExecutionError> {
    let i: Option<i128> = match idx.get_type().kind() {
        Kind::Int => idx.downcast_ref::<CelInt>().map(|i| i128::from(*i.inner())),
        Kind::UInt => idx
            .downcast_ref::<cel::common::types::CelUInt>()
            .map(|u| i128::from(*u.inner())),
        Kind::Double => idx
            .downcast_ref::<CelDouble>()
            .map(|d| *d.inner())
            .filter(|d| d.fract() == 0.0 && d.abs() < 9.0e15)
            .map(|d| d as i128),
        _ => None,
    };
    let Some(i) = i else {
        return Err(ExecutionError::no_such_overload(
            "_[_]",
            vec!["list".to_owned(), idx.get_type().name().to_owned()],
        ));
    };
    usize::try_from(i).map_err(|_| ExecutionError::IndexOutOfBounds(cel::Value::Int(i as i64)))
}

impl<'t> Indexer for YamlList<'t> {
    fn get<'b, 'v>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        let i = list_index(idx)?;
        self.items()
            .get(i)
            .map(|v| CowVal::Borrowed(v.as_ref() as &(dyn Val + 'v)))
            .ok_or_else(|| ExecutionError::IndexOutOfBounds(cel::Value::Int(i as i64)))
    }
    fn steal<'v>(self: Box<Self>, idx: &dyn Val) -> Result<Box<dyn Val + 'v>, ExecutionError>
    where
        Self: 'v,
    {
        let i = list_index(idx)?;
        self.node
            .items()
            .nth(i)
            .map(to_val)
            .ok_or_else(|| ExecutionError::IndexOutOfBounds(cel::Value::Int(i as i64)))
    }
}

impl<'t> Iterable for YamlList<'t> {
    fn iter<'b, 'v>(&'b self) -> Box<dyn traits::Iterator<'b, 'v> + 'b>
    where
        Self: 'v,
    {
        Box::new(SliceIter(self.items().iter()))
    }
}

impl Container for YamlList<'_> {
    fn contains(&self, value: &dyn Val) -> Result<bool, ExecutionError> {
        Ok(self.items().iter().any(|item| equals(item.as_ref(), value)))
    }
}

impl Sizer for YamlList<'_> {
    fn size(&self) -> CelInt {
        CelInt::from(self.node.len() as i64)
    }
}

impl Zeroer for YamlList<'_> {
    fn is_zero_value(&self) -> bool {
        self.node.is_empty()
    }
}

impl<'t> Adder for YamlList<'t> {
    fn add<'b, 'v>(&'b self, rhs: &(dyn Val + 'v)) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        let mut rhs = rhs
            .as_iterable()
            .ok_or_else(|| {
                ExecutionError::no_such_overload(
                    "_+_",
                    vec!["list".to_owned(), rhs.get_type().name().to_owned()],
                )
            })?
            .iter();
        let mut out: Vec<Box<dyn Val + 'v>> =
            self.items().iter().map(|v| v.clone_as_boxed()).collect();
        while let Some(v) = rhs.next() {
            out.push(v.clone_as_boxed());
        }
        Ok(CowVal::owned(CelList::from(out)))
    }
}

/// Whether `v` is a map or list of this module: the values the cel crate's own containers
/// cannot compare with.
fn is_yaml(v: &dyn Val) -> bool {
    // Neither is `'static`, so they cannot be downcast; the Debug name tells them apart.
    matches!(v.get_type().kind(), Kind::Map | Kind::List)
        && v.downcast_ref::<CelMap>().is_none()
        && v.downcast_ref::<CelList>().is_none()
}

/// CEL equality, whichever side is a YAML map or list: containers compare element by element
/// whatever their implementation.
pub(crate) fn equals(a: &dyn Val, b: &dyn Val) -> bool {
    match (a.get_type().kind(), b.get_type().kind()) {
        (Kind::Map, Kind::Map) => maps_equal(a, b),
        (Kind::List, Kind::List) => lists_equal(a, b),
        _ if is_yaml(b) && !is_yaml(a) => b.equals(a),
        _ => a.equals(b),
    }
}

fn size_of(v: &dyn Val) -> Option<i64> {
    v.as_sizer().map(|s| *s.size().inner())
}

fn lists_equal(a: &dyn Val, b: &dyn Val) -> bool {
    if b.get_type().kind() != Kind::List || size_of(a) != size_of(b) {
        return false;
    }
    let (Some(ia), Some(ib)) = (a.as_iterable(), b.as_iterable()) else {
        return false;
    };
    let (mut ia, mut ib) = (ia.iter(), ib.iter());
    loop {
        match (ia.next(), ib.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if equals(x, y) => {}
            _ => return false,
        }
    }
}

fn maps_equal(a: &dyn Val, b: &dyn Val) -> bool {
    if b.get_type().kind() != Kind::Map || size_of(a) != size_of(b) {
        return false;
    }
    let (Some(keys), Some(ia), Some(ib)) = (a.as_iterable(), a.as_indexer(), b.as_indexer()) else {
        return false;
    };
    let mut keys = keys.iter();
    while let Some(k) = keys.next() {
        match (ia.get(k), ib.get(k)) {
            (Ok(x), Ok(y)) if equals(&*x, &*y) => {}
            _ => return false,
        }
    }
    true
}

/// The [`cel::Value`] of an evaluation's result, YAML maps and lists (also inside the cel
/// crate's own) included.
pub(crate) fn to_value(v: &dyn Val) -> Result<cel::Value, ExecutionError> {
    match v.get_type().kind() {
        Kind::List => {
            let Some(iterable) = v.as_iterable() else {
                return cel::Value::try_from(v);
            };
            let mut items = iterable.iter();
            let mut out = Vec::new();
            while let Some(item) = items.next() {
                out.push(to_value(item)?);
            }
            Ok(cel::Value::List(Arc::new(out)))
        }
        Kind::Map => {
            let (Some(keys), Some(indexer)) = (v.as_iterable(), v.as_indexer()) else {
                return cel::Value::try_from(v);
            };
            let mut keys = keys.iter();
            let mut out: HashMap<Key, cel::Value> = HashMap::new();
            while let Some(k) = keys.next() {
                let value = to_value(&*indexer.get(k)?)?;
                let key = match to_value(k)? {
                    cel::Value::String(s) => Key::String(s),
                    cel::Value::Int(i) => Key::Int(i),
                    cel::Value::UInt(u) => Key::Uint(u),
                    cel::Value::Bool(b) => Key::Bool(b),
                    other => return Err(ExecutionError::UnsupportedKeyType(other)),
                };
                out.insert(key, value);
            }
            Ok(cel::Value::from(out))
        }
        _ => cel::Value::try_from(v),
    }
}
