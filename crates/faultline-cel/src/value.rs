//! YAML trees as CEL values, borrowing the source text.

use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString,
};
use cel::common::value::Val;
use faultline_syntax::tree::{NodeKind, NodeRef};
use std::collections::HashMap;

/// The CEL value of a node as the API server would see the object: maps with string keys,
/// lists, and scalars resolved as Kubernetes decodes YAML (`yes` is `true`, `0644` is 420).
/// Strings borrow the source; nothing is copied but the containers.
pub fn to_val<'t>(node: NodeRef<'t>) -> Box<dyn Val + 't> {
    match node.kind() {
        NodeKind::Null => Box::new(CelNull),
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
        NodeKind::Seq => {
            let items: Vec<Box<dyn Val + 't>> = node.items().map(to_val).collect();
            Box::new(CelList::from(items))
        }
        NodeKind::Map => {
            let mut map: HashMap<CelMapKey<'t>, Box<dyn Val + 't>> =
                HashMap::with_capacity(node.len());
            for (k, v) in node.entries() {
                let key = k.scalar_text().unwrap_or("");
                // Duplicate keys: the last one wins, as in the decoded object.
                map.insert(CelMapKey::from(key), to_val(v));
            }
            Box::new(CelMap::from(map))
        }
    }
}
