//! The compact binary form of the built-in schemas (`data/schemas.bin`): an arena and the kind
//! table, written by the generator (`faultline-schemagen`) and read by [`crate::builtin`].
//!
//! Layout (every integer an unsigned LEB128 varint unless said otherwise):
//!
//! ```text
//! magic  b"FLSCHEMA" and format version (varint)
//! strings: count, then per string: byte length, UTF-8 bytes
//! nodes:   count, then per node:
//!            header: type (4 bits) | list type << 4 (2 bits) | flags << 6 (3 bits)
//!                    | has format << 9 | has items << 10 | additional kind << 11 (2 bits)
//!                    | has enum << 13 | has default << 14 | has patch merge key << 15
//!            [format sym] [items id] [additional id, if a schema]
//!            properties: count, then (name sym, id) sorted by name
//!            required: count, syms; list map keys: count, syms
//!            [enum: count, literals] [default literal] [patch merge key sym]
//!          literal: tag (0 null, 1 false, 2 true, 3 number, 4 string, 5 JSON), then a sym for 3–5
//! kinds:   count, then per group/version/kind, sorted by (group, version, kind):
//!            group sym, version sym, kind sym, served minors (bit n: 1.n), defined minors,
//!            then one node id per defined minor, in increasing minor order
//! ```
//!
//! Node ids are arena indexes; a node may refer to a later one (recursive schemas).

use crate::arena::{
    ADD_ANY, ADD_DENIED, ADD_UNSPECIFIED, Arena, LIT_JSON, LIT_NULL, ListType, NONE, RawLit,
    RawNode, SchemaId, Span, Sym, Type,
};

const MAGIC: &[u8; 8] = b"FLSCHEMA";
const FORMAT_VERSION: u32 = 1;

/// One group/version/kind of the built-in table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KindRecord {
    pub group: String,
    pub version: String,
    pub kind: String,
    /// Bit `n`: Kubernetes 1.`n` serves it (a REST path creates or reads it).
    pub served: u64,
    /// `(minor, node)` for every minor whose documents define a schema with this
    /// `x-kubernetes-group-version-kind`, in increasing minor order.
    pub schemas: Vec<(u16, SchemaId)>,
}

/// The encoded form of `arena` and `kinds` (sorted here by group, version, kind).
pub fn encode(arena: &Arena, kinds: &[KindRecord]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 << 20);
    out.extend_from_slice(MAGIC);
    put(&mut out, FORMAT_VERSION);
    put(&mut out, arena.strs.len() as u32);
    for sym in 0..arena.strs.len() {
        let s = arena.str(sym as Sym);
        put(&mut out, s.len() as u32);
        out.extend_from_slice(s.as_bytes());
    }
    put(&mut out, arena.nodes.len() as u32);
    for node in &arena.nodes {
        let additional_kind = match node.additional {
            ADD_UNSPECIFIED => 0,
            ADD_DENIED => 1,
            ADD_ANY => 2,
            _ => 3,
        };
        let header = u32::from(node.ty.code())
            | (node.list_type as u32) << 4
            | u32::from(node.flags) << 6
            | u32::from(node.format != NONE) << 9
            | u32::from(node.items != NONE) << 10
            | additional_kind << 11
            | u32::from(node.enums.is_some()) << 13
            | u32::from(node.default.is_some()) << 14
            | u32::from(node.patch_merge_key != NONE) << 15;
        put(&mut out, header);
        if node.format != NONE {
            put(&mut out, node.format);
        }
        if node.items != NONE {
            put(&mut out, node.items);
        }
        if additional_kind == 3 {
            put(&mut out, node.additional);
        }
        put(&mut out, node.props.len);
        for &(sym, id) in slice(&arena.props, node.props) {
            put(&mut out, sym);
            put(&mut out, id.0);
        }
        for list in [node.required, node.map_keys] {
            put(&mut out, list.len);
            for &sym in slice(&arena.syms, list) {
                put(&mut out, sym);
            }
        }
        if let Some(enums) = node.enums {
            put(&mut out, enums.len);
            for &lit in slice(&arena.lits, enums) {
                put_lit(&mut out, lit);
            }
        }
        if let Some(lit) = node.default {
            put_lit(&mut out, lit);
        }
        if node.patch_merge_key != NONE {
            put(&mut out, node.patch_merge_key);
        }
    }
    // Kinds refer to strings of the arena: intern them in a copy of its string index.
    let mut index: std::collections::HashMap<&str, Sym> = std::collections::HashMap::new();
    for sym in 0..arena.strs.len() {
        index.entry(arena.str(sym as Sym)).or_insert(sym as Sym);
    }
    let mut sorted: Vec<&KindRecord> = kinds.iter().collect();
    sorted.sort_by(|a, b| (&a.group, &a.version, &a.kind).cmp(&(&b.group, &b.version, &b.kind)));
    put(&mut out, sorted.len() as u32);
    for k in sorted {
        for s in [&k.group, &k.version, &k.kind] {
            let sym = *index
                .get(s.as_str())
                .unwrap_or_else(|| panic!("kind table string {s:?} is not in the arena"));
            put(&mut out, sym);
        }
        put64(&mut out, k.served);
        let defined = k.schemas.iter().fold(0u64, |m, &(minor, _)| m | 1 << minor);
        assert_eq!(
            defined.count_ones() as usize,
            k.schemas.len(),
            "one schema per minor"
        );
        put64(&mut out, defined);
        let mut schemas = k.schemas.clone();
        schemas.sort();
        for (_, id) in schemas {
            put(&mut out, id.0);
        }
    }
    out
}

