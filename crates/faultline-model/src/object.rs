//! Kubernetes objects found in parsed documents, and the inventory of all of them.

use std::collections::HashMap;

use faultline_syntax::{Document, FileId, NodeKind, NodeRef, ParsedText, TextRange};

use crate::kinds::{self, Scope};

/// Index of an object in its [`Inventory`] (defined with the diagnostics, which carry it).
pub use faultline_diagnostics::ObjectId;

/// One Kubernetes object: a document, or one item of a `kind: List`.
#[derive(Clone, Copy, Debug)]
pub struct Object<'a> {
    pub id: ObjectId,
    pub file: FileId,
    /// The object's mapping node.
    pub node: NodeRef<'a>,
    pub api_version: &'a str,
    pub kind: &'a str,
    /// `metadata.name`, or `metadata.generateName` when only that is set; empty if neither.
    pub name: &'a str,
    /// The namespace for namespaced objects: as written, or the default a `kubectl apply`
    /// would use. `None` for cluster-scoped objects, and for unknown kinds written without one.
    pub namespace: Option<&'a str>,
    /// True when `namespace` was filled in from the default rather than written.
    pub namespace_defaulted: bool,
    pub scope: Scope,
    /// The Helm template the document came from.
    pub helm_source: Option<&'a str>,
    /// True for items expanded from a `List`.
    pub list_item: bool,
    /// True when `apiVersion` and `kind` were not written but taken from the file's place in
    /// a recognised archive layout ([`crate::layout`]).
    pub kind_from_path: bool,
}

impl<'a> Object<'a> {
    pub fn metadata(&self) -> Option<NodeRef<'a>> {
        self.node.get("metadata")
    }

    /// The object's `metadata.labels` as key/value nodes.
    pub fn labels(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        string_map(self.node.path(&["metadata", "labels"]))
    }

    pub fn annotation(&self, key: &str) -> Option<NodeRef<'a>> {
        self.node.path(&["metadata", "annotations", key])
    }

    pub fn spec(&self) -> Option<NodeRef<'a>> {
        self.node.get("spec")
    }

    pub fn status(&self) -> Option<NodeRef<'a>> {
        self.node.get("status")
    }

    /// Where diagnostics about the object as a whole point: its `kind:` line.
    pub fn kind_range(&self) -> TextRange {
        self.node
            .field_range("kind")
            .unwrap_or_else(|| self.node.range())
    }

    /// `group/version` split: `("apps", "v1")`, or `("", "v1")` for the core group.
    pub fn group_version(&self) -> (&'a str, &'a str) {
        match self.api_version.rsplit_once('/') {
            Some((g, v)) => (g, v),
            None => ("", self.api_version),
        }
    }

    pub fn is(&self, kind: &str) -> bool {
        self.kind == kind
    }

    /// Whether the object's values are secret (a Secret, of any API group: when in doubt,
    /// hidden): output redaction hides them, and no finding may quote them, transformed or
    /// not (an expression's error, an evaluated message). The one test of it.
    pub fn holds_secret_values(&self) -> bool {
        self.kind == "Secret"
    }
}

/// Iterates a mapping of strings (labels, annotations, `matchLabels`, a Service selector),
/// skipping entries whose key or value is not a scalar. Values that Kubernetes would reject as
/// non-strings (`app: yes` is a boolean) are passed through as their text; a rule checks types.
pub fn string_map<'a>(node: Option<NodeRef<'a>>) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
    node.into_iter()
        .flat_map(|n| n.entries())
        .filter_map(|(k, v)| {
            let key = k.scalar_text()?;
            let value = match v.kind() {
                NodeKind::Null => "",
                NodeKind::Seq | NodeKind::Map => return None,
                _ => v.scalar_text()?,
            };
            Some((key, value))
        })
}

/// Why a document is not treated as a Kubernetes object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotAnObject {
    pub file: FileId,
    pub range: TextRange,
    pub reason: String,
}

