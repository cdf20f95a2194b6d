//! Schema nodes in an arena: [`Arena`], the read side ([`Schema`]), and [`ArenaBuilder`], the
//! write side used by the decoder of the embedded data and, at run time, for custom resources.

use std::collections::HashMap;
use std::fmt;

/// The index of a node in its [`Arena`]. Ids of one arena mean nothing in another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SchemaId(pub(crate) u32);

impl SchemaId {
    /// The index as a number (for tables kept beside the arena).
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The id of index `index` (for tables kept beside an arena); `None` beyond the ids an
    /// arena can have.
    pub fn from_index(index: usize) -> Option<SchemaId> {
        u32::try_from(index)
            .ok()
            .filter(|&i| i < ADD_ANY)
            .map(SchemaId)
    }
}

/// The JSON types a node accepts.
///
/// OpenAPI says one `type`; Kubernetes adds two unions that appear as their own variants here:
/// `IntOrString` (`x-kubernetes-int-or-string: true`, or the built-in `IntOrString` definition,
/// `format: int-or-string`, `oneOf: [integer, string]`) and `NumberOrString` (the built-in
/// `Quantity`, `oneOf: [string, number]`; its format is given as `"quantity"`).
/// `Any`: no type given (`RawExtension`'s content, a CRD field with only
/// `x-kubernetes-preserve-unknown-fields`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    Any,
    Object,
    Array,
    String,
    Integer,
    Number,
    Boolean,
    IntOrString,
    NumberOrString,
}

impl Type {
    const ALL: [Type; 9] = [
        Type::Any,
        Type::Object,
        Type::Array,
        Type::String,
        Type::Integer,
        Type::Number,
        Type::Boolean,
        Type::IntOrString,
        Type::NumberOrString,
    ];

    pub(crate) fn code(self) -> u8 {
        self as u8
    }

    pub(crate) fn from_code(code: u8) -> Option<Type> {
        Type::ALL.get(usize::from(code)).copied()
    }

    /// The name for messages: `object`, `array`, `string`, `integer`, `number`, `boolean`,
    /// `integer or string`, `number or string`, `any`.
    pub fn name(self) -> &'static str {
        match self {
            Type::Any => "any",
            Type::Object => "object",
            Type::Array => "array",
            Type::String => "string",
            Type::Integer => "integer",
            Type::Number => "number",
            Type::Boolean => "boolean",
            Type::IntOrString => "integer or string",
            Type::NumberOrString => "number or string",
        }
    }

    /// Whether a value of this kind has this type (`null` never does: see
    /// [`Schema::accepts`], which adds `nullable`). An integer is a number; a number with a
    /// fraction is not an integer.
    pub fn accepts(self, value: ValueKind) -> bool {
        match (self, value) {
            (_, ValueKind::Null) => false,
            (Type::Any, _) => true,
            (Type::Object, ValueKind::Object)
            | (Type::Array, ValueKind::Array)
            | (Type::String, ValueKind::String)
            | (Type::Integer, ValueKind::Integer)
            | (Type::Number, ValueKind::Integer | ValueKind::Number)
            | (Type::Boolean, ValueKind::Boolean)
            | (Type::IntOrString, ValueKind::Integer | ValueKind::String)
            | (Type::NumberOrString, ValueKind::Integer | ValueKind::Number | ValueKind::String) => {
                true
            }
            _ => false,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The JSON kind of a value, as the caller resolved it (YAML 1.1 scalars resolved first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueKind {
    Null,
    Boolean,
    /// A number without fraction or exponent that fits the target (`80`, `-1`).
    Integer,
    /// Any other number (`1.5`, `1e3`).
    Number,
    String,
    Object,
    Array,
}

/// `x-kubernetes-list-type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ListType {
    /// Not given (for validation the same as `Atomic`).
    Unspecified,
    Atomic,
    /// Items are scalars and unique.
    Set,
    /// Items are objects unique by [`Schema::list_map_keys`].
    Map,
}

impl ListType {
    const ALL: [ListType; 4] = [
        ListType::Unspecified,
        ListType::Atomic,
        ListType::Set,
        ListType::Map,
    ];

    pub(crate) fn from_code(code: u8) -> Option<ListType> {
        ListType::ALL.get(usize::from(code)).copied()
    }
}

/// `additionalProperties`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Additional {
    /// Not given. Whether other keys are allowed then depends on the node's other facts: see
    /// [`Schema::allows_unknown_fields`].
    Unspecified,
    /// `additionalProperties: false`.
    Denied,
    /// `additionalProperties: true` or `{}`: any value under any other key.
    Any,
    /// A schema for the value under every key that is not a property (maps:
    /// `labels`, `resources.limits`, …).
    Schema(SchemaId),
}

/// A scalar from the schema (`enum` member, `default`), in the JSON text's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Literal<'a> {
    Null,
    Bool(bool),
    /// A JSON number, as written in the schema (`80`, `0.5`).
    Number(&'a str),
    String(&'a str),
    /// An array or object literal, as compact JSON text.
    Json(&'a str),
}

impl fmt::Display for Literal<'_> {
    /// As the API server quotes enum values: strings in double quotes, the rest as JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("null"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Number(n) | Literal::Json(n) => f.write_str(n),
            Literal::String(s) => write!(f, "{s:?}"),
        }
    }
}