/// A decoded kind: strings as arena symbols.
#[derive(Clone, Debug)]
pub(crate) struct Kind {
    pub(crate) group: Sym,
    pub(crate) version: Sym,
    pub(crate) kind: Sym,
    pub(crate) served: u64,
    pub(crate) defined: u64,
    /// Into `Decoded::kind_schemas`, one per bit of `defined`.
    pub(crate) schemas: u32,
}

pub(crate) struct Decoded {
    pub(crate) arena: Arena,
    pub(crate) kinds: Vec<Kind>,
    pub(crate) kind_schemas: Vec<SchemaId>,
}

/// Why the data did not decode (only possible if the file is not the generator's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub &'static str);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid schema data: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, DecodeError> {
        let b = *self.bytes.get(self.pos).ok_or(DecodeError("truncated"))?;
        self.pos += 1;
        Ok(b)
    }

    fn u64(&mut self) -> Result<u64, DecodeError> {
        let mut value = 0u64;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift >= 64 {
                return Err(DecodeError("varint too long"));
            }
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
            shift += 7;
        }
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        u32::try_from(self.u64()?).map_err(|_| DecodeError("number out of range"))
    }

    fn sym(&mut self, strings: usize) -> Result<Sym, DecodeError> {
        let sym = self.u32()?;
        if (sym as usize) < strings {
            Ok(sym)
        } else {
            Err(DecodeError("string index out of range"))
        }
    }

    fn count(&mut self) -> Result<usize, DecodeError> {
        let n = self.u32()? as usize;
        // Every counted item takes at least one byte.
        if n > self.bytes.len() - self.pos {
            return Err(DecodeError("count larger than the data"));
        }
        Ok(n)
    }

    fn lit(&mut self, strings: usize) -> Result<RawLit, DecodeError> {
        let tag = self.byte()?;
        match tag {
            LIT_NULL..=2 => Ok(RawLit { tag, sym: NONE }),
            3..=LIT_JSON => Ok(RawLit {
                tag,
                sym: self.sym(strings)?,
            }),
            _ => Err(DecodeError("unknown literal tag")),
        }
    }
}

