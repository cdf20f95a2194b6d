//! Provenance: the manifest that created a running object, and the place in it of each field.
//!
//! A snapshot (`kubectl get -o yaml`, `kubectl cluster-info dump`) holds objects as the API
//! server stores them; the manifests in git hold what people wrote. [`ManifestIndex`] indexes
//! the manifests by kind and name, finds the one behind a running object
//! ([`ManifestIndex::source_of`]) — the same object, or the workload whose controllers made it —
//! and maps a location in the running object to the same field in that manifest
//! ([`ManifestIndex::relocate`]).
//!
//! Matching ignores `apiVersion` (an `extensions/v1beta1` manifest still maps to an `apps/v1`
//! object) and the case of `kind`. A manifest that writes no namespace (Helm output applied
//! with `-n`) matches a running object of the same kind and name in any namespace, when it is
//! the only such manifest. `status` never maps.

use std::collections::HashMap;

use faultline_syntax::{NodeRef, TextRange};

use crate::kinds::{self, Scope};
use crate::object::{Inventory, Object};
use crate::owners;

/// The manifests of a run (a second [`Inventory`], built from the `--manifests` files),
/// indexed by kind (case-insensitively) and `metadata.name`.
#[derive(Debug)]
pub struct ManifestIndex<'m> {
    manifests: &'m Inventory<'m>,
    /// Lower-case kind → name → the manifests with that kind and name, in input order.
    by_kind_name: HashMap<String, HashMap<&'m str, Vec<&'m Object<'m>>>>,
}

/// The manifest object behind a running object, and how it was reached.
#[derive(Clone, Debug)]
pub struct Source<'m> {
    pub object: &'m Object<'m>,
    /// The controllers walked from the running object up to the manifest's object, nearest
    /// first (`[ReplicaSet, Deployment]` for a Deployment's pod); empty when the manifest
    /// declares the running object itself. The last one is the manifest's object.
    pub owners: Vec<Owner>,
    /// True when the manifest writes no namespace and was matched on kind and name alone.
    pub namespace_assumed: bool,
}

/// One controller on the way from a running object to its manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    pub kind: String,
    pub name: String,
    /// How the previous object led to this one.
    pub via: Via,
    /// True when the snapshot holds this object.
    pub in_snapshot: bool,
}

pub use crate::owners::Via;

/// A location of a running object mapped into its manifest.
#[derive(Clone, Debug)]
pub struct Relocated<'m> {
    pub source: Source<'m>,
    /// The manifest node at the same place as the running node (the entry's value when the
    /// running location starts at a key); when `exact` is false, the nearest ancestor of that
    /// place that the manifest writes.
    pub node: NodeRef<'m>,
    /// The key of the mapping entry whose value is `node`, when it is one.
    pub key: Option<NodeRef<'m>>,
    /// True when the manifest writes the same field; false for a fallback to an ancestor (a
    /// field the API server defaulted or a controller or webhook added, a pod's name), or when
    /// the field is the controller's counterpart rather than the same field (the Deployment's
    /// `kind` for a pod's).
    pub exact: bool,
    /// What to point at in the manifest: its `kind:` line when `node` is the object itself;
    /// key through value when the running location starts at a key and covers more than it, or
    /// when the match is not exact; the key alone when the location is just a key; else
    /// `node`. A range in the manifest's file of the manifests' inventory.
    pub range: TextRange,
}

impl<'m> ManifestIndex<'m> {
    pub fn new(manifests: &'m Inventory<'m>) -> Self {
        let mut by_kind_name: HashMap<String, HashMap<&'m str, Vec<&'m Object<'m>>>> =
            HashMap::new();
        for object in &manifests.objects {
            // `generateName` alone never names the running object.
            let Some(name) = object
                .node
                .path(&["metadata", "name"])
                .and_then(|n| n.scalar_text())
                .filter(|n| !n.is_empty())
            else {
                continue;
            };
            by_kind_name
                .entry(object.kind.to_ascii_lowercase())
                .or_default()
                .entry(name)
                .or_default()
                .push(object);
        }
        Self {
            manifests,
            by_kind_name,
        }
    }

    pub fn manifests(&self) -> &'m Inventory<'m> {
        self.manifests
    }