/// An owned [`Literal`], for building nodes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OwnedLiteral {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Json(String),
}

/// Everything a node says, owned: what [`ArenaBuilder::push`] takes. `Default` is an
/// unconstrained node (`Type::Any`, nothing else).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeSpec {
    pub ty: Type,
    /// `format` as written (`int32`, `int64`, `double`, `byte`, `date-time`, `int-or-string`,
    /// `quantity` for the built-in `Quantity`, or any string a CRD gives).
    pub format: Option<String>,
    /// Any order; duplicates keep the last.
    pub properties: Vec<(String, SchemaId)>,
    pub additional_properties: Additional,
    pub items: Option<SchemaId>,
    pub required: Vec<String>,
    pub enum_values: Option<Vec<OwnedLiteral>>,
    /// Scalar defaults only (object and array defaults are dropped by the generator).
    pub default: Option<OwnedLiteral>,
    pub nullable: bool,
    pub preserve_unknown_fields: bool,
    pub embedded_resource: bool,
    pub list_type: ListType,
    pub list_map_keys: Vec<String>,
    pub patch_merge_key: Option<String>,
}

impl Default for NodeSpec {
    fn default() -> Self {
        NodeSpec {
            ty: Type::Any,
            format: None,
            properties: Vec::new(),
            additional_properties: Additional::Unspecified,
            items: None,
            required: Vec::new(),
            enum_values: None,
            default: None,
            nullable: false,
            preserve_unknown_fields: false,
            embedded_resource: false,
            list_type: ListType::Unspecified,
            list_map_keys: Vec::new(),
            patch_merge_key: None,
        }
    }
}

/// A string of the arena.
pub(crate) type Sym = u32;
pub(crate) const NONE: u32 = u32::MAX;

pub(crate) const F_NULLABLE: u8 = 1;
pub(crate) const F_PRESERVE: u8 = 2;
pub(crate) const F_EMBEDDED: u8 = 4;

/// A stored literal: tag and string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RawLit {
    pub(crate) tag: u8,
    pub(crate) sym: Sym,
}

pub(crate) const LIT_NULL: u8 = 0;
pub(crate) const LIT_FALSE: u8 = 1;
pub(crate) const LIT_TRUE: u8 = 2;
pub(crate) const LIT_NUMBER: u8 = 3;
pub(crate) const LIT_STRING: u8 = 4;
pub(crate) const LIT_JSON: u8 = 5;

/// A range of one of the arena's side tables.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) len: u32,
}

impl Span {
    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RawNode {
    pub(crate) ty: Type,
    pub(crate) list_type: ListType,
    pub(crate) flags: u8,
    /// `NONE`: unspecified; `NONE - 1`: denied; `NONE - 2`: any; else a node.
    pub(crate) additional: u32,
    pub(crate) items: u32,
    pub(crate) format: Sym,
    pub(crate) patch_merge_key: Sym,
    pub(crate) default: Option<RawLit>,
    /// Into `props`, sorted by name.
    pub(crate) props: Span,
    /// Into `syms`.
    pub(crate) required: Span,
    /// Into `syms`.
    pub(crate) map_keys: Span,
    /// Into `lits`; `None`: no `enum`.
    pub(crate) enums: Option<Span>,
}

pub(crate) const ADD_UNSPECIFIED: u32 = NONE;
pub(crate) const ADD_DENIED: u32 = NONE - 1;
pub(crate) const ADD_ANY: u32 = NONE - 2;

/// Schema nodes and their strings. Built with [`ArenaBuilder`]; read through [`Schema`].
///
/// The embedded built-in schemas are one arena ([`crate::builtin`]); a run that converts the
/// CRDs of its input builds its own.
pub struct Arena {
    pub(crate) text: String,
    /// Sym → range of `text`.
    pub(crate) strs: Vec<(u32, u32)>,
    pub(crate) nodes: Vec<RawNode>,
    pub(crate) props: Vec<(Sym, SchemaId)>,
    pub(crate) syms: Vec<Sym>,
    pub(crate) lits: Vec<RawLit>,
}

impl fmt::Debug for Arena {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Arena")
            .field("nodes", &self.nodes.len())
            .field("strings", &self.strs.len())
            .finish_non_exhaustive()
    }
}