pub(crate) fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    if bytes.get(..MAGIC.len()) != Some(MAGIC) {
        return Err(DecodeError("no FLSCHEMA header"));
    }
    let mut r = Reader {
        bytes,
        pos: MAGIC.len(),
    };
    if r.u32()? != FORMAT_VERSION {
        return Err(DecodeError("unknown format version"));
    }
    let nstrings = r.count()?;
    let mut strs = Vec::with_capacity(nstrings);
    // The strings are contiguous but for their length prefixes: copy them into one text.
    let mut text = String::with_capacity(bytes.len() / 4);
    for _ in 0..nstrings {
        let len = r.count()?;
        let s = std::str::from_utf8(&bytes[r.pos..r.pos + len])
            .map_err(|_| DecodeError("string not UTF-8"))?;
        strs.push((text.len() as u32, len as u32));
        text.push_str(s);
        r.pos += len;
    }
    let nnodes = r.count()?;
    let mut nodes = Vec::with_capacity(nnodes);
    let mut props = Vec::new();
    let mut syms = Vec::new();
    let mut lits = Vec::new();
    let node_id = |id: u32| {
        if (id as usize) < nnodes {
            Ok(id)
        } else {
            Err(DecodeError("node index out of range"))
        }
    };
    for _ in 0..nnodes {
        let header = r.u32()?;
        let ty = Type::from_code((header & 0xf) as u8).ok_or(DecodeError("unknown type"))?;
        let list_type =
            ListType::from_code(((header >> 4) & 3) as u8).ok_or(DecodeError("list"))?;
        let flags = ((header >> 6) & 7) as u8;
        let format = if header & 1 << 9 != 0 {
            r.sym(nstrings)?
        } else {
            NONE
        };
        let items = if header & 1 << 10 != 0 {
            node_id(r.u32()?)?
        } else {
            NONE
        };
        let additional = match (header >> 11) & 3 {
            0 => ADD_UNSPECIFIED,
            1 => ADD_DENIED,
            2 => ADD_ANY,
            _ => node_id(r.u32()?)?,
        };
        let nprops = r.count()?;
        let start = props.len();
        for _ in 0..nprops {
            let sym = r.sym(nstrings)?;
            let id = node_id(r.u32()?)?;
            props.push((sym, SchemaId(id)));
        }
        let props_span = span(start, props.len());
        let mut lists = [Span::default(); 2];
        for list in &mut lists {
            let n = r.count()?;
            let start = syms.len();
            for _ in 0..n {
                syms.push(r.sym(nstrings)?);
            }
            *list = span(start, syms.len());
        }
        let enums = if header & 1 << 13 != 0 {
            let n = r.count()?;
            let start = lits.len();
            for _ in 0..n {
                lits.push(r.lit(nstrings)?);
            }
            Some(span(start, lits.len()))
        } else {
            None
        };
        let default = if header & 1 << 14 != 0 {
            Some(r.lit(nstrings)?)
        } else {
            None
        };
        let patch_merge_key = if header & 1 << 15 != 0 {
            r.sym(nstrings)?
        } else {
            NONE
        };
        nodes.push(RawNode {
            ty,
            list_type,
            flags,
            additional,
            items,
            format,
            patch_merge_key,
            default,
            props: props_span,
            required: lists[0],
            map_keys: lists[1],
            enums,
        });
    }
    let arena = Arena {
        text,
        strs,
        nodes,
        props,
        syms,
        lits,
    };
    // Property lookup is a binary search: the order must hold.
    for node in &arena.nodes {
        let names = slice(&arena.props, node.props);
        if names
            .windows(2)
            .any(|w| arena.str(w[0].0) >= arena.str(w[1].0))
        {
            return Err(DecodeError("properties not sorted"));
        }
    }
    let nkinds = r.count()?;
    let mut kinds = Vec::with_capacity(nkinds);
    let mut kind_schemas = Vec::new();
    for _ in 0..nkinds {
        let group = r.sym(nstrings)?;
        let version = r.sym(nstrings)?;
        let kind = r.sym(nstrings)?;
        let served = r.u64()?;
        let defined = r.u64()?;
        let schemas = kind_schemas.len() as u32;
        for _ in 0..defined.count_ones() {
            kind_schemas.push(SchemaId(node_id(r.u32()?)?));
        }
        kinds.push(Kind {
            group,
            version,
            kind,
            served,
            defined,
            schemas,
        });
    }
    let key = |k: &Kind| (arena.str(k.group), arena.str(k.version), arena.str(k.kind));
    if kinds.windows(2).any(|w| key(&w[0]) >= key(&w[1])) {
        return Err(DecodeError("kinds not sorted"));
    }
    if r.pos != bytes.len() {
        return Err(DecodeError("trailing bytes"));
    }
    Ok(Decoded {
        arena,
        kinds,
        kind_schemas,
    })
}

fn span(start: usize, end: usize) -> Span {
    Span {
        start: start as u32,
        len: (end - start) as u32,
    }
}

fn slice<T>(v: &[T], s: Span) -> &[T] {
    &v[s.start as usize..(s.start + s.len) as usize]
}

fn put(out: &mut Vec<u8>, v: u32) {
    put64(out, u64::from(v));
}

fn put64(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn put_lit(out: &mut Vec<u8>, lit: RawLit) {
    out.push(lit.tag);
    if lit.tag >= 3 {
        put(out, lit.sym);
    }
}