    /// The manifest that declares the object `kind`/`namespace`/`name`: one in that namespace
    /// (the last one, as `kubectl apply` of all of them leaves it; one that writes the
    /// namespace before one given the default), else the only one that writes no namespace.
    /// The flag is true when the manifest writes no namespace.
    pub fn lookup(
        &self,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<(&'m Object<'m>, bool)> {
        let candidates = self
            .by_kind_name
            .get(kind.to_ascii_lowercase().as_str())?
            .get(name)?;
        let same_namespace = |o: &&&'m Object<'m>| o.namespace == namespace;
        let found = candidates
            .iter()
            .rev()
            .filter(same_namespace)
            .find(|o| !namespace_unwritten(o))
            .or_else(|| candidates.iter().rev().find(same_namespace))
            .copied();
        if let Some(object) = found {
            return Some((object, namespace_unwritten(object)));
        }
        namespace?;
        let mut unwritten = candidates.iter().filter(|o| namespace_unwritten(o));
        match (unwritten.next(), unwritten.next()) {
            (Some(object), None) => Some((object, true)),
            _ => None,
        }
    }

    /// The manifest object that created `obj`, an object of `running`: the manifest with the
    /// same kind, namespace and name; else the one of its controller, walking up the controller
    /// `ownerReferences` (Pod → ReplicaSet → Deployment, Pod → Job → CronJob, Pod →
    /// StatefulSet/DaemonSet) through the owners `running` holds. An owner the snapshot lacks
    /// is still looked up by the name its reference gives; a ReplicaSet or Job without a
    /// controller reference is taken for a Deployment's (`<deployment>-<pod-template-hash>`,
    /// the hash from its own or its pod's label) or a CronJob's (`<cronjob>-<digits>`).
    pub fn source_of<'r>(&self, running: &Inventory<'r>, obj: &Object<'r>) -> Option<Source<'m>> {
        let namespace = obj.namespace;
        if let Some((object, namespace_assumed)) = self.lookup(obj.kind, namespace, obj.name) {
            return Some(Source {
                object,
                owners: Vec::new(),
                namespace_assumed,
            });
        }
        let mut owners = Vec::new();
        for c in owners::controllers(running, obj) {
            owners.push(Owner {
                kind: c.kind.to_owned(),
                name: c.name.to_owned(),
                via: c.via,
                in_snapshot: c.object.is_some(),
            });
            if let Some((object, namespace_assumed)) = self.lookup(c.kind, namespace, c.name) {
                return Some(Source {
                    object,
                    owners,
                    namespace_assumed,
                });
            }
        }
        None
    }

    /// The place in `obj`'s manifest of the node of `obj` that starts at `range.start` (the
    /// innermost one, as [`NodeRef::descendant_at`] finds it).
    ///
    /// The node's key path from the object's root is followed in the manifest. Through a
    /// controller, a pod's `spec` and `metadata.labels`/`annotations` are its template's
    /// (`spec.template`, `spec.jobTemplate.spec.template` for a CronJob), a ReplicaSet's `spec`
    /// is its Deployment's (its labels are the template's), a Job's `spec` and labels are its
    /// CronJob's `spec.jobTemplate`'s; other `metadata` maps to the controller's (`name` and
    /// `namespace` to the same keys), `kind` and `apiVersion` to its own, not exactly. A pod's
    /// controller of a kind not built in (an Argo Rollout) is taken to keep its template at
    /// `spec.template`. Items of a list are matched by `name` when they have one (the same
    /// occurrence of that name, for `volumeMounts` that mount one volume twice), else by
    /// position. What the manifest does not write maps to its nearest ancestor that it writes,
    /// with `exact: false`.
    ///
    /// `range` is in `obj`'s file. `None` when `obj` has no manifest, `range.start` is outside
    /// it, or the path is under `status` (or, through a controller, outside `spec`, `metadata`,
    /// `kind` and `apiVersion`).
    pub fn relocate<'r>(
        &self,
        running: &Inventory<'r>,
        obj: &Object<'r>,
        range: TextRange,
    ) -> Option<Relocated<'m>> {
        let (path, running_key) = path_to(obj.node, range.start)?;
        if path.first() == Some(&Seg::Key("status")) {
            return None;
        }
        let source = self.source_of(running, obj)?;
        let mut path = path;
        let mut exact = true;
        let mut on_key = running_key.is_some();
        let mut child = obj.kind;
        for owner in &source.owners {
            let hop = translate(child, &owner.kind, path, on_key)?;
            path = hop.path;
            exact &= hop.exact;
            on_key = hop.on_key;
            child = &owner.kind;
        }
        let (node, key, complete) = walk(source.object.node, &path);
        let exact = exact && complete;
        let range = match (key, running_key) {
            // The object as a whole: where diagnostics about it point.
            _ if node.id() == source.object.node.id() => source.object.kind_range(),
            (Some(key), Some(running_key)) if exact && on_key => {
                if range.end > running_key.end {
                    key.range().cover(node.range())
                } else {
                    key.range()
                }
            }
            (Some(key), _) if !exact => key.range().cover(node.range()),
            _ => node.range(),
        };
        Some(Relocated {
            source,
            node,
            key,
            exact,
            range,
        })
    }
}

/// True when the manifest did not write its namespace: given the default namespace, or an
/// unknown kind written without one.
fn namespace_unwritten(object: &Object<'_>) -> bool {
    object.namespace_defaulted || (object.namespace.is_none() && object.scope == Scope::Unknown)
}

/// One step of a key path from an object's root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Seg<'a> {
    Key(&'a str),
    /// A list item: by its `name` when it has one (the `rank`-th item of that name), else by
    /// position.
    Item {
        index: usize,
        name: Option<&'a str>,
        rank: usize,
    },
}

fn item_name(item: NodeRef<'_>) -> Option<&str> {
    item.get("name")
        .filter(|n| n.is_scalar())
        .and_then(|n| n.scalar_text())
}