impl Arena {
    /// The node `id`. Panics if `id` is not of this arena (an id from another arena is a bug).
    pub fn get(&self, id: SchemaId) -> Schema<'_> {
        assert!(
            id.index() < self.nodes.len(),
            "schema id {id:?} not of this arena"
        );
        Schema { arena: self, id }
    }

    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub(crate) fn str(&self, sym: Sym) -> &str {
        let (start, len) = self.strs[sym as usize];
        &self.text[start as usize..(start + len) as usize]
    }

    fn opt_str(&self, sym: Sym) -> Option<&str> {
        (sym != NONE).then(|| self.str(sym))
    }

    fn lit(&self, raw: RawLit) -> Literal<'_> {
        match raw.tag {
            LIT_NULL => Literal::Null,
            LIT_FALSE => Literal::Bool(false),
            LIT_TRUE => Literal::Bool(true),
            LIT_NUMBER => Literal::Number(self.str(raw.sym)),
            LIT_STRING => Literal::String(self.str(raw.sym)),
            _ => Literal::Json(self.str(raw.sym)),
        }
    }
}

/// One node of an arena, with the arena: the read side of the schema.
#[derive(Clone, Copy)]
pub struct Schema<'a> {
    arena: &'a Arena,
    id: SchemaId,
}

impl fmt::Debug for Schema<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Schema");
        d.field("id", &self.id.0).field("ty", &self.ty());
        if let Some(format) = self.format() {
            d.field("format", &format);
        }
        let names: Vec<&str> = self.properties().map(|(name, _)| name).collect();
        if !names.is_empty() {
            d.field("properties", &names);
        }
        d.finish_non_exhaustive()
    }
}

impl PartialEq for Schema<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.arena, other.arena) && self.id == other.id
    }
}

impl Eq for Schema<'_> {}