/// All objects of a run, in input order (file, then document, then list item).
#[derive(Debug, Default)]
pub struct Inventory<'a> {
    pub objects: Vec<Object<'a>>,
    pub not_objects: Vec<NotAnObject>,
    /// (kind, namespace, name) → the last object with that identity, as `kubectl apply` of
    /// the whole input would leave it.
    by_identity: HashMap<(&'a str, Option<&'a str>, &'a str), ObjectId>,
    /// For an identity written more than once (a manifest and the running object of a snapshot
    /// read together): every object with it, in input order, keyed by each of them.
    repeated: HashMap<ObjectId, std::sync::Arc<[ObjectId]>>,
    /// An object that repeats an earlier one of the same file byte for byte (same identity,
    /// same text: the same manifests concatenated) → the first object with that text.
    copies: HashMap<ObjectId, ObjectId>,
    /// While building: the identities met more than once, with their objects in input order,
    /// and the text of each distinct version → its first object. Turned into `repeated` and
    /// `copies` at the end, so that an identity written n times costs O(n), not O(n²).
    building: HashMap<(&'a str, Option<&'a str>, &'a str), Repeats<'a>>,
}

/// The objects of one identity met more than once, while building.
#[derive(Debug, Default)]
struct Repeats<'a> {
    members: Vec<ObjectId>,
    /// Each distinct text of each file → the first object written with it there. Copies in two
    /// files are two manifests, each checked on its own.
    texts: HashMap<(FileId, &'a str), ObjectId>,
}

/// Options that decide how objects are read.
#[derive(Clone, Debug)]
pub struct ModelOptions<'o> {
    /// The namespace of namespaced objects written without one (`kubectl apply -n`).
    pub default_namespace: &'o str,
}

impl Default for ModelOptions<'static> {
    fn default() -> Self {
        Self {
            default_namespace: "default",
        }
    }
}

/// What an object takes from its surroundings when it does not say it itself.
#[derive(Clone, Copy, Debug)]
struct Defaults<'a> {
    api_version: &'a str,
    kind: &'a str,
    /// The namespace of an inferred layout, used when the object names none.
    namespace: Option<&'a str>,
    kind_from_path: bool,
    list_item: bool,
}

impl<'a> Inventory<'a> {
    /// Builds the inventory from every parsed file. `parsed[i]` belongs to `FileId(i)`.
    pub fn build(parsed: &'a [ParsedText], options: &ModelOptions<'a>) -> Self {
        Self::build_with_paths(parsed, &[], options)
    }

    /// Like [`Inventory::build`], knowing each file's path (`paths[i]` for `FileId(i)`), so that
    /// kindless documents in a recognised archive layout get their kind from it
    /// ([`crate::layout`]).
    pub fn build_with_paths(
        parsed: &'a [ParsedText],
        paths: &[&'a str],
        options: &ModelOptions<'a>,
    ) -> Self {
        Self::build_files(parsed, paths, 0..parsed.len(), options)
    }

    /// [`Self::build_with_paths`] over the files `files` only (indexes into `parsed`, which
    /// are their `FileId`s): a snapshot and the manifests beside it are two inventories over
    /// one file list.
    pub fn build_files(
        parsed: &'a [ParsedText],
        paths: &[&'a str],
        files: std::ops::Range<usize>,
        options: &ModelOptions<'a>,
    ) -> Self {
        let mut inv = Inventory::default();
        for (i, p) in parsed.iter().enumerate().take(files.end).skip(files.start) {
            let file = FileId(i as u32);
            let path = paths.get(i).copied().unwrap_or("");
            for doc in &p.documents {
                inv.add_document(file, path, doc, options);
            }
        }
        for (_, repeats) in std::mem::take(&mut inv.building) {
            let group: std::sync::Arc<[ObjectId]> = repeats.members.into();
            for member in group.iter() {
                inv.repeated.insert(*member, group.clone());
            }
        }
        inv
    }

    pub fn get(&self, id: ObjectId) -> &Object<'a> {
        &self.objects[id.0 as usize]
    }

    /// The object of `kind` named `name` in `namespace` (`None` for cluster-scoped kinds).
    pub fn find(&self, kind: &str, namespace: Option<&str>, name: &str) -> Option<&Object<'a>> {
        self.by_identity
            .get(&(kind, namespace, name))
            .map(|id| self.get(*id))
    }