/// The key path from `root` to the innermost node containing `offset`, and that node's key
/// node when `offset` is on a key (the path then ends with that key).
fn path_to(root: NodeRef<'_>, offset: u32) -> Option<(Vec<Seg<'_>>, Option<TextRange>)> {
    if !root.range().contains(offset) {
        return None;
    }
    let mut path = Vec::new();
    let mut node = root;
    loop {
        if node.is_map() {
            let mut next = None;
            for (k, v) in node.entries() {
                if k.range().contains(offset) {
                    path.push(Seg::Key(k.scalar_text()?));
                    return Some((path, Some(k.range())));
                }
                if v.range().contains(offset) {
                    next = Some((k, v));
                    break;
                }
            }
            let Some((k, v)) = next else {
                return Some((path, None));
            };
            path.push(Seg::Key(k.scalar_text()?));
            node = v;
        } else if node.is_seq() {
            let Some((index, item)) = node
                .items()
                .enumerate()
                .find(|(_, i)| i.range().contains(offset))
            else {
                return Some((path, None));
            };
            let name = item_name(item);
            let rank = name.map_or(0, |n| {
                node.items()
                    .take(index)
                    .filter(|i| item_name(*i) == Some(n))
                    .count()
            });
            path.push(Seg::Item { index, name, rank });
            node = item;
        } else {
            return Some((path, None));
        }
    }
}

/// A path translated from a child kind to its controller's.
struct Hop<'a> {
    path: Vec<Seg<'a>>,
    exact: bool,
    on_key: bool,
}

/// Where a child object's parts sit in its controller.
struct Bases {
    spec: &'static [&'static str],
    labels: &'static [&'static str],
    annotations: &'static [&'static str],
}

/// Kinds whose pods carry their pod template.
const POD_CONTROLLERS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
];

fn bases(child: &str, owner: &str) -> Option<Bases> {
    let is = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    if is(child, "Pod") {
        // Controllers of other kinds (Argo Rollouts, OpenKruise) keep it at `spec.template` too.
        let template = POD_CONTROLLERS
            .iter()
            .find(|k| is(owner, k))
            .and_then(|k| kinds::pod_template_path(k))
            .unwrap_or(&["spec", "template"]);
        return Some(Bases {
            spec: template,
            labels: template,
            annotations: template,
        });
    }
    if is(child, "ReplicaSet") && is(owner, "Deployment") {
        // The Deployment controller copies the template's labels and its own annotations.
        return Some(Bases {
            spec: &[],
            labels: &["spec", "template"],
            annotations: &[],
        });
    }
    if is(child, "Job") && is(owner, "CronJob") {
        const JOB_TEMPLATE: &[&str] = &["spec", "jobTemplate"];
        return Some(Bases {
            spec: JOB_TEMPLATE,
            labels: JOB_TEMPLATE,
            annotations: JOB_TEMPLATE,
        });
    }
    None
}

fn prefixed<'a>(base: &[&'static str], path: &[Seg<'a>]) -> Vec<Seg<'a>> {
    base.iter()
        .map(|k| Seg::Key(k))
        .chain(path.iter().copied())
        .collect()
}

/// Translates a path in a `child` object to the same place in its controller `owner`. `None`
/// for paths outside `spec`, `metadata`, `kind` and `apiVersion`. A controller that is not a
/// known pod controller of the child maps `spec` and `metadata` to its root, not exactly.
fn translate<'a>(child: &str, owner: &str, path: Vec<Seg<'a>>, on_key: bool) -> Option<Hop<'a>> {
    let root = Hop {
        path: Vec::new(),
        exact: false,
        on_key: false,
    };
    let Some(&Seg::Key(top)) = path.first() else {
        return Some(root);
    };
    match top {
        "apiVersion" | "kind" => Some(Hop {
            path,
            exact: false,
            on_key,
        }),
        "spec" => Some(match bases(child, owner) {
            Some(b) => Hop {
                path: prefixed(b.spec, &path),
                exact: true,
                on_key,
            },
            None => root,
        }),
        "metadata" => {
            let Some(b) = bases(child, owner) else {
                return Some(root);
            };
            Some(match path.get(1) {
                Some(Seg::Key("labels")) => Hop {
                    path: prefixed(b.labels, &path),
                    exact: true,
                    on_key,
                },
                Some(Seg::Key("annotations")) => Hop {
                    path: prefixed(b.annotations, &path),
                    exact: true,
                    on_key,
                },
                Some(&Seg::Key(k @ ("name" | "namespace"))) if path.len() == 2 => Hop {
                    path: vec![Seg::Key("metadata"), Seg::Key(k)],
                    exact: false,
                    on_key,
                },
                _ => Hop {
                    path: vec![Seg::Key("metadata")],
                    exact: false,
                    on_key: on_key && path.len() == 1,
                },
            })
        }
        _ => None,
    }
}

