//! The committed data against the documents themselves: for every version and every kind a
//! document defines for its own group/version, the JSON schema and the embedded node are walked
//! side by side (references followed, cycles cut) and every fact kept must agree. This checks the
//! merging of identical nodes: a node merged with a different one shows here as a wrong fact.

use std::collections::HashSet;

use faultline_schema::{Additional, Builtin, DATA, ListType, Literal, Schema, Type};
use serde_json::{Map, Value};

const PREFIX: &str = "#/components/schemas/";

struct Doc<'a> {
    schemas: &'a Map<String, Value>,
    minor: u16,
    file: String,
}

/// The definition a `$ref`/`allOf: [{$ref}]` wrapper names, and the list type it adds.
fn target<'a>(doc: &Doc<'a>, obj: &Map<String, Value>) -> Option<(&'a str, &'a Value)> {
    let r = obj.get("$ref").or_else(|| {
        obj.get("allOf")
            .and_then(Value::as_array)
            .and_then(|all| all.first())
            .and_then(|one| one.get("$ref"))
    })?;
    let name = r.as_str()?.strip_prefix(PREFIX)?;
    let (name, schema) = doc.schemas.get_key_value(name)?;
    Some((name.as_str(), schema))
}

fn expected_type(obj: &Map<String, Value>) -> Type {
    let one_of: Vec<&str> = obj
        .get("oneOf")
        .and_then(Value::as_array)
        .map(|alts| alts.iter().filter_map(|a| a["type"].as_str()).collect())
        .unwrap_or_default();
    if obj.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true))
        || obj.get("format").and_then(Value::as_str) == Some("int-or-string")
        || (one_of.contains(&"integer") && one_of.contains(&"string"))
    {
        return Type::IntOrString;
    }
    if one_of.contains(&"number") && one_of.contains(&"string") {
        return Type::NumberOrString;
    }
    match obj.get("type").and_then(Value::as_str) {
        Some("object") => Type::Object,
        Some("array") => Type::Array,
        Some("string") => Type::String,
        Some("integer") => Type::Integer,
        Some("number") => Type::Number,
        Some("boolean") => Type::Boolean,
        None if obj.contains_key("properties") => Type::Object,
        None => Type::Any,
        Some(other) => panic!("type {other}"),
    }
}

fn list_type(obj: &Map<String, Value>) -> Option<ListType> {
    obj.get("x-kubernetes-list-type")
        .and_then(Value::as_str)
        .map(|t| match t {
            "atomic" => ListType::Atomic,
            "set" => ListType::Set,
            "map" => ListType::Map,
            other => panic!("list type {other}"),
        })
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

struct Walk<'d> {
    doc: &'d Doc<'d>,
    /// (definition, node) pairs already compared: recursive schemas end here.
    seen: HashSet<(&'d str, faultline_schema::SchemaId)>,
    checked: usize,
}

impl<'d> Walk<'d> {
    /// `def`: the definition `schema` is, if it is one.
    fn compare(&mut self, def: Option<&'d str>, schema: &'d Value, node: Schema<'_>, at: &str) {
        let mut obj = schema.as_object().expect("a schema object");
        let mut def = def;
        let mut list_override = None;
        if let Some((name, target_def)) = target(self.doc, obj) {
            def = Some(name);
            list_override = list_type(obj);
            if !self.seen.insert((name, node.id())) {
                return;
            }
            obj = target_def.as_object().expect("a definition object");
        }
        self.checked += 1;
        let whence = format!("1.{} {} {at}", self.doc.minor, self.doc.file);
        assert_eq!(node.ty(), expected_type(obj), "type at {whence}");
        let format = obj.get("format").and_then(Value::as_str);
        if node.ty() == Type::NumberOrString && format.is_none() {
            assert_eq!(node.format(), Some("quantity"), "{whence}");
        } else {
            assert_eq!(node.format(), format, "format at {whence}");
        }
        assert_eq!(
            node.list_type(),
            list_override
                .or(list_type(obj))
                .unwrap_or(ListType::Unspecified),
            "list type at {whence}"
        );
        assert_eq!(
            node.list_map_keys().collect::<Vec<_>>(),
            strings(obj.get("x-kubernetes-list-map-keys")),
            "map keys at {whence}"
        );
        assert_eq!(
            node.required().collect::<Vec<_>>(),
            strings(obj.get("required")),
            "required at {whence}"
        );
        assert_eq!(
            node.patch_merge_key(),
            obj.get("x-kubernetes-patch-merge-key")
                .and_then(Value::as_str),
            "patch merge key at {whence}"
        );
        let number;
        let default = match obj.get("default") {
            None | Some(Value::Object(_) | Value::Array(_)) => None,
            Some(Value::String(s)) => Some(Literal::String(s)),
            Some(Value::Bool(b)) => Some(Literal::Bool(*b)),
            Some(Value::Null) => Some(Literal::Null),
            Some(Value::Number(n)) => {
                number = n.to_string();
                Some(Literal::Number(&number))
            }
        };
        assert_eq!(node.default_value(), default, "default at {whence}");
        assert_eq!(
            node.nullable(),
            obj.get("nullable") == Some(&Value::Bool(true))
        );
        let props = obj.get("properties").and_then(Value::as_object);
        let names: Vec<&str> = node.properties().map(|(n, _)| n).collect();
        let mut expected: Vec<&str> = props
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        expected.sort_unstable();
        assert_eq!(names, expected, "properties at {whence}");
        for (name, sub) in props.into_iter().flatten() {
            let child = node.property(name).expect("property");
            self.compare(None, sub, child, &format!("{at}.{name}"));
        }
        match (obj.get("items"), node.items()) {
            (Some(sub), Some(child)) => self.compare(None, sub, child, &format!("{at}[]")),
            (None, None) => {}
            other => panic!("items at {whence}: {:?}", other.1),
        }
        let additional = node.additional_properties();
        match obj.get("additionalProperties") {
            None => assert_eq!(additional, Additional::Unspecified, "{whence}"),
            Some(Value::Bool(false)) => assert_eq!(additional, Additional::Denied, "{whence}"),
            Some(Value::Bool(true)) => assert_eq!(additional, Additional::Any, "{whence}"),
            Some(Value::Object(m)) if m.is_empty() => {
                assert_eq!(additional, Additional::Any, "{whence}");
            }
            Some(sub) => {
                let Additional::Schema(id) = additional else {
                    panic!("additionalProperties at {whence}: {additional:?}");
                };
                self.compare(None, sub, node.get(id), &format!("{at}.*"));
            }
        }
        let preserve = obj.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true))
            || def.is_some_and(|d| faultline_schemagen::ANY_CONTENT.contains(&d));
        assert_eq!(
            node.preserve_unknown_fields(),
            preserve,
            "preserve at {whence}"
        );
    }
}

