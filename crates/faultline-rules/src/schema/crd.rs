//! The CustomResourceDefinitions of the input, converted once per run into an arena of
//! schema nodes: per group and kind, the versions each CRD serves and their
//! `openAPIV3Schema` (`apiextensions.k8s.io/v1` `spec.versions[*].schema`, and `v1beta1`'s
//! `spec.validation` shared by its versions).

use std::collections::HashMap;

use faultline_model::{Inventory, ObjectId};
use faultline_schema::{
    Additional, Arena, ArenaBuilder, ListType, NodeSpec, OwnedLiteral, SchemaId, Type,
};
use faultline_syntax::{NodeKind, NodeRef};

use super::validations::{self, RuleIndex, ValidationRule};
use super::walk::{Issue, IssueKind};

/// Deeper schemas are not followed (a guard against hostile input; real CRDs nest about 30).
const MAX_DEPTH: usize = 100;

/// One version of a CRD.
#[derive(Debug)]
pub(crate) struct CrdVersion<'a> {
    pub name: &'a str,
    pub served: bool,
    /// The version's `openAPIV3Schema`, if it has one.
    pub schema: Option<SchemaId>,
    /// `subresources.status` is set: the API server ignores `status` on create.
    pub status_subresource: bool,
}

/// One CustomResourceDefinition of the input.
#[derive(Debug)]
pub(crate) struct Crd<'a> {
    pub object: ObjectId,
    pub versions: Vec<CrdVersion<'a>>,
    /// Unknown fields are kept, not pruned (`v1beta1` with `preserveUnknownFields` unset or
    /// `true`).
    pub keep_unknown: bool,
    /// Some schema node of the CRD carries validation rules (`x-kubernetes-validations`).
    pub has_rules: bool,
}

/// Every CRD of the input, by group and kind, in input order.
#[derive(Debug)]
pub(crate) struct Crds<'a> {
    pub arena: Arena,
    /// By kind: the group and the CRD.
    pub by_kind: HashMap<&'a str, Vec<(&'a str, Crd<'a>)>>,
    /// Problems in the CRDs themselves (a `type` OpenAPI does not have, a validation rule
    /// that does not compile), by CRD.
    pub problems: HashMap<ObjectId, Vec<Issue>>,
    /// The compiled validation rules, by schema node of `arena`.
    pub rules: HashMap<SchemaId, Box<[ValidationRule]>>,
}

impl<'a> Crds<'a> {
    pub(crate) fn build(inventory: &Inventory<'a>) -> Self {
        let mut b = ArenaBuilder::new();
        let mut by_kind: HashMap<&'a str, Vec<(&'a str, Crd<'a>)>> = HashMap::new();
        let mut problems: HashMap<ObjectId, Vec<Issue>> = HashMap::new();
        let mut rules: HashMap<SchemaId, Box<[ValidationRule]>> = HashMap::new();
        for obj in inventory.of_kind("CustomResourceDefinition") {
            let beta = match obj.api_version {
                "apiextensions.k8s.io/v1" => false,
                "apiextensions.k8s.io/v1beta1" => true,
                _ => continue,
            };
            let Some(spec) = obj.spec() else { continue };
            let (Some(group), Some(kind)) = (
                spec.get("group").and_then(NodeRef::as_str),
                spec.path(&["names", "kind"]).and_then(NodeRef::as_str),
            ) else {
                continue;
            };
            let mut out = Vec::new();
            let rules_before = rules.len();
            let mut convert = |node: NodeRef<'a>, path: String| {
                let mut c = Converter {
                    b: &mut b,
                    out: &mut out,
                    rules: &mut rules,
                    path,
                };
                c.schema(node, 0)
            };
            let shared = spec
                .path(&["validation", "openAPIV3Schema"])
                .filter(|_| beta)
                .map(|n| convert(n, "spec.validation.openAPIV3Schema".to_owned()));
            let shared_status = spec.path(&["subresources", "status"]).is_some();
            let mut versions = Vec::new();
            for (i, v) in spec
                .get("versions")
                .into_iter()
                .flat_map(|v| v.items())
                .enumerate()
            {
                let Some(name) = v.get("name").and_then(NodeRef::as_str) else {
                    continue;
                };
                let schema = v
                    .path(&["schema", "openAPIV3Schema"])
                    .map(|n| convert(n, format!("spec.versions[{i}].schema.openAPIV3Schema")))
                    .or(shared);
                versions.push(CrdVersion {
                    name,
                    served: v.get("served").and_then(NodeRef::as_bool).unwrap_or(true),
                    schema,
                    status_subresource: shared_status
                        || v.path(&["subresources", "status"]).is_some(),
                });
            }
            if beta
                && versions.is_empty()
                && let Some(name) = spec.get("version").and_then(NodeRef::as_str)
            {
                versions.push(CrdVersion {
                    name,
                    served: true,
                    schema: shared,
                    status_subresource: shared_status,
                });
            }
            let preserve = spec.get("preserveUnknownFields").and_then(NodeRef::as_bool);
            let keep_unknown = preserve.unwrap_or(beta);
            let has_rules = rules.len() > rules_before;
            if !out.is_empty() {
                problems.entry(obj.id).or_default().extend(out);
            }
            by_kind.entry(kind).or_default().push((
                group,
                Crd {
                    object: obj.id,
                    versions,
                    keep_unknown,
                    has_rules,
                },
            ));
        }
        Crds {
            arena: b.finish(),
            by_kind,
            problems,
            rules,
        }
    }

    /// The validation rules of `crd`, if it has any.
    pub(crate) fn rules_of(&self, crd: &Crd<'_>) -> Option<RuleIndex<'_>> {
        crd.has_rules.then_some(RuleIndex {
            arena: &self.arena,
            by_node: &self.rules,
        })
    }

    /// The CRDs of `group`/`kind`.
    pub(crate) fn of<'s>(
        &'s self,
        group: &'s str,
        kind: &str,
    ) -> impl Iterator<Item = &'s Crd<'a>> + Clone + 's {
        self.by_kind
            .get(kind)
            .into_iter()
            .flatten()
            .filter(move |(g, _)| *g == group)
            .map(|(_, c)| c)
    }
}

