//! `faultline graph`: the relations between the input's objects, as Graphviz dot, Mermaid or
//! JSON. Output is deterministic: nodes sorted by id, edges by source, relation, target and
//! the position of the reference.
//!
//! JSON (version 1):
//!
//! ```json
//! {
//!   "version": 1,
//!   "nodes": [
//!     { "id": "Deployment/shop/web", "kind": "Deployment", "namespace": "shop", "name": "web",
//!       "missing": false, "location": { "path": "app.yaml", "line": 12 } },
//!     { "id": "Secret/shop/db", "kind": "Secret", "namespace": "shop", "name": "db",
//!       "missing": true, "location": null }
//!   ],
//!   "edges": [
//!     { "from": "Service/shop/web", "to": "Deployment/shop/web", "relation": "selects",
//!       "site": { "path": "app.yaml", "line": 5, "column": 13 } }
//!   ]
//! }
//! ```
//!
//! A node is every object with an edge, and every object the input references but does not
//! contain (`missing: true`). Objects with the same kind, namespace and name (the same object
//! applied twice) are one node, located at the last one, as `kubectl apply` would leave it.

use std::collections::{BTreeMap, BTreeSet};

use faultline_graph::{EdgeTarget, Graph};
use faultline_model::Object;
use faultline_syntax::{FileId, SourceFile};
use serde_json::json;

use crate::session::{LoadArgs, Setup};

/// An output format of `faultline graph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Node {
    id: String,
    kind: String,
    namespace: Option<String>,
    name: String,
    /// (path, line) of the object, `None` for a missing one.
    location: Option<(String, u32)>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct EdgeOut {
    from: String,
    relation: &'static str,
    to: String,
    path: String,
    line: u32,
    column: u32,
}

fn node_id(kind: &str, namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("{kind}/{ns}/{name}"),
        None => format!("{kind}/{name}"),
    }
}

fn location(files: &[SourceFile], file: FileId, offset: u32) -> (String, u32, u32) {
    let f = &files[file.0 as usize];
    let lc = f.line_col(offset);
    (f.path.clone(), lc.line, lc.column)
}

fn object_node(files: &[SourceFile], obj: &Object<'_>) -> Node {
    let (path, line, _) = location(files, obj.file, obj.kind_range().start);
    Node {
        id: node_id(obj.kind, obj.namespace, obj.name),
        kind: obj.kind.to_owned(),
        namespace: obj.namespace.map(str::to_owned),
        name: obj.name.to_owned(),
        location: Some((path, line)),
    }
}

/// The graph as sorted nodes and edges.
fn collect(files: &[SourceFile], graph: &Graph<'_>) -> (Vec<Node>, Vec<EdgeOut>) {
    let inv = graph.inventory;
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    let mut edges: BTreeSet<EdgeOut> = BTreeSet::new();
    let add_object = |obj: &Object<'_>, nodes: &mut BTreeMap<String, Node>| {
        let node = object_node(files, obj);
        let id = node.id.clone();
        // The last object of an identity wins, as in the inventory.
        let last = inv
            .find(obj.kind, obj.namespace, obj.name)
            .is_none_or(|o| o.id == obj.id);
        if last || !nodes.contains_key(&id) {
            nodes.insert(id.clone(), node);
        }
        id
    };
    for e in graph.edges() {
        let from = add_object(inv.get(e.from), &mut nodes);
        let to = match e.to {
            EdgeTarget::Object(t) => add_object(inv.get(t), &mut nodes),
            EdgeTarget::Missing {
                kind,
                namespace,
                name,
            } => {
                let id = node_id(kind, namespace, name);
                nodes.entry(id.clone()).or_insert_with(|| Node {
                    id: id.clone(),
                    kind: kind.to_owned(),
                    namespace: namespace.map(str::to_owned),
                    name: name.to_owned(),
                    location: None,
                });
                id
            }
        };
        let (path, line, column) = location(files, e.file, e.site.range().start);
        edges.insert(EdgeOut {
            from,
            relation: e.relation.as_str(),
            to,
            path,
            line,
            column,
        });
    }
    (nodes.into_values().collect(), edges.into_iter().collect())
}