#[test]
fn every_kind_matches_its_document() {
    let Some(builtins) = faultline_testdata::corpus("kubectl-validate/pkg/openapiclient/builtins")
    else {
        return;
    };
    let builtin = Builtin::decode(DATA).expect("decodes");
    let mut kinds = 0;
    let mut nodes = 0;
    for minor in faultline_schema::MIN_MINOR..=faultline_schema::MAX_MINOR {
        let dir = builtins.join(format!("1.{minor}"));
        let mut files = vec![dir.join("api/v1.json")];
        for group in std::fs::read_dir(dir.join("apis")).expect("apis/") {
            for file in std::fs::read_dir(group.expect("a group").path()).expect("versions") {
                files.push(file.expect("a version").path());
            }
        }
        files.sort();
        for file in files {
            let rel = file
                .strip_prefix(&dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let (group, version) = group_version(&rel);
            let text = std::fs::read_to_string(&file).expect("readable");
            let json: Value = serde_json::from_str(&text).expect("JSON");
            let schemas = json["components"]["schemas"].as_object().expect("schemas");
            let doc = Doc {
                schemas,
                minor,
                file: rel.clone(),
            };
            for (name, schema) in schemas {
                for gvk in schema["x-kubernetes-group-version-kind"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    if (gvk["group"].as_str(), gvk["version"].as_str())
                        != (Some(group), Some(version))
                    {
                        continue;
                    }
                    let kind = gvk["kind"].as_str().expect("kind");
                    let node = builtin
                        .lookup(minor, group, version, kind)
                        .unwrap_or_else(|| panic!("1.{minor} {group}/{version} {kind}"));
                    let mut walk = Walk {
                        doc: &doc,
                        seen: HashSet::new(),
                        checked: 0,
                    };
                    walk.seen.insert((name.as_str(), node.id()));
                    walk.compare(Some(name.as_str()), schema, node, kind);
                    kinds += 1;
                    nodes += walk.checked;
                }
            }
        }
    }
    // Every version's kinds (lists, options and events included), and their whole trees.
    assert!(kinds > 13 * 150, "{kinds} kinds compared");
    assert!(nodes > 100_000, "{nodes} nodes compared");
}

fn group_version(rel: &str) -> (&str, &str) {
    let rel = rel.strip_suffix(".json").expect(".json");
    match rel.split('/').collect::<Vec<_>>().as_slice() {
        ["api", v] => ("", *v),
        ["apis", g, v] => (*g, *v),
        _ => panic!("{rel}"),
    }
}
