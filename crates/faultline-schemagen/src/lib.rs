//! Turns the API server's OpenAPI v3 documents (kubectl-validate's
//! `pkg/openapiclient/builtins/1.<minor>/{api,apis/<group>}/<version>.json`) into
//! `faultline-schema`'s compact form (`crates/faultline-schema/data/schemas.bin`).
//!
//! What is kept: see [`faultline_schema::NodeSpec`]. Descriptions, patch strategies, map
//! types, unions and validations are dropped; object and array defaults too.
//!
//! How:
//! 1. Every schema node of every document becomes a state: its own facts (the label) and its
//!    children (properties, items, `additionalProperties`). `$ref` and `allOf: [{$ref}]` are
//!    resolved within the document (documents of one version may differ slightly: the
//!    aggregator's and apiextensions' copies of `ObjectMeta`); a wrapper that adds
//!    `x-kubernetes-list-type` is a state of its own, the target's facts with that list type.
//! 2. States are merged by partition refinement (Moore's algorithm): two states are one node
//!    when their labels are equal and their children are pairwise the same node. This is
//!    content addressing that also handles recursive schemas (`JSONSchemaProps`); a definition
//!    identical in thirteen versions is one node, and so is an inline schema repeated anywhere.
//! 3. The nodes reachable from some kind are numbered in depth-first order from the kinds
//!    (versions in order, kinds sorted) and written with [`faultline_schema::codec::encode`].
//!
//! Normalisations (documented in the crate README of faultline-schema as well):
//! * `oneOf: [integer, string]`, `format: int-or-string` or `x-kubernetes-int-or-string` →
//!   `Type::IntOrString`; `oneOf: [string, number]` (`Quantity`) → `Type::NumberOrString` with
//!   format `quantity`;
//! * `properties` without `type` → an object;
//! * `RawExtension`, `FieldsV1` and `Patch`, objects whose content is arbitrary JSON (they
//!   declare neither `properties` nor `additionalProperties`) →
//!   `x-kubernetes-preserve-unknown-fields`; the other objects declaring neither are empty Go
//!   structs (`CustomResourceSubresourceStatus`, `StorageVersionSpec`, …), which take no key;
//! * `additionalProperties: true` or `{}` → `Additional::Any`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use faultline_schema::codec::{self, KindRecord};
use faultline_schema::{
    Additional, ArenaBuilder, ListType, NodeSpec, OwnedLiteral, SchemaId, Type,
};
use serde_json::{Map, Value};

/// Where the documents are, from the workspace root.
pub const BUILTINS_FROM_ROOT: &str =
    "../shared/corpora/kubectl-validate/pkg/openapiclient/builtins";
/// Where the compact form goes, from the workspace root.
pub const DATA_FROM_ROOT: &str = "crates/faultline-schema/data/schemas.bin";

/// What a generation saw, for the tool's summary line.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub versions: usize,
    pub documents: usize,
    pub states: usize,
    pub nodes: usize,
    pub kinds: usize,
    pub bytes: usize,
}

/// The compact form of the documents under `builtins` (the folder holding `1.23` … `1.35`).
pub fn generate(builtins: &Path) -> Result<(Vec<u8>, Stats), String> {
    let mut g = Gen::default();
    let mut stats = Stats::default();
    let minors = minor_dirs(builtins)?;
    if minors.is_empty() {
        return Err(format!("no 1.<minor> folders in {}", builtins.display()));
    }
    for (minor, dir) in &minors {
        stats.versions += 1;
        for file in json_files(dir)? {
            let rel = file
                .strip_prefix(dir)
                .map_err(|e| e.to_string())?
                .to_string_lossy()
                .replace('\\', "/");
            let gv = group_version_of(&rel).ok_or_else(|| {
                format!("{}: not api/<v>.json or apis/<g>/<v>.json", file.display())
            })?;
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let doc: Value =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
            g.document(*minor, &gv, &doc)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            stats.documents += 1;
        }
    }
    let (bytes, nodes, kinds) = g.finish()?;
    stats.states = g.states.len();
    stats.nodes = nodes;
    stats.kinds = kinds;
    stats.bytes = bytes.len();
    Ok((bytes, stats))
}