struct Converter<'b, 'o> {
    b: &'b mut ArenaBuilder,
    out: &'o mut Vec<Issue>,
    rules: &'o mut HashMap<SchemaId, Box<[ValidationRule]>>,
    path: String,
}

impl Converter<'_, '_> {
    fn child(&mut self, suffix: &str, node: NodeRef<'_>, depth: usize) -> SchemaId {
        let len = self.path.len();
        self.path.push_str(suffix);
        let id = self.schema(node, depth + 1);
        self.path.truncate(len);
        id
    }

    fn schema(&mut self, node: NodeRef<'_>, depth: usize) -> SchemaId {
        let mut spec = NodeSpec::default();
        if !node.is_map() || depth > MAX_DEPTH {
            spec.preserve_unknown_fields = true;
            return self.b.push(&spec);
        }
        let flag = |key: &str| node.get(key).and_then(NodeRef::as_bool) == Some(true);
        if let Some((_, t)) = node.entry("type") {
            let text = t.as_str().unwrap_or("");
            spec.ty = match text {
                "object" => Type::Object,
                "array" => Type::Array,
                "string" => Type::String,
                "integer" => Type::Integer,
                "number" => Type::Number,
                "boolean" => Type::Boolean,
                "" if t.is_null() => Type::Any,
                _ => {
                    self.out.push(Issue {
                        kind: IssueKind::Enum {
                            value: format!("{text:?}"),
                            allowed: ["array", "boolean", "integer", "number", "object", "string"]
                                .iter()
                                .map(|a| format!("{a:?}"))
                                .collect(),
                            suggestion: None,
                        },
                        range: t.range(),
                        path: format!("{}.type", self.path),
                    });
                    Type::Any
                }
            };
        }
        if flag("x-kubernetes-int-or-string") {
            spec.ty = Type::IntOrString;
        }
        spec.format = node
            .get("format")
            .and_then(NodeRef::as_str)
            .map(str::to_owned);
        spec.nullable = flag("nullable");
        spec.preserve_unknown_fields = flag("x-kubernetes-preserve-unknown-fields");
        spec.embedded_resource = flag("x-kubernetes-embedded-resource");
        for (k, v) in node.get("properties").into_iter().flat_map(|p| p.entries()) {
            let Some(name) = k.scalar_text() else {
                continue;
            };
            let id = self.child(&format!(".properties[{name}]"), v, depth);
            spec.properties.push((name.to_owned(), id));
        }
        if let Some(add) = node.get("additionalProperties") {
            spec.additional_properties = match add.kind() {
                NodeKind::Bool if add.as_bool() == Some(false) => Additional::Denied,
                NodeKind::Bool => Additional::Any,
                NodeKind::Map => {
                    Additional::Schema(self.child(".additionalProperties", add, depth))
                }
                _ => Additional::Unspecified,
            };
        }
        if let Some(items) = node.get("items") {
            spec.items = match items.kind() {
                NodeKind::Map => Some(self.child(".items", items, depth)),
                // A list of schemas (tuple validation) is not structural: take anything.
                _ => Some(self.b.push(&NodeSpec {
                    preserve_unknown_fields: true,
                    ..NodeSpec::default()
                })),
            };
        }
        spec.required = strings(node.get("required"));
        spec.enum_values = node
            .get("enum")
            .filter(|e| e.is_seq())
            .map(|e| e.items().map(literal).collect());
        spec.default = node.get("default").map(literal);
        spec.list_type = match node.get("x-kubernetes-list-type").and_then(NodeRef::as_str) {
            Some("map") => ListType::Map,
            Some("set") => ListType::Set,
            Some("atomic") => ListType::Atomic,
            _ => ListType::Unspecified,
        };
        spec.list_map_keys = strings(node.get("x-kubernetes-list-map-keys"));
        let id = self.b.push(&spec);
        if let Some(list) = node.get("x-kubernetes-validations").filter(|l| l.is_seq()) {
            let rules = validations::read(list, node, &self.path, self.out);
            if !rules.is_empty() {
                self.rules.insert(id, rules.into_boxed_slice());
            }
        }
        id
    }
}

fn strings(node: Option<NodeRef<'_>>) -> Vec<String> {
    node.into_iter()
        .flat_map(|n| n.items())
        .filter_map(|i| i.scalar_text().filter(|_| i.is_scalar()))
        .map(str::to_owned)
        .collect()
}

fn literal(v: NodeRef<'_>) -> OwnedLiteral {
    let text = || v.scalar_text().unwrap_or("").to_owned();
    match v.kind() {
        NodeKind::Null => OwnedLiteral::Null,
        NodeKind::Bool => OwnedLiteral::Bool(v.as_bool() == Some(true)),
        NodeKind::Int | NodeKind::Float => {
            OwnedLiteral::Number(v.as_i64().map_or_else(text, |i| i.to_string()))
        }
        NodeKind::Str => OwnedLiteral::String(text()),
        // Empty ones as JSON (CRD defaulting fills in `{}` and its properties' defaults); the
        // content of others is not kept.
        NodeKind::Map if v.is_empty() => OwnedLiteral::Json("{}".to_owned()),
        NodeKind::Seq if v.is_empty() => OwnedLiteral::Json("[]".to_owned()),
        NodeKind::Seq | NodeKind::Map => OwnedLiteral::Json(String::new()),
    }
}
