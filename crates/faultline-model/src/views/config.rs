//! ConfigMap and Secret: which keys they hold, never what the values are.

use faultline_syntax::{NodeRef, TextRange};

use super::{fields, view};
use crate::field::Field;

/// One key of a ConfigMap's `data`/`binaryData` or a Secret's `data`/`stringData`.
///
/// It carries the key and where the value is written, never the value's text: a Secret's values
/// are credentials and must not reach any output (see the CLI's redaction), and a view that
/// handed them out would put every rule one `format!` away from a leak. ConfigMaps get the same
/// shape so that rules about keys (a volume's `items[].key`, an `envFrom` prefix) read both
/// kinds alike.
#[derive(Clone, Copy, Debug)]
pub struct DataKey<'a> {
    /// The key, at its key node.
    pub name: Field<'a, &'a str>,
    /// The map it is in: `data`, `binaryData` or `stringData`.
    pub field: &'static str,
    /// Where the value is written (to point at or to mask, not to read).
    pub value_range: TextRange,
}

/// The keys of the mappings `fields` of the object `node`, in that order.
fn keys<'a>(
    node: NodeRef<'a>,
    fields: &'static [&'static str],
) -> impl Iterator<Item = DataKey<'a>> + 'a {
    fields.iter().flat_map(move |&field| {
        node.get(field)
            .into_iter()
            .flat_map(|map| map.entries())
            .filter_map(move |(k, v)| {
                Some(DataKey {
                    name: Field {
                        value: k.scalar_text()?,
                        node: k,
                    },
                    field,
                    value_range: v.range(),
                })
            })
    })
}

view!(
    /// A `ConfigMap`.
    ConfigMap
);

impl<'a> ConfigMap<'a> {
    /// The keys of `data`, then of `binaryData`.
    pub fn keys(self) -> impl Iterator<Item = DataKey<'a>> + 'a {
        keys(self.object.node, &["data", "binaryData"])
    }
    fields! { (.object.node)
        immutable: bool = "immutable",
    }
}

view!(
    /// A `Secret`. There is deliberately no accessor for values: see [`DataKey`].
    Secret
);

impl<'a> Secret<'a> {
    fields! { (.object.node)
        /// `Opaque` when absent; `kubernetes.io/tls`, `kubernetes.io/dockerconfigjson`, …
        type_: str = "type",
        immutable: bool = "immutable",
    }
    /// The keys of `data`, then of `stringData` (a key in both ends up with the `stringData`
    /// value once written).
    pub fn keys(self) -> impl Iterator<Item = DataKey<'a>> + 'a {
        keys(self.object.node, &["data", "stringData"])
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::yaml;
    use super::*;

    #[test]
    fn config_map_keys_with_positions() {
        let s = yaml(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata:\n  app.properties: |\n    a=1\n  LOG_LEVEL: debug\nbinaryData:\n  logo.png: iVBORw0KGgo=\nimmutable: true\n",
        );
        let cm = ConfigMap::of(s.obj(0)).unwrap();
        let keys: Vec<_> = cm.keys().collect();
        let names: Vec<_> = keys.iter().map(|k| (k.field, k.name.value)).collect();
        assert_eq!(
            names,
            [
                ("data", "app.properties"),
                ("data", "LOG_LEVEL"),
                ("binaryData", "logo.png")
            ]
        );
        assert_eq!(s.at(keys[1].name.node), (7, 3));
        assert_eq!(s.slice(keys[1].value_range), "debug");
        assert!(cm.immutable().unwrap().value);
    }

    #[test]
    fn secret_type_and_keys_without_values() {
        let s = yaml(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ntype: kubernetes.io/basic-auth\ndata:\n  username: YWRtaW4=\nstringData:\n  password: hunter2\n",
        );
        let secret = Secret::of(s.obj(0)).unwrap();
        assert_eq!(secret.type_().unwrap().value, "kubernetes.io/basic-auth");
        let keys: Vec<_> = secret.keys().collect();
        assert_eq!(keys[0].name.value, "username");
        assert_eq!(keys[1].field, "stringData");
        assert_eq!(keys[1].name.value, "password");
        assert_eq!(s.at(keys[1].name.node), (8, 3));
        assert!(secret.immutable().is_none());
        assert!(ConfigMap::of(s.obj(0)).is_none());
    }

    #[test]
    fn malformed_data_has_no_keys() {
        let s = yaml(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\ntype: 3\ndata: [a, b]\nstringData: oops\nimmutable: 'yes'\n",
        );
        let secret = Secret::of(s.obj(0)).unwrap();
        assert!(secret.type_().is_none());
        assert_eq!(secret.keys().count(), 0);
        assert!(secret.immutable().is_none());
    }
}