/// Follows `path` from `root` as far as the tree goes: the last node reached, its key when it
/// is a mapping value, and whether the whole path was found.
fn walk<'m>(root: NodeRef<'m>, path: &[Seg<'_>]) -> (NodeRef<'m>, Option<NodeRef<'m>>, bool) {
    let mut node = root;
    let mut key = None;
    for seg in path {
        let next = match *seg {
            Seg::Key(k) => node.entry(k).map(|(k, v)| (Some(k), v)),
            Seg::Item { index, name, rank } => match name {
                Some(name) => node
                    .items()
                    .filter(|i| item_name(*i) == Some(name))
                    .nth(rank),
                None => node.items().nth(index),
            }
            .map(|item| (None, item)),
        };
        match next {
            Some((k, v)) => (key, node) = (k, v),
            None => return (node, key, false),
        }
    }
    (node, key, true)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use faultline_syntax::{FileId, ParsedText, SourceFile};

    use super::*;
    use crate::ModelOptions;

    /// Parsed files, to build an inventory from.
    struct Files {
        files: Vec<SourceFile>,
        parsed: Vec<ParsedText>,
    }

    impl Files {
        fn new(texts: &[(&str, &str)]) -> Self {
            let files: Vec<SourceFile> = texts
                .iter()
                .enumerate()
                .map(|(i, (path, text))| {
                    SourceFile::new(FileId(i as u32), *path, Arc::<str>::from(*text))
                })
                .collect();
            let parsed = files
                .iter()
                .map(faultline_syntax::load::parse_source)
                .collect();
            Self { files, parsed }
        }

        fn read(paths: &[&str]) -> Self {
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/demo/");
            let texts: Vec<(String, String)> = paths
                .iter()
                .map(|p| {
                    let text = std::fs::read_to_string(format!("{dir}{p}")).expect("demo file");
                    (p.to_string(), text)
                })
                .collect();
            let texts: Vec<(&str, &str)> = texts
                .iter()
                .map(|(p, t)| (p.as_str(), t.as_str()))
                .collect();
            Self::new(&texts)
        }

        fn inventory(&self) -> Inventory<'_> {
            let paths: Vec<&str> = self.files.iter().map(|f| f.path.as_str()).collect();
            Inventory::build_with_paths(&self.parsed, &paths, &ModelOptions::default())
        }

        /// The range of the `nth` (0-based) occurrence of `needle` in file `file`.
        fn find(&self, file: usize, needle: &str, nth: usize) -> TextRange {
            let text = &self.files[file].text;
            let start = text
                .match_indices(needle)
                .nth(nth)
                .unwrap_or_else(|| panic!("{needle:?} #{nth} not in file {file}"))
                .0;
            TextRange::new(start as u32, (start + needle.len()) as u32)
        }

        fn text(&self, object: &Object<'_>, range: TextRange) -> &str {
            self.files[object.file.0 as usize].slice(range)
        }

        /// 1-based line of `offset` in the file of `object`.
        fn line(&self, object: &Object<'_>, offset: u32) -> u32 {
            self.files[object.file.0 as usize].line_col(offset).line
        }
    }

    fn object<'i, 'a>(inv: &'i Inventory<'a>, kind: &str, name: &str) -> &'i Object<'a> {
        inv.objects
            .iter()
            .find(|o| o.kind == kind && o.name == name)
            .unwrap_or_else(|| panic!("no {kind}/{name}"))
    }

    const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    team: payments
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: sidecar
          image: envoy:1.29
        - name: app
          image: web:1.0
          resources:
            limits:
              memory: 512Mi
          env:
            - name: MODE
              value: live
";

    const POD: &str = r#"{"apiVersion": "v1", "kind": "Pod",
 "metadata": {"name": "web-5f7c9d8b4-abcde", "namespace": "shop",
   "labels": {"app": "web", "pod-template-hash": "5f7c9d8b4"},
   "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5f7c9d8b4", "uid": "u1", "controller": true}]},
 "spec": {"containers": [
   {"name": "app", "image": "web:1.0", "terminationMessagePath": "/dev/termination-log",
    "resources": {"limits": {"memory": "512Mi"}},
    "env": [{"name": "MODE", "value": "live"}, {"name": "INJECTED", "value": "x"}]},
   {"name": "sidecar", "image": "envoy:1.29"}],
  "nodeName": "node-1"},
 "status": {"phase": "Running", "containerStatuses": [{"name": "app", "restartCount": 4}]}}
"#;

    const REPLICASET: &str = r#"{"apiVersion": "apps/v1", "kind": "ReplicaSet",
 "metadata": {"name": "web-5f7c9d8b4", "namespace": "shop",
   "labels": {"app": "web", "pod-template-hash": "5f7c9d8b4"},
   "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "u0", "controller": true}]},
 "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web", "pod-template-hash": "5f7c9d8b4"}},
  "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": "web:1.0"}]}}}}