    /// The objects that are the same Kubernetes object as `id` (same kind, namespace and name:
    /// a manifest and the snapshot of what it created), `id` included, in input order.
    pub fn same_object(&self, id: ObjectId) -> impl Iterator<Item = ObjectId> + '_ {
        let group = self.repeated.get(&id);
        let single = group.is_none().then_some(id);
        group
            .into_iter()
            .flat_map(|g| g.iter().copied())
            .chain(single)
    }

    /// The earlier object of the same file that `id` repeats byte for byte (the same kind,
    /// namespace and name, and the same text), when there is one: the same manifests
    /// concatenated into one file. Such a copy is the same object as the first; the graph
    /// indexes its pods once. The same object in two files is two manifests (an install and a
    /// namespace-scoped install of one chart), each checked on its own.
    pub fn copy_of(&self, id: ObjectId) -> Option<ObjectId> {
        self.copies.get(&id).copied()
    }

    /// Every object of `kind`, in input order.
    pub fn of_kind<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = &'s Object<'a>> + 's {
        self.objects.iter().filter(move |o| o.kind == kind)
    }

    fn add_document(
        &mut self,
        file: FileId,
        path: &'a str,
        doc: &'a Document,
        options: &ModelOptions<'a>,
    ) {
        let Some(root) = doc.root() else {
            return;
        };
        let helm_source = doc.helm_source.as_deref();
        if !root.is_map() {
            let what = if root.is_seq() {
                "a sequence"
            } else {
                "a scalar"
            };
            self.not(
                file,
                root.range(),
                format!("the document is {what}, not a mapping"),
            );
            return;
        }
        let api_version = root.get("apiVersion").and_then(|n| n.as_str());
        let kind = root.get("kind").and_then(|n| n.as_str());
        if api_version.is_none()
            && kind.is_none()
            && let Some(inferred) = crate::layout::infer(path)
            && root
                .path(&["metadata", "name"])
                .and_then(|n| n.as_str())
                .is_some_and(|n| !n.is_empty())
        {
            let defaults = Defaults {
                api_version: inferred.api_version,
                kind: inferred.kind,
                namespace: inferred.namespace,
                kind_from_path: true,
                list_item: false,
            };
            self.add_object(file, root, defaults, helm_source, options);
            return;
        }
        let (Some(api_version), Some(kind)) = (api_version, kind) else {
            let missing = match (api_version, kind) {
                (None, None) => "`apiVersion` and `kind`",
                (None, _) => "`apiVersion`",
                _ => "`kind`",
            };
            self.not(file, root.range(), format!("the document has no {missing}"));
            return;
        };
        if let Some(item_kind) = kind.strip_suffix("List")
            && let Some(items) = root.get("items").filter(|i| i.is_seq())
        {
            let defaults = Defaults {
                api_version,
                kind: item_kind,
                namespace: None,
                kind_from_path: false,
                list_item: true,
            };
            for item in items.items() {
                self.add_object(file, item, defaults, helm_source, options);
            }
            return;
        }
        let defaults = Defaults {
            api_version,
            kind,
            namespace: None,
            kind_from_path: false,
            list_item: false,
        };
        self.add_object(file, root, defaults, helm_source, options);
    }

    fn add_object(
        &mut self,
        file: FileId,
        node: NodeRef<'a>,
        defaults: Defaults<'a>,
        helm_source: Option<&'a str>,
        options: &ModelOptions<'a>,
    ) {
        if !node.is_map() {
            self.not(
                file,
                node.range(),
                "a list item is not a mapping".to_owned(),
            );
            return;
        }
        let api_version = node
            .get("apiVersion")
            .and_then(|n| n.as_str())
            .unwrap_or(defaults.api_version);
        let kind = node
            .get("kind")
            .and_then(|n| n.as_str())
            .unwrap_or(defaults.kind);
        if kind.is_empty() {
            // A plain `kind: List` whose items lack `kind` cannot be typed.
            self.not(file, node.range(), "the list item has no `kind`".to_owned());
            return;
        }
        let meta = node.get("metadata");
        let text = |key: &str| meta.and_then(|m| m.get(key)).and_then(|n| n.scalar_text());
        let name = text("name").or_else(|| text("generateName")).unwrap_or("");
        let written_ns = text("namespace")
            .filter(|ns| !ns.is_empty())
            .or(defaults.namespace);
        let scope = kinds::scope(kind);
        let (namespace, namespace_defaulted) = match (scope, written_ns) {
            (Scope::Cluster, _) => (None, false),
            (_, Some(ns)) => (Some(ns), false),
            (Scope::Namespaced, None) => (Some(options.default_namespace), true),
            (Scope::Unknown, None) => (None, false),
        };
        let id = ObjectId(self.objects.len() as u32);
        if !name.is_empty()
            && let Some(previous) = self.by_identity.insert((kind, namespace, name), id)
        {
            let text_of = |n: NodeRef<'a>| {
                let r = n.range();
                n.tree()
                    .source()
                    .get(r.start as usize..r.end as usize)
                    .unwrap_or("")
            };
            let repeats = self.building.entry((kind, namespace, name)).or_default();
            if repeats.members.is_empty() {
                repeats.members.push(previous);
                let first = &self.objects[previous.0 as usize];
                repeats
                    .texts
                    .insert((first.file, text_of(first.node)), previous);
            }
            repeats.members.push(id);
            let text = (file, text_of(node));
            match repeats.texts.get(&text) {
                Some(original) => {
                    self.copies.insert(id, *original);
                }
                None => {
                    repeats.texts.insert(text, id);
                }
            }
        }
        self.objects.push(Object {
            id,
            file,
            node,
            api_version,
            kind,
            name,
            namespace,
            namespace_defaulted,
            scope,
            helm_source,
            list_item: defaults.list_item,
            kind_from_path: defaults.kind_from_path,
        });
    }

    fn not(&mut self, file: FileId, range: TextRange, reason: String) {
        self.not_objects.push(NotAnObject {
            file,
            range,
            reason,
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn ids(it: impl Iterator<Item = ObjectId>) -> Vec<u32> {
        it.map(|id| id.0).collect()
    }

    #[test]
    fn repeated_identities_are_grouped_and_byte_for_byte_copies_point_at_the_first() {
        let web = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {a: '1'}\n";
        let changed = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {a: '2'}\n";
        let other = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: db}\n";
        let text = [web, other, changed, web, web].join("---\n");
        let parsed = vec![faultline_syntax::yaml::parse_yaml(&Arc::from(
            text.as_str(),
        ))];
        let inv = Inventory::build(&parsed, &ModelOptions::default());
        assert_eq!(inv.objects.len(), 5);
        for web in [0, 2, 3, 4] {
            assert_eq!(ids(inv.same_object(ObjectId(web))), [0, 2, 3, 4]);
        }
        assert_eq!(ids(inv.same_object(ObjectId(1))), [1]);
        let copies: Vec<Option<u32>> = (0..5)
            .map(|i| inv.copy_of(ObjectId(i)).map(|c| c.0))
            .collect();
        assert_eq!(copies, [None, None, None, Some(0), Some(0)]);
        // The same text in another file is another manifest, not a copy.
        let two = vec![
            faultline_syntax::yaml::parse_yaml(&Arc::from(web)),
            faultline_syntax::yaml::parse_yaml(&Arc::from(web)),
        ];
        let inv2 = Inventory::build(&two, &ModelOptions::default());
        assert_eq!(inv2.copy_of(ObjectId(1)), None);
        assert_eq!(ids(inv2.same_object(ObjectId(1))), [0, 1]);
        assert_eq!(
            inv.find("ConfigMap", Some("default"), "web").unwrap().id.0,
            4
        );
    }
}