fn minor_dirs(builtins: &Path) -> Result<Vec<(u16, PathBuf)>, String> {
    let mut out = Vec::new();
    let entries =
        std::fs::read_dir(builtins).map_err(|e| format!("{}: {e}", builtins.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(minor) = name.strip_prefix("1.").and_then(|m| m.parse::<u16>().ok()) {
            out.push((minor, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// `api/v1.json` → ("", "v1"); `apis/apps/v1.json` → ("apps", "v1").
fn group_version_of(rel: &str) -> Option<(String, String)> {
    let rel = rel.strip_suffix(".json")?;
    let parts: Vec<&str> = rel.split('/').collect();
    match parts.as_slice() {
        ["api", v] => Some((String::new(), (*v).to_owned())),
        ["apis", g, v] => Some(((*g).to_owned(), (*v).to_owned())),
        _ => None,
    }
}

type StateId = usize;

/// A child before `$ref`s are resolved.
#[derive(Clone, Debug)]
enum Child {
    State(StateId),
    Ref(String),
}

/// A node's own facts (everything but its children), as a `NodeSpec` with no children, plus
/// the child slots.
#[derive(Clone, Debug)]
struct State {
    spec: NodeSpec,
    props: Vec<(String, Child)>,
    items: Option<Child>,
    additional: Option<Child>,
    /// A wrapper (`allOf: [{$ref}]` with a list type): the target's facts, this list type.
    wrap: Option<(String, Option<ListType>)>,
}

#[derive(Default)]
struct Gen {
    states: Vec<State>,
    /// After resolution: the children of each state (props in name order, items, additional).
    succ: Vec<Vec<StateId>>,
    /// (minor, group, version, kind) → (state, whether from the kind's own document).
    kinds: BTreeMap<(u16, String, String, String), (StateId, bool)>,
    served: BTreeMap<(String, String, String), u64>,
}

const REF_PREFIX: &str = "#/components/schemas/";

/// The definitions whose JSON is arbitrary: `type: object` and nothing else, like empty
/// structs, but the API server keeps whatever they hold.
pub const ANY_CONTENT: &[&str] = &[
    "io.k8s.apimachinery.pkg.runtime.RawExtension",
    "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
];

impl Gen {
    fn document(&mut self, minor: u16, gv: &(String, String), doc: &Value) -> Result<(), String> {
        let schemas = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .ok_or("no components.schemas")?;
        // Definitions of this document: name → root state.
        let mut roots: HashMap<&str, StateId> = HashMap::new();
        let first = self.states.len();
        for (name, schema) in schemas {
            let id = self.parse(schema)?;
            if ANY_CONTENT.contains(&name.as_str()) {
                let s = &mut self.states[id];
                if s.spec.ty != Type::Object || !s.props.is_empty() || s.additional.is_some() {
                    return Err(format!("{name} is no longer an object without properties"));
                }
                s.spec.preserve_unknown_fields = true;
            }
            roots.insert(name, id);
        }
        // Resolve references and wrappers within the document.
        let resolve = |child: &Child| -> Result<StateId, String> {
            match child {
                Child::State(id) => Ok(*id),
                Child::Ref(name) => roots
                    .get(name.as_str())
                    .copied()
                    .ok_or_else(|| format!("$ref to unknown definition {name}")),
            }
        };
        for id in first..self.states.len() {
            if let Some((target, list_type)) = self.states[id].wrap.clone() {
                let target = resolve(&Child::Ref(target))?;
                if self.states[target].wrap.is_some() {
                    return Err("a wrapper around a wrapper".into());
                }
                let mut copy = self.states[target].clone();
                if let Some(list_type) = list_type {
                    copy.spec.list_type = list_type;
                }
                self.states[id] = copy;
            }
        }
        for id in first..self.states.len() {
            let s = &self.states[id];
            let mut succ = Vec::with_capacity(s.props.len() + 2);
            for (_, child) in &s.props {
                succ.push(resolve(child)?);
            }
            if let Some(items) = &s.items {
                succ.push(resolve(items)?);
            }
            if let Some(additional) = &s.additional {
                succ.push(resolve(additional)?);
            }
            self.succ.push(succ);
        }
        debug_assert_eq!(self.succ.len(), self.states.len());
        // Kinds defined here.
        for (name, schema) in schemas {
            let Some(gvks) = schema
                .get("x-kubernetes-group-version-kind")
                .and_then(Value::as_array)
            else {
                continue;
            };
            for gvk in gvks {
                let field = |k: &str| gvk.get(k).and_then(Value::as_str).map(str::to_owned);
                let (Some(group), Some(version), Some(kind)) =
                    (field("group"), field("version"), field("kind"))
                else {
                    return Err(format!("{name}: malformed x-kubernetes-group-version-kind"));
                };
                let own = (&group, &version) == (&gv.0, &gv.1);
                let key = (minor, group, version, kind);
                let entry = (roots[name.as_str()], own);
                // The kind's own document wins; else the first document (sorted paths).
                match self.kinds.get(&key) {
                    Some(&(_, true)) => {}
                    Some(&(_, false)) if !own => {}
                    _ => {
                        self.kinds.insert(key, entry);
                    }
                }
            }
        }
        // Served kinds, on the paths that are not subresources: the kind each operation names
        // (`x-kubernetes-group-version-kind`; 1.24 on), and the kinds of this group/version
        // that `post`/`put` take and `get …/{name}` returns (1.23's documents name no kinds
        // on operations; the two agree on 1.24–1.35 but for the create-only reviews and
        // `Binding`, whose request bodies are not references there).
        let mut served: Vec<(String, String, String)> = Vec::new();
        if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
            for (path, item) in paths {
                if is_subresource(path) {
                    continue;
                }
                let Some(item) = item.as_object() else {
                    continue;
                };
                for (method, op) in item {
                    if let Some(gvk) = op.get("x-kubernetes-group-version-kind") {
                        let field = |k: &str| gvk.get(k).and_then(Value::as_str).map(str::to_owned);
                        if let (Some(g), Some(v), Some(k)) =
                            (field("group"), field("version"), field("kind"))
                        {
                            served.push((g, v, k));
                        }
                    }
                    if path.contains("/watch/") {
                        continue;
                    }
                    let schema = match method.as_str() {
                        "post" | "put" => {
                            op.pointer("/requestBody/content/application~1json/schema")
                        }
                        "get" if path.ends_with("{name}") => {
                            op.pointer("/responses/200/content/application~1json/schema")
                        }
                        _ => None,
                    };
                    let Some(target) = schema
                        .and_then(|s| s.get("$ref"))
                        .and_then(Value::as_str)
                        .and_then(|r| r.strip_prefix(REF_PREFIX))
                    else {
                        continue;
                    };
                    let gvks = schemas
                        .get(target)
                        .and_then(|s| s.get("x-kubernetes-group-version-kind"))
                        .and_then(Value::as_array);
                    for gvk in gvks.into_iter().flatten() {
                        let field = |k: &str| gvk.get(k).and_then(Value::as_str).unwrap_or("");
                        if (field("group"), field("version")) == (gv.0.as_str(), gv.1.as_str()) {
                            served.push((gv.0.clone(), gv.1.clone(), field("kind").to_owned()));
                        }
                    }
                }
            }
        }
        for key in served {
            *self.served.entry(key).or_default() |= 1 << minor;
        }
        Ok(())
    }

    fn parse(&mut self, schema: &Value) -> Result<StateId, String> {
        let obj = schema.as_object().ok_or("a schema that is not an object")?;
        let id = self.states.len();
        self.states.push(State {
            spec: NodeSpec::default(),
            props: Vec::new(),
            items: None,
            additional: None,
            wrap: None,
        });
        let mut state = State {
            spec: NodeSpec::default(),
            props: Vec::new(),
            items: None,
            additional: None,
            wrap: None,
        };
        if let Some(target) = ref_target(obj)? {
            // A reference, alone (siblings: description, default, patch strategy, map type)
            // or with a list type.
            state.wrap = Some((target, list_type(obj)?));
            self.states[id] = state;
            return Ok(id);
        }
        let spec = &mut state.spec;
        let ty = obj.get("type").and_then(Value::as_str);
        let one_of: BTreeSet<&str> = obj
            .get("oneOf")
            .and_then(Value::as_array)
            .map(|alts| {
                alts.iter()
                    .filter_map(|a| a.get("type").and_then(Value::as_str))
                    .collect()
            })
            .unwrap_or_default();
        spec.format = obj.get("format").and_then(Value::as_str).map(str::to_owned);
        let int_or_string = obj.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true))
            || spec.format.as_deref() == Some("int-or-string")
            || one_of == BTreeSet::from(["integer", "string"]);
        spec.ty = if int_or_string {
            Type::IntOrString
        } else if one_of == BTreeSet::from(["number", "string"]) {
            spec.format.get_or_insert_with(|| "quantity".to_owned());
            Type::NumberOrString
        } else {
            match ty {
                Some("object") => Type::Object,
                Some("array") => Type::Array,
                Some("string") => Type::String,
                Some("integer") => Type::Integer,
                Some("number") => Type::Number,
                Some("boolean") => Type::Boolean,
                Some(other) => return Err(format!("unknown type {other:?}")),
                None if obj.contains_key("properties") => Type::Object,
                None => Type::Any,
            }
        };
        if !one_of.is_empty() && !matches!(spec.ty, Type::IntOrString | Type::NumberOrString) {
            return Err(format!("unsupported oneOf {one_of:?}"));
        }
        let flag = |k: &str| obj.get(k) == Some(&Value::Bool(true));
        spec.nullable = flag("nullable");
        spec.preserve_unknown_fields = flag("x-kubernetes-preserve-unknown-fields");
        spec.embedded_resource = flag("x-kubernetes-embedded-resource");
        if let Some(req) = obj.get("required") {
            spec.required = strings(req).ok_or("required is not a list of strings")?;
        }
        if let Some(values) = obj.get("enum") {
            let values = values.as_array().ok_or("enum is not a list")?;
            spec.enum_values = Some(values.iter().map(literal).collect());
        }
        spec.default = obj.get("default").and_then(|d| match d {
            Value::Object(_) | Value::Array(_) => None,
            scalar => Some(literal(scalar)),
        });
        spec.list_type = list_type(obj)?.unwrap_or(ListType::Unspecified);
        if let Some(keys) = obj.get("x-kubernetes-list-map-keys") {
            spec.list_map_keys = strings(keys).ok_or("list map keys are not strings")?;
        }
        spec.patch_merge_key = obj
            .get("x-kubernetes-patch-merge-key")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let Some(props) = obj.get("properties") {
            let props = props.as_object().ok_or("properties is not an object")?;
            for (name, sub) in props {
                let child = self.child(sub)?;
                state.props.push((name.clone(), child));
            }
        }
        if let Some(items) = obj.get("items") {
            state.items = Some(self.child(items)?);
        }
        match obj.get("additionalProperties") {
            None => {}
            Some(Value::Bool(false)) => state.spec.additional_properties = Additional::Denied,
            Some(Value::Bool(true)) => state.spec.additional_properties = Additional::Any,
            Some(Value::Object(m)) if m.is_empty() => {
                state.spec.additional_properties = Additional::Any;
            }
            Some(sub) => {
                // `Additional::Schema(id)` once the arena is numbered.
                state.additional = Some(self.child(sub)?);
            }
        }
        self.states[id] = state;
        Ok(id)
    }

    /// A child schema: a plain reference is the definition itself; anything else a state.
    fn child(&mut self, schema: &Value) -> Result<Child, String> {
        if let Some(obj) = schema.as_object()
            && let Some(target) = ref_target(obj)?
            && list_type(obj)?.is_none()
        {
            return Ok(Child::Ref(target));
        }
        Ok(Child::State(self.parse(schema)?))
    }

    /// Partition refinement, numbering, encoding. Returns the bytes, node and kind counts.
    fn finish(&self) -> Result<(Vec<u8>, usize, usize), String> {
        let n = self.states.len();
        // Labels: everything but the children's identities.
        let mut labels: HashMap<String, u32> = HashMap::new();
        let mut class: Vec<u32> = Vec::with_capacity(n);
        for s in &self.states {
            let mut key = format!("{:?}", s.spec);
            for (name, _) in &s.props {
                let _ = write!(key, "|p:{name}");
            }
            let _ = write!(key, "|i:{}|a:{}", s.items.is_some(), s.additional.is_some());
            let next = labels.len() as u32;
            class.push(*labels.entry(key).or_insert(next));
        }
        let mut count = labels.len();
        loop {
            let mut sigs: HashMap<(u32, Vec<u32>), u32> = HashMap::with_capacity(count * 2);
            let mut next_class = Vec::with_capacity(n);
            for id in 0..n {
                let sig = (class[id], self.succ[id].iter().map(|&c| class[c]).collect());
                let fresh = sigs.len() as u32;
                next_class.push(*sigs.entry(sig).or_insert(fresh));
            }
            let new_count = sigs.len();
            class = next_class;
            if new_count == count {
                break;
            }
            count = new_count;
        }
        // A representative state per class.
        let mut rep: Vec<StateId> = vec![usize::MAX; count];
        for id in 0..n {
            if rep[class[id] as usize] == usize::MAX {
                rep[class[id] as usize] = id;
            }
        }
        // Kinds in (minor, group, version, kind) order, numbered depth-first.
        let mut node_of: Vec<u32> = vec![u32::MAX; count];
        let mut order: Vec<u32> = Vec::new();
        let mut b = ArenaBuilder::new();
        for &(root, _) in self.kinds.values() {
            let mut stack = vec![class[root]];
            while let Some(c) = stack.pop() {
                if node_of[c as usize] != u32::MAX {
                    continue;
                }
                node_of[c as usize] = b.reserve().index() as u32;
                order.push(c);
                for &child in self.succ[rep[c as usize]].iter().rev() {
                    stack.push(class[child]);
                }
            }
        }
        let id_of = |state: StateId| {
            SchemaId::from_index(node_of[class[state] as usize] as usize)
                .expect("every child numbered with its parent")
        };
        for &c in &order {
            let state = rep[c as usize];
            let s = &self.states[state];
            let succ = &self.succ[state];
            let mut spec = s.spec.clone();
            spec.properties = s
                .props
                .iter()
                .zip(succ)
                .map(|((name, _), &child)| (name.clone(), id_of(child)))
                .collect();
            let mut rest = succ[s.props.len()..].iter();
            if s.items.is_some() {
                spec.items = Some(id_of(*rest.next().expect("items child")));
            }
            if s.additional.is_some() {
                spec.additional_properties =
                    Additional::Schema(id_of(*rest.next().expect("additional child")));
            }
            let id = SchemaId::from_index(node_of[c as usize] as usize).expect("numbered");
            b.set(id, &spec);
        }
        // Kind records, with their strings interned into the arena.
        let mut records: BTreeMap<(String, String, String), KindRecord> = BTreeMap::new();
        for ((minor, g, v, k), &(root, _)) in &self.kinds {
            let rec = records
                .entry((g.clone(), v.clone(), k.clone()))
                .or_insert_with(|| KindRecord {
                    group: g.clone(),
                    version: v.clone(),
                    kind: k.clone(),
                    served: 0,
                    schemas: Vec::new(),
                });
            rec.schemas.push((*minor, id_of(root)));
        }
        for ((g, v, k), &mask) in &self.served {
            records
                .entry((g.clone(), v.clone(), k.clone()))
                .or_insert_with(|| KindRecord {
                    group: g.clone(),
                    version: v.clone(),
                    kind: k.clone(),
                    served: 0,
                    schemas: Vec::new(),
                })
                .served |= mask;
        }
        for rec in records.values() {
            b.intern_str(&rec.group);
            b.intern_str(&rec.version);
            b.intern_str(&rec.kind);
        }
        let nodes = b.len();
        let arena = b.finish();
        let records: Vec<KindRecord> = records.into_values().collect();
        Ok((codec::encode(&arena, &records), nodes, records.len()))
    }
}

fn is_subresource(path: &str) -> bool {
    path.split_once("{name}")
        .is_some_and(|(_, rest)| !rest.trim_matches('/').is_empty())
}

/// The definition a `$ref` or `allOf: [{$ref}]` names.
fn ref_target(obj: &Map<String, Value>) -> Result<Option<String>, String> {
    let r = if let Some(r) = obj.get("$ref") {
        r
    } else if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
        match all.as_slice() {
            [one] => match one.get("$ref") {
                Some(r) => r,
                None => return Err("allOf without $ref".into()),
            },
            _ => return Err("allOf with more than one schema".into()),
        }
    } else {
        return Ok(None);
    };
    let r = r.as_str().ok_or("$ref is not a string")?;
    r.strip_prefix(REF_PREFIX)
        .map(|name| Some(name.to_owned()))
        .ok_or_else(|| format!("$ref {r} outside components.schemas"))
}

fn list_type(obj: &Map<String, Value>) -> Result<Option<ListType>, String> {
    Ok(match obj.get("x-kubernetes-list-type").map(Value::as_str) {
        None => None,
        Some(Some("atomic")) => Some(ListType::Atomic),
        Some(Some("set")) => Some(ListType::Set),
        Some(Some("map")) => Some(ListType::Map),
        Some(other) => return Err(format!("unknown list type {other:?}")),
    })
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_owned))
        .collect()
}

fn literal(v: &Value) -> OwnedLiteral {
    match v {
        Value::Null => OwnedLiteral::Null,
        Value::Bool(b) => OwnedLiteral::Bool(*b),
        Value::Number(n) => OwnedLiteral::Number(n.to_string()),
        Value::String(s) => OwnedLiteral::String(s.clone()),
        other => OwnedLiteral::Json(other.to_string()),
    }
}