impl<'a> Schema<'a> {
    fn raw(&self) -> &'a RawNode {
        &self.arena.nodes[self.id.index()]
    }

    pub fn id(self) -> SchemaId {
        self.id
    }

    pub fn arena(self) -> &'a Arena {
        self.arena
    }

    /// Another node of the same arena.
    pub fn get(self, id: SchemaId) -> Schema<'a> {
        self.arena.get(id)
    }

    pub fn ty(self) -> Type {
        self.raw().ty
    }

    /// `format` as written; `"quantity"` for the built-in `Quantity`.
    pub fn format(self) -> Option<&'a str> {
        self.arena.opt_str(self.raw().format)
    }

    /// Whether the value may be of this kind: the type accepts it, or it is `null` and the node
    /// is `nullable`.
    pub fn accepts(self, value: ValueKind) -> bool {
        self.ty().accepts(value) || (value == ValueKind::Null && self.nullable())
    }

    /// `ty() == IntOrString`.
    pub fn int_or_string(self) -> bool {
        self.ty() == Type::IntOrString
    }

    pub fn nullable(self) -> bool {
        self.raw().flags & F_NULLABLE != 0
    }

    /// `x-kubernetes-preserve-unknown-fields: true`. The generator also sets it on the built-in
    /// `RawExtension`, `FieldsV1` and `Patch`, objects whose content is arbitrary JSON. Other
    /// built-in objects without properties or `additionalProperties` are empty structs
    /// (`subresources.status` of a CRD): every key there is unknown.
    pub fn preserve_unknown_fields(self) -> bool {
        self.raw().flags & F_PRESERVE != 0
    }

    /// `x-kubernetes-embedded-resource: true` (the value is an object with its own
    /// `apiVersion`, `kind` and `metadata`).
    pub fn embedded_resource(self) -> bool {
        self.raw().flags & F_EMBEDDED != 0
    }

    /// The properties, sorted by name (byte order).
    pub fn properties(self) -> impl ExactSizeIterator<Item = (&'a str, SchemaId)> + 'a {
        let arena = self.arena;
        arena.props[self.raw().props.range()]
            .iter()
            .map(move |&(sym, id)| (arena.str(sym), id))
    }

    /// The `i`th property (in [`Schema::properties`] order) and its position, for callers that
    /// cache where a name was found; `None` past the end.
    pub fn property_at(self, i: usize) -> Option<(&'a str, Schema<'a>)> {
        let arena = self.arena;
        let &(sym, id) = arena.props[self.raw().props.range()].get(i)?;
        Some((arena.str(sym), arena.get(id)))
    }

    /// The position of property `name` in [`Schema::properties`] order, by binary search.
    pub fn property_index(self, name: &str) -> Option<usize> {
        let arena = self.arena;
        arena.props[self.raw().props.range()]
            .binary_search_by(|&(sym, _)| arena.str(sym).cmp(name))
            .ok()
    }

    pub fn has_properties(self) -> bool {
        self.raw().props.len != 0
    }

    /// The schema of property `name` (exact, case-sensitive), by binary search.
    pub fn property(self, name: &str) -> Option<Schema<'a>> {
        let arena = self.arena;
        let props = &arena.props[self.raw().props.range()];
        props
            .binary_search_by(|&(sym, _)| arena.str(sym).cmp(name))
            .ok()
            .map(|i| arena.get(props[i].1))
    }

    pub fn additional_properties(self) -> Additional {
        match self.raw().additional {
            ADD_UNSPECIFIED => Additional::Unspecified,
            ADD_DENIED => Additional::Denied,
            ADD_ANY => Additional::Any,
            id => Additional::Schema(SchemaId(id)),
        }
    }

    /// The schema of the value under key `name` of an object of this node: the property, else
    /// the `additionalProperties` schema. `None` when the node has no schema for it (see
    /// [`Schema::allows_unknown_fields`] for whether the key is allowed at all).
    pub fn field(self, name: &str) -> Option<Schema<'a>> {
        self.property(name).or(match self.additional_properties() {
            Additional::Schema(id) => Some(self.arena.get(id)),
            _ => None,
        })
    }

    /// Whether a key that is not a property is accepted: `additionalProperties` is `true`, `{}`
    /// or a schema, or `x-kubernetes-preserve-unknown-fields`, or the node is not an object
    /// type (`Any`). An object node with properties and neither of these rejects other keys
    /// (the API server's strict field validation: `schema-unknown-field`).
    pub fn allows_unknown_fields(self) -> bool {
        self.preserve_unknown_fields()
            || matches!(
                self.additional_properties(),
                Additional::Any | Additional::Schema(_)
            )
            || self.ty() == Type::Any
    }

    /// The item schema of an array.
    pub fn items(self) -> Option<Schema<'a>> {
        let items = self.raw().items;
        (items != NONE).then(|| self.arena.get(SchemaId(items)))
    }

    /// `required`, in the schema's order.
    pub fn required(self) -> impl ExactSizeIterator<Item = &'a str> + 'a {
        let arena = self.arena;
        arena.syms[self.raw().required.range()]
            .iter()
            .map(move |&sym| arena.str(sym))
    }

    pub fn is_required(self, name: &str) -> bool {
        self.required().any(|r| r == name)
    }

    /// `enum`, in the schema's order; `None` when the node has no `enum`.
    pub fn enum_values(self) -> Option<impl ExactSizeIterator<Item = Literal<'a>> + 'a> {
        let arena = self.arena;
        self.raw().enums.map(move |span| {
            arena.lits[span.range()]
                .iter()
                .map(move |&raw| arena.lit(raw))
        })
    }

    /// The scalar `default` (object and array defaults are not kept).
    pub fn default_value(self) -> Option<Literal<'a>> {
        self.raw().default.map(|raw| self.arena.lit(raw))
    }

    pub fn list_type(self) -> ListType {
        self.raw().list_type
    }

    /// `x-kubernetes-list-map-keys` (empty unless `list_type() == Map`).
    pub fn list_map_keys(self) -> impl ExactSizeIterator<Item = &'a str> + 'a {
        let arena = self.arena;
        arena.syms[self.raw().map_keys.range()]
            .iter()
            .map(move |&sym| arena.str(sym))
    }

    /// `x-kubernetes-patch-merge-key` (built-in lists merged by a key without being list maps,
    /// e.g. `env` by `name` before 1.2x, `volumeMounts` by `mountPath`).
    pub fn patch_merge_key(self) -> Option<&'a str> {
        self.arena.opt_str(self.raw().patch_merge_key)
    }
}