"#;

    #[test]
    fn same_kind_and_name_maps_the_same_path() {
        let running = Files::new(&[(
            "deploy.json",
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
 "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "app", "image": "web:1.0"}]}}}}"#,
        )]);
        // An old apiVersion and the kind in another case still match.
        let manifest = DEPLOYMENT
            .replace("apps/v1", "extensions/v1beta1")
            .replace("kind: Deployment", "kind: deployment");
        let manifests = Files::new(&[("web.yaml", &manifest)]);
        let (run, man) = (running.inventory(), manifests.inventory());
        let index = ManifestIndex::new(&man);
        let deploy = &run.objects[0];

        let source = index.source_of(&run, deploy).expect("source");
        assert!(source.owners.is_empty() && !source.namespace_assumed);

        let at = running.find(0, "3", 0);
        let r = index.relocate(&run, deploy, at).expect("replicas");
        assert!(r.exact);
        assert_eq!(manifests.text(r.source.object, r.range), "3");
        assert_eq!(manifests.line(r.source.object, r.range.start), 9);

        // A location starting at a key and covering its value maps to key through value.
        let at = running.find(0, r#""image": "web:1.0""#, 0);
        let r = index.relocate(&run, deploy, at).expect("image");
        assert!(r.exact);
        assert_eq!(
            manifests.text(r.source.object, r.range),
            "image: web:1.0",
            "{r:?}"
        );
        // The key alone maps to the key alone.
        let at = running.find(0, r#""image""#, 0);
        let r = index.relocate(&run, deploy, at).expect("image key");
        assert_eq!(manifests.text(r.source.object, r.range), "image");
    }

    #[test]
    fn pod_maps_through_the_replicaset_in_the_snapshot_to_the_deployment() {
        let running = Files::new(&[("pod.json", POD), ("rs.json", REPLICASET)]);
        let manifests = Files::new(&[("web.yaml", DEPLOYMENT)]);
        let (run, man) = (running.inventory(), manifests.inventory());
        let index = ManifestIndex::new(&man);
        let pod = object(&run, "Pod", "web-5f7c9d8b4-abcde");

        let source = index.source_of(&run, pod).expect("source");
        assert_eq!(source.object.kind, "Deployment");
        assert_eq!(
            source.owners,
            vec![
                Owner {
                    kind: "ReplicaSet".into(),
                    name: "web-5f7c9d8b4".into(),
                    via: Via::OwnerReference,
                    in_snapshot: true,
                },
                Owner {
                    kind: "Deployment".into(),
                    name: "web".into(),
                    via: Via::OwnerReference,
                    in_snapshot: false,
                },
            ]
        );

        let at = running.find(0, r#""512Mi""#, 0);
        let r = index.relocate(&run, pod, at).expect("memory");
        assert!(r.exact);
        assert_eq!(manifests.line(r.source.object, r.range.start), 24);
        assert_eq!(manifests.text(r.source.object, r.range), "512Mi");

        // Pod labels are the template's.
        let at = running.find(0, r#""app": "web""#, 0);
        let r = index.relocate(&run, pod, at).expect("label");
        assert!(r.exact);
        assert_eq!(manifests.line(r.source.object, r.range.start), 15);

        // The pod's name is the Deployment's name, not exactly.
        let at = running.find(0, r#""web-5f7c9d8b4-abcde""#, 0);
        let r = index.relocate(&run, pod, at).expect("name");
        assert!(!r.exact);
        assert_eq!(manifests.text(r.source.object, r.range), "name: web");

        // The ReplicaSet's spec is the Deployment's, its labels the template's; its hash
        // label is not written there.
        let rs = object(&run, "ReplicaSet", "web-5f7c9d8b4");
        let at = running.find(1, r#""app": "web""#, 0);
        let r = index.relocate(&run, rs, at).expect("rs label");
        assert!(r.exact);
        assert_eq!(manifests.text(r.source.object, r.range), "app: web");
        assert_eq!(manifests.line(r.source.object, r.range.start), 15);
        let at = running.find(1, r#""replicas": 3"#, 0);
        let r = index.relocate(&run, rs, at).expect("rs replicas");
        assert!(r.exact);
        assert_eq!(manifests.text(r.source.object, r.range), "replicas: 3");
        let at = running.find(1, r#""pod-template-hash""#, 1);
        let r = index.relocate(&run, rs, at).expect("rs selector");
        assert!(!r.exact);
        assert_eq!(manifests.line(r.source.object, r.range.start), 11);
    }

    #[test]
    fn pod_without_its_replicaset_finds_the_deployment_by_pod_template_hash() {
        let running = Files::new(&[("pod.json", POD)]);
        let manifests = Files::new(&[("web.yaml", DEPLOYMENT)]);
        let (run, man) = (running.inventory(), manifests.inventory());
        let index = ManifestIndex::new(&man);
        let pod = &run.objects[0];

        let source = index.source_of(&run, pod).expect("source");
        let vias: Vec<(Via, bool)> = source
            .owners
            .iter()
            .map(|o| (o.via, o.in_snapshot))
            .collect();
        assert_eq!(
            vias,
            [(Via::OwnerReference, false), (Via::PodTemplateHash, false)]
        );
        assert_eq!(source.owners[1].name, "web");

        let at = running.find(0, r#""web:1.0""#, 0);
        let r = index.relocate(&run, pod, at).expect("image");
        assert!(r.exact);
        assert_eq!(manifests.line(r.source.object, r.range.start), 21);

        // Without the label the Deployment cannot be told from the ReplicaSet's name.
        let unlabelled = POD.replace(r#", "pod-template-hash": "5f7c9d8b4""#, "");
        let running = Files::new(&[("pod.json", &unlabelled)]);
        let run = running.inventory();
        assert!(index.source_of(&run, &run.objects[0]).is_none());
    }

    #[test]
    fn job_pod_maps_to_the_cronjob_template() {
        let cronjob = "\
apiVersion: batch/v1beta1
kind: CronJob
metadata:
  name: cleanup
  namespace: shop
spec:
  schedule: '0 3 * * *'
  jobTemplate:
    metadata:
      labels: {team: ops}
    spec:
      backoffLimit: 2
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: cleanup
              image: cleanup:1
";
        let pod = r#"{"apiVersion": "v1", "kind": "Pod",
 "metadata": {"name": "cleanup-28890060-xk2lp", "namespace": "shop", "labels": {"job-name": "cleanup-28890060"},
   "ownerReferences": [{"kind": "Job", "name": "cleanup-28890060", "controller": true}]},
 "spec": {"restartPolicy": "OnFailure", "containers": [{"name": "cleanup", "image": "cleanup:1"}]}}
"#;
        let job = r#"{"apiVersion": "batch/v1", "kind": "Job",
 "metadata": {"name": "cleanup-28890060", "namespace": "shop", "labels": {"team": "ops"},
   "ownerReferences": [{"kind": "CronJob", "name": "cleanup", "controller": true}]},
 "spec": {"backoffLimit": 2, "template": {"spec": {"containers": [{"name": "cleanup"}]}}}}
"#;
        let manifests = Files::new(&[("cron.yaml", cronjob)]);
        let man = manifests.inventory();
        let index = ManifestIndex::new(&man);

        // The Job is not in the snapshot: the CronJob is found by the Job's name.
        let running = Files::new(&[("pod.json", pod)]);
        let run = running.inventory();
        let source = index.source_of(&run, &run.objects[0]).expect("source");
        assert_eq!(source.owners[1].via, Via::CronJobName);
        let at = running.find(0, r#""cleanup:1""#, 0);
        let r = index.relocate(&run, &run.objects[0], at).expect("image");
        assert!(r.exact);
        assert_eq!(manifests.line(r.source.object, r.range.start), 18);
        let at = running.find(0, r#""OnFailure""#, 0);
        let r = index
            .relocate(&run, &run.objects[0], at)
            .expect("restartPolicy");
        assert_eq!(manifests.line(r.source.object, r.range.start), 15);

        // With the Job in the snapshot its reference is followed; the Job's spec and labels
        // are the jobTemplate's.
        let running = Files::new(&[("pod.json", pod), ("job.json", job)]);
        let run = running.inventory();
        let source = index.source_of(&run, &run.objects[0]).expect("source");
        assert_eq!(
            source.owners.iter().map(|o| o.via).collect::<Vec<_>>(),
            [Via::OwnerReference, Via::OwnerReference]
        );
        let job = object(&run, "Job", "cleanup-28890060");
        let at = running.find(1, r#""backoffLimit": 2"#, 0);
        let r = index.relocate(&run, job, at).expect("backoffLimit");
        assert!(r.exact);
        assert_eq!(manifests.text(r.source.object, r.range), "backoffLimit: 2");
        let at = running.find(1, r#""ops""#, 0);
        let r = index.relocate(&run, job, at).expect("label");
        assert!(r.exact);
        assert_eq!(manifests.line(r.source.object, r.range.start), 10);
    }

    #[test]
    fn named_list_items_match_by_name_not_position() {
        // The pod lists `app` first; the manifest lists `sidecar` first.
        let running = Files::new(&[("pod.json", POD)]);
        let manifests = Files::new(&[("web.yaml", DEPLOYMENT)]);
        let (run, man) = (running.inventory(), manifests.inventory());
        let index = ManifestIndex::new(&man);
        let pod = &run.objects[0];

        let at = running.find(0, r#""envoy:1.29""#, 0);
        let r = index.relocate(&run, pod, at).expect("sidecar image");
        assert!(r.exact);
        assert_eq!(manifests.line(r.source.object, r.range.start), 19);

        let at = running.find(0, r#""live""#, 0);
        let r = index.relocate(&run, pod, at).expect("env value");
        assert!(r.exact);
        assert_eq!(manifests.line(r.source.object, r.range.start), 27);

        // An env var a webhook added maps to the manifest's `env`.
        let at = running.find(0, r#""INJECTED""#, 0);
        let r = index.relocate(&run, pod, at).expect("injected env");
        assert!(!r.exact);
        assert_eq!(manifests.line(r.source.object, r.range.start), 25);
        assert!(manifests.text(r.source.object, r.range).starts_with("env:"));
    }

    #[test]
    fn repeated_names_match_the_same_occurrence() {
        // One volume mounted twice; the API server appended the service account token mount.
        let manifest = "\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data}
spec:
  template:
    spec:
      containers:
        - name: db
          volumeMounts:
            - {name: data, mountPath: /var/lib/db}
            - {name: cfg, mountPath: /etc/db, subPath: db.conf}
            - {name: cfg, mountPath: /etc/db-extra, subPath: extra.conf}
";
        let pod = r#"{"apiVersion": "v1", "kind": "Pod",
 "metadata": {"name": "db-0", "namespace": "data",
   "ownerReferences": [{"kind": "StatefulSet", "name": "db", "controller": true}]},
 "spec": {"containers": [{"name": "db", "volumeMounts": [
   {"name": "cfg", "mountPath": "/etc/db", "subPath": "db.conf"},
   {"name": "cfg", "mountPath": "/etc/db-extra", "subPath": "extra.conf"},
   {"name": "data", "mountPath": "/var/lib/db"},
   {"name": "kube-api-access-x1", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]}]}}
"#;
        let running = Files::new(&[("pod.json", pod)]);
        let manifests = Files::new(&[("db.yaml", manifest)]);
        let (run, man) = (running.inventory(), manifests.inventory());
        let index = ManifestIndex::new(&man);
        let pod = &run.objects[0];
        for (needle, line) in [
            (r#""/etc/db-extra""#, 12),
            (r#""/etc/db""#, 11),
            (r#""/var/lib/db""#, 10),
        ] {
            let r = index
                .relocate(&run, pod, running.find(0, needle, 0))
                .expect(needle);
            assert!(r.exact, "{needle}");
            assert_eq!(
                manifests.line(r.source.object, r.range.start),
                line,
                "{needle}"
            );
        }
        let at = running.find(0, "kube-api-access-x1", 0);
        let r = index.relocate(&run, pod, at).expect("token mount");
        assert!(!r.exact);
        assert_eq!(manifests.line(r.source.object, r.range.start), 9);
    }

    #[test]
    fn defaulted_field_maps_to_its_parent_not_exactly() {
        let running = Files::new(&[("pod.json", POD)]);
        let manifests = Files::new(&[("web.yaml", DEPLOYMENT)]);
        let (run, man) = (running.inventory(), manifests.inventory());
        let index = ManifestIndex::new(&man);
        let pod = &run.objects[0];

        let at = running.find(0, r#""/dev/termination-log""#, 0);
        let r = index
            .relocate(&run, pod, at)
            .expect("terminationMessagePath");
        assert!(!r.exact);
        // The `app` container item.
        assert!(r.key.is_none() && r.node.is_map());
        assert_eq!(r.node.get("name").and_then(|n| n.as_str()), Some("app"));
        assert_eq!(manifests.line(r.source.object, r.range.start), 20);

        // `nodeName`, set by the scheduler, maps to the template's `spec`.
        let at = running.find(0, r#""nodeName""#, 0);
        let r = index.relocate(&run, pod, at).expect("nodeName");
        assert!(!r.exact);
        assert_eq!(r.key.and_then(|k| k.scalar_text()), Some("spec"), "{r:?}");
        assert_eq!(manifests.line(r.source.object, r.range.start), 16);
    }

    #[test]
    fn whole_object_locations_map_to_the_kind_line() {
        // A pod from a `PodList` of a dump: its items have no `kind`, so `kind_range` is the
        // whole item.
        let list = format!(
            r#"{{"apiVersion": "v1", "kind": "PodList", "items": [{}]}}"#,
            POD.replace(r#""apiVersion": "v1", "kind": "Pod","#, "")
        );
        let running = Files::new(&[("pods.json", &list), ("pod.json", POD)]);
        let manifests = Files::new(&[("web.yaml", DEPLOYMENT)]);
        let (run, man) = (running.inventory(), manifests.inventory());
        let index = ManifestIndex::new(&man);
        for pod in &run.objects {
            assert_eq!(pod.kind, "Pod");
            let r = index.relocate(&run, pod, pod.kind_range()).expect("object");
            assert!(!r.exact);
            assert_eq!(manifests.text(r.source.object, r.range), "kind: Deployment");
        }
    }

    #[test]
    fn pod_of_an_unknown_controller_maps_to_its_spec_template() {
        let rollout = "\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: app
          image: web:1.0
";
        let pod = POD.replace(
            r#""kind": "ReplicaSet", "name": "web-5f7c9d8b4""#,
            r#""kind": "Rollout", "name": "web""#,
        );
        let running = Files::new(&[("pod.json", &pod)]);
        let manifests = Files::new(&[("rollout.yaml", rollout)]);
        let (run, man) = (running.inventory(), manifests.inventory());
        let index = ManifestIndex::new(&man);
        let at = running.find(0, r#""web:1.0""#, 0);
        let r = index.relocate(&run, &run.objects[0], at).expect("image");
        assert!(r.exact);
        assert_eq!(manifests.line(r.source.object, r.range.start), 11);
    }

    #[test]
    fn status_never_maps() {
        let running = Files::new(&[("pod.json", POD), ("rs.json", REPLICASET)]);
        let manifests = Files::new(&[("web.yaml", DEPLOYMENT)]);
        let (run, man) = (running.inventory(), manifests.inventory());
        let index = ManifestIndex::new(&man);
        let pod = &run.objects[0];
        for needle in [r#""Running""#, r#""restartCount": 4"#, r#""status""#] {
            let at = running.find(0, needle, 0);
            assert!(index.relocate(&run, pod, at).is_none(), "{needle}");
        }
        // Not even on an object the manifest declares itself.
        let running = Files::new(&[(
            "deploy.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: 3\nstatus:\n  replicas: 3\n",
        )]);
        let run = running.inventory();
        let at = running.find(0, "3", 1);
        assert!(index.relocate(&run, &run.objects[0], at).is_none());
        let at = running.find(0, "3", 0);
        assert!(index.relocate(&run, &run.objects[0], at).is_some());
    }

    #[test]
    fn manifest_without_namespace_matches_any_namespace_when_unambiguous() {
        let no_namespace = DEPLOYMENT.replace("  namespace: shop\n", "");
        let running = Files::new(&[("pod.json", POD)]);
        let manifests = Files::new(&[("web.yaml", &no_namespace)]);
        let (run, man) = (running.inventory(), manifests.inventory());
        let index = ManifestIndex::new(&man);
        let pod = &run.objects[0];
        let source = index.source_of(&run, pod).expect("source");
        assert!(source.namespace_assumed);
        let at = running.find(0, r#""512Mi""#, 0);
        let r = index.relocate(&run, pod, at).expect("memory");
        assert!(r.exact);
        assert_eq!(manifests.text(r.source.object, r.range), "512Mi");

        // Two namespace-less manifests of that name (two charts): ambiguous.
        let manifests = Files::new(&[("a.yaml", &no_namespace), ("b.yaml", &no_namespace)]);
        let man = manifests.inventory();
        assert!(ManifestIndex::new(&man).source_of(&run, pod).is_none());

        // A manifest that writes another namespace never matches.
        let elsewhere = DEPLOYMENT.replace("namespace: shop", "namespace: staging");
        let manifests = Files::new(&[("web.yaml", &elsewhere)]);
        let man = manifests.inventory();
        assert!(ManifestIndex::new(&man).source_of(&run, pod).is_none());

        // Given the default namespace `shop`, one that writes it wins over a later one that
        // does not.
        let manifests = Files::new(&[("a.yaml", DEPLOYMENT), ("b.yaml", &no_namespace)]);
        let paths = ["a.yaml", "b.yaml"];
        let options = ModelOptions {
            default_namespace: "shop",
        };
        let man = Inventory::build_with_paths(&manifests.parsed, &paths, &options);
        assert_eq!(man.objects[1].namespace, Some("shop"));
        let source = ManifestIndex::new(&man)
            .source_of(&run, pod)
            .expect("source");
        assert_eq!(source.object.file, FileId(0));
        assert!(!source.namespace_assumed);
    }

    #[test]
    fn no_manifest_no_source() {
        let running = Files::new(&[("pod.json", POD), ("rs.json", REPLICASET)]);
        let manifests = Files::new(&[(
            "other.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  replicas: 1\n",
        )]);
        let (run, man) = (running.inventory(), manifests.inventory());
        let index = ManifestIndex::new(&man);
        let pod = &run.objects[0];
        assert!(index.source_of(&run, pod).is_none());
        let at = running.find(0, r#""512Mi""#, 0);
        assert!(index.relocate(&run, pod, at).is_none());
        // With the manifest, a range outside the object still maps nowhere.
        let manifests = Files::new(&[("web.yaml", DEPLOYMENT)]);
        let man = manifests.inventory();
        let index = ManifestIndex::new(&man);
        assert!(index.relocate(&run, pod, at).is_some());
        let after = TextRange::empty(pod.node.range().end + 1);
        assert!(index.relocate(&run, pod, after).is_none());
    }

    #[test]
    fn demo_pod_maps_into_payment_service_yaml() {
        let running = Files::read(&[
            "snapshot/shop/pods.json",
            "snapshot/shop/replicasets.json",
            "snapshot/shop/deployments.json",
        ]);
        let manifests = Files::read(&["payment-service.yaml", "order-service.yaml"]);
        let (run, man) = (running.inventory(), manifests.inventory());
        let index = ManifestIndex::new(&man);
        let pod = object(&run, "Pod", "payment-service-7d9f8c6b5-x2x4k");
        let source = index.source_of(&run, pod).expect("source");
        assert_eq!(
            (source.object.kind, source.object.name),
            ("Deployment", "payment-service")
        );
        assert_eq!(source.object.file, FileId(0));

        // pods.json line 58: `"memory": "2Gi"` under limits of container `app`.
        let at = running.find(0, r#""memory": "2Gi""#, 0);
        assert_eq!(running.files[0].line_col(at.start).line, 58);
        let r = index.relocate(&run, pod, at).expect("memory limit");
        assert!(r.exact);
        assert_eq!(manifests.line(r.source.object, r.range.start), 35);
        assert_eq!(manifests.text(r.source.object, r.range), "memory: 2Gi");
        let value = running.find(0, r#""2Gi""#, 0);
        let r = index.relocate(&run, pod, value).expect("memory value");
        assert_eq!(manifests.text(r.source.object, r.range), "2Gi");

        // pods.json line 67: the liveness probe's `initialDelaySeconds`, line 40 of the
        // manifest.
        let at = running.find(0, r#""initialDelaySeconds": 2"#, 0);
        assert_eq!(running.files[0].line_col(at.start).line, 67);
        let r = index.relocate(&run, pod, at).expect("initialDelaySeconds");
        assert!(r.exact);
        assert_eq!(manifests.line(r.source.object, r.range.start), 40);
        // `timeoutSeconds`, defaulted by the API server, is not in the manifest: the probe
        // (line 36, key and value) is the nearest place it writes.
        let at = running.find(0, r#""timeoutSeconds": 1"#, 0);
        let r = index.relocate(&run, pod, at).expect("timeoutSeconds");
        assert!(!r.exact);
        assert_eq!(manifests.line(r.source.object, r.range.start), 36);

        // The env vars (lines 26-27, 28-29).
        let at = running.find(0, r#""-Xmx1536m""#, 0);
        let r = index.relocate(&run, pod, at).expect("JAVA_OPTS");
        assert!(r.exact);
        assert_eq!(manifests.line(r.source.object, r.range.start), 27);
        let at = running.find(0, r#""REDIS_HOST""#, 0);
        let r = index.relocate(&run, pod, at).expect("REDIS_HOST");
        assert!(r.exact);
        assert_eq!(manifests.line(r.source.object, r.range.start), 28);

        // order-service.yaml writes `containers:` twice; the second (line 28) is kept.
        let order = object(&run, "Pod", "order-service-5c7d9f4b8-m3k8z");
        let image = running.find(0, "registry.example.com/shop/order-service", 0);
        assert!(order.node.range().contains(image.start));
        let r = index.relocate(&run, order, image).expect("order image");
        assert!(r.exact);
        assert_eq!(r.source.object.file, FileId(1));
        assert_eq!(manifests.line(r.source.object, r.range.start), 30);
    }
}