/// Edges with distinct (source, relation, target), in order.
fn distinct(edges: &[EdgeOut]) -> impl Iterator<Item = &EdgeOut> {
    edges.iter().enumerate().filter_map(|(i, e)| {
        let same = |p: &EdgeOut| (&p.from, p.relation, &p.to) == (&e.from, e.relation, &e.to);
        (i == 0 || !same(&edges[i - 1])).then_some(e)
    })
}

/// A quoted dot string of text from the input: control characters shown as escapes first.
fn dot_string(s: &str) -> String {
    let s = crate::render::escape::visible(s);
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn render_dot(nodes: &[Node], edges: &[EdgeOut]) -> String {
    let mut out = String::from("digraph faultline {\n  rankdir=LR;\n  node [shape=box];\n");
    for n in nodes {
        let attrs = if n.location.is_none() {
            let id = dot_string(&n.id);
            // `\n` inside a dot string is a line break in the label.
            format!(
                " [label={}\\n(missing)\", style=dashed, color=red]",
                &id[..id.len() - 1]
            )
        } else {
            String::new()
        };
        out.push_str(&format!("  {}{attrs};\n", dot_string(&n.id)));
    }
    // One arrow per source, relation and target; JSON lists every site.
    for e in distinct(edges) {
        out.push_str(&format!(
            "  {} -> {} [label={}];\n",
            dot_string(&e.from),
            dot_string(&e.to),
            dot_string(e.relation)
        ));
    }
    out.push_str("}\n");
    out
}

/// A Mermaid label of text from the input: control characters shown as escapes, quotes as
/// entities.
fn mermaid_label(s: &str) -> String {
    crate::render::escape::visible(s).replace('"', "#quot;")
}

fn render_mermaid(nodes: &[Node], edges: &[EdgeOut]) -> String {
    let index: BTreeMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let mut out = String::from("flowchart LR\n");
    for (i, n) in nodes.iter().enumerate() {
        if n.location.is_none() {
            out.push_str(&format!(
                "  n{i}[\"{} (missing)\"]:::missing\n",
                mermaid_label(&n.id)
            ));
        } else {
            out.push_str(&format!("  n{i}[\"{}\"]\n", mermaid_label(&n.id)));
        }
    }
    for e in distinct(edges) {
        out.push_str(&format!(
            "  n{} -->|{}| n{}\n",
            index[e.from.as_str()],
            e.relation,
            index[e.to.as_str()]
        ));
    }
    if nodes.iter().any(|n| n.location.is_none()) {
        out.push_str("  classDef missing stroke:#c00,stroke-dasharray:5 5\n");
    }
    out
}

fn render_json(nodes: &[Node], edges: &[EdgeOut]) -> String {
    let nodes: Vec<_> = nodes
        .iter()
        .map(|n| {
            json!({
                "id": n.id,
                "kind": n.kind,
                "namespace": n.namespace,
                "name": n.name,
                "missing": n.location.is_none(),
                "location": n.location.as_ref().map(|(path, line)| json!({"path": path, "line": line})),
            })
        })
        .collect();
    let edges: Vec<_> = edges
        .iter()
        .map(|e| {
            json!({
                "from": e.from,
                "to": e.to,
                "relation": e.relation,
                "site": {"path": e.path, "line": e.line, "column": e.column},
            })
        })
        .collect();
    let doc = json!({"version": 1, "nodes": nodes, "edges": edges});
    crate::render::escape::to_json_pretty(&doc) + "\n"
}

/// Renders the relations of the inputs at `paths`, read as every command reads them
/// (`load`: the configuration, globs, namespace, `--max-input-size`). Returns the output and
/// warnings about inputs that could not be read or parsed (which the caller prints); `Err` is
/// a usage or configuration error.
pub fn graph(
    paths: &[String],
    load: &LoadArgs,
    format: GraphFormat,
) -> Result<(String, Vec<String>), String> {
    let session = Setup::new(load)?.load(paths)?;
    let warnings = session.input_warnings();
    let (nodes, edges) = session.with_model(&|_| (), |m| collect(m.files, m.graph));
    let text = match format {
        GraphFormat::Dot => render_dot(&nodes, &edges),
        GraphFormat::Mermaid => render_mermaid(&nodes, &edges),
        GraphFormat::Json => render_json(&nodes, &edges),
    };
    Ok((text, warnings))
}