/// Builds an [`Arena`]: push nodes children first, or [`reserve`](ArenaBuilder::reserve) an
/// id and [`set`](ArenaBuilder::set) it later for recursive schemas. Strings are interned.
#[derive(Debug, Default)]
pub struct ArenaBuilder {
    arena: ArenaParts,
    interned: HashMap<String, Sym>,
    /// Reserved and not yet set.
    pending: usize,
}

#[derive(Debug, Default)]
struct ArenaParts {
    text: String,
    strs: Vec<(u32, u32)>,
    nodes: Vec<RawNode>,
    props: Vec<(Sym, SchemaId)>,
    syms: Vec<Sym>,
    lits: Vec<RawLit>,
}

const RESERVED: RawNode = RawNode {
    ty: Type::Any,
    list_type: ListType::Unspecified,
    flags: 0,
    additional: ADD_UNSPECIFIED,
    items: NONE,
    format: NONE,
    patch_merge_key: NONE,
    default: None,
    props: Span { start: 0, len: 0 },
    required: Span { start: 0, len: 0 },
    map_keys: Span { start: 0, len: 0 },
    enums: None,
};

impl ArenaBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of nodes so far (reserved included).
    pub fn len(&self) -> usize {
        self.arena.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.arena.nodes.is_empty()
    }

    /// A new node.
    pub fn push(&mut self, spec: &NodeSpec) -> SchemaId {
        let id = self.reserve();
        self.set(id, spec);
        id
    }

    /// An id for a node given later with [`set`](ArenaBuilder::set); until then it is an
    /// unconstrained node.
    pub fn reserve(&mut self) -> SchemaId {
        let id = SchemaId(u32::try_from(self.arena.nodes.len()).expect("fewer than 2^32 nodes"));
        assert!(id.0 < ADD_ANY, "too many schema nodes");
        self.arena.nodes.push(RESERVED);
        self.pending += 1;
        id
    }

    /// Gives node `id` its content. Panics if `id` was not reserved here, was already set, or
    /// `spec` names a node id not of this builder.
    pub fn set(&mut self, id: SchemaId, spec: &NodeSpec) {
        let slot = id.index();
        assert!(
            slot < self.arena.nodes.len() && self.arena.nodes[slot] == RESERVED,
            "schema id {id:?} not reserved or already set"
        );
        let n = self.arena.nodes.len();
        let check = |child: SchemaId| assert!(child.index() < n, "schema id {child:?} unknown");
        let mut props: Vec<(&str, SchemaId)> = Vec::with_capacity(spec.properties.len());
        for (name, child) in &spec.properties {
            check(*child);
            props.push((name, *child));
        }
        // Sorted by name, the last of duplicates kept.
        props.reverse();
        props.sort_by(|a, b| a.0.cmp(b.0));
        props.dedup_by(|a, b| a.0 == b.0);
        let additional = match spec.additional_properties {
            Additional::Unspecified => ADD_UNSPECIFIED,
            Additional::Denied => ADD_DENIED,
            Additional::Any => ADD_ANY,
            Additional::Schema(child) => {
                check(child);
                child.0
            }
        };
        let items = spec.items.map_or(NONE, |child| {
            check(child);
            child.0
        });
        let props_start = self.arena.props.len();
        for (name, child) in props {
            let sym = self.intern(name);
            self.arena.props.push((sym, child));
        }
        let props = span(props_start, self.arena.props.len());
        let required = self.sym_list(&spec.required);
        let map_keys = self.sym_list(&spec.list_map_keys);
        let enums = spec.enum_values.as_ref().map(|values| {
            let start = self.arena.lits.len();
            for value in values {
                let lit = self.literal(value);
                self.arena.lits.push(lit);
            }
            span(start, self.arena.lits.len())
        });
        let default = spec.default.as_ref().map(|d| self.literal(d));
        let format = spec.format.as_deref().map_or(NONE, |f| self.intern(f));
        let patch_merge_key = spec
            .patch_merge_key
            .as_deref()
            .map_or(NONE, |k| self.intern(k));
        let mut flags = 0;
        if spec.nullable {
            flags |= F_NULLABLE;
        }
        if spec.preserve_unknown_fields {
            flags |= F_PRESERVE;
        }
        if spec.embedded_resource {
            flags |= F_EMBEDDED;
        }
        self.arena.nodes[slot] = RawNode {
            ty: spec.ty,
            list_type: spec.list_type,
            flags,
            additional,
            items,
            format,
            patch_merge_key,
            default,
            props,
            required,
            map_keys,
            enums,
        };
        self.pending -= 1;
    }

    /// The arena. Panics if a reserved id was never set.
    pub fn finish(self) -> Arena {
        assert!(
            self.pending == 0,
            "{} reserved schema ids never set",
            self.pending
        );
        let ArenaParts {
            text,
            strs,
            nodes,
            props,
            syms,
            lits,
        } = self.arena;
        Arena {
            text,
            strs,
            nodes,
            props,
            syms,
            lits,
        }
    }

    /// Adds `s` to the arena's string table (the kind table of the embedded data refers to
    /// strings of its arena).
    pub fn intern_str(&mut self, s: &str) {
        self.intern(s);
    }

    pub(crate) fn intern(&mut self, s: &str) -> Sym {
        if let Some(&sym) = self.interned.get(s) {
            return sym;
        }
        let start = u32::try_from(self.arena.text.len()).expect("string table under 4 GiB");
        self.arena.text.push_str(s);
        let sym = u32::try_from(self.arena.strs.len()).expect("fewer than 2^32 strings");
        self.arena.strs.push((start, s.len() as u32));
        self.interned.insert(s.to_owned(), sym);
        sym
    }

    fn sym_list(&mut self, names: &[String]) -> Span {
        let start = self.arena.syms.len();
        for name in names {
            let sym = self.intern(name);
            self.arena.syms.push(sym);
        }
        span(start, self.arena.syms.len())
    }

    fn literal(&mut self, lit: &OwnedLiteral) -> RawLit {
        let (tag, sym) = match lit {
            OwnedLiteral::Null => (LIT_NULL, NONE),
            OwnedLiteral::Bool(false) => (LIT_FALSE, NONE),
            OwnedLiteral::Bool(true) => (LIT_TRUE, NONE),
            OwnedLiteral::Number(n) => (LIT_NUMBER, self.intern(n)),
            OwnedLiteral::String(s) => (LIT_STRING, self.intern(s)),
            OwnedLiteral::Json(j) => (LIT_JSON, self.intern(j)),
        };
        RawLit { tag, sym }
    }
}

fn span(start: usize, end: usize) -> Span {
    Span {
        start: start as u32,
        len: (end - start) as u32,
    }
}

impl Literal<'_> {
    pub fn to_owned_literal(self) -> OwnedLiteral {
        match self {
            Literal::Null => OwnedLiteral::Null,
            Literal::Bool(b) => OwnedLiteral::Bool(b),
            Literal::Number(n) => OwnedLiteral::Number(n.to_owned()),
            Literal::String(s) => OwnedLiteral::String(s.to_owned()),
            Literal::Json(j) => OwnedLiteral::Json(j.to_owned()),
        }
    }
}

impl Schema<'_> {
    /// The node as a [`NodeSpec`] (for copying between arenas and for tests).
    pub fn to_spec(self) -> NodeSpec {
        NodeSpec {
            ty: self.ty(),
            format: self.format().map(str::to_owned),
            properties: self
                .properties()
                .map(|(n, id)| (n.to_owned(), id))
                .collect(),
            additional_properties: self.additional_properties(),
            items: self.items().map(Schema::id),
            required: self.required().map(str::to_owned).collect(),
            enum_values: self
                .enum_values()
                .map(|values| values.map(Literal::to_owned_literal).collect()),
            default: self.default_value().map(Literal::to_owned_literal),
            nullable: self.nullable(),
            preserve_unknown_fields: self.preserve_unknown_fields(),
            embedded_resource: self.embedded_resource(),
            list_type: self.list_type(),
            list_map_keys: self.list_map_keys().map(str::to_owned).collect(),
            patch_merge_key: self.patch_merge_key().map(str::to_owned),
        }
    }
}
