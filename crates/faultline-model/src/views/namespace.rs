//! Namespace.

use super::{fields, strings, view};
use crate::field::{self, Field};
use crate::object::string_map;

/// The label the API server sets on every namespace to its name (since Kubernetes 1.21), so
/// that a `namespaceSelector` can pick namespaces by name.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

view!(
    /// A `Namespace`.
    Namespace
);

impl<'a> Namespace<'a> {
    /// The labels the namespace has once created: those written, with
    /// `kubernetes.io/metadata.name` set to the namespace's name (the API server overwrites
    /// any value written for it). Without `metadata.name` only the written labels are known.
    pub fn labels(self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        let name = field::str(self.object.metadata(), "name").map(|f| f.value);
        string_map(self.object.node.path(&["metadata", "labels"]))
            .filter(move |(k, _)| name.is_none() || *k != NAMESPACE_NAME_LABEL)
            .chain(name.map(|name| (NAMESPACE_NAME_LABEL, name)))
    }
    fields! { (.object.status())
        /// `Active` (also when absent) or `Terminating`.
        phase: str = "phase",
    }
    /// `spec.finalizers` (`kubernetes`): a namespace stays `Terminating` until they are gone.
    pub fn finalizers(self) -> impl Iterator<Item = Field<'a, &'a str>> + 'a {
        strings(self.object.node.path(&["spec", "finalizers"]))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::yaml;
    use super::*;

    #[test]
    fn implicit_name_label_overrides_the_written_one() {
        let s = yaml(
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    team: a\n    kubernetes.io/metadata.name: other\nspec:\n  finalizers: [kubernetes]\nstatus:\n  phase: Terminating\n",
        );
        let ns = Namespace::of(s.obj(0)).unwrap();
        assert_eq!(
            ns.labels().collect::<Vec<_>>(),
            [("team", "a"), (NAMESPACE_NAME_LABEL, "shop")]
        );
        let phase = ns.phase().unwrap();
        assert_eq!(phase.value, "Terminating");
        assert_eq!(s.at(phase.node), (11, 10));
        assert_eq!(ns.finalizers().next().unwrap().value, "kubernetes");
    }

    #[test]
    fn without_a_name_only_written_labels() {
        let s = yaml(
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  generateName: tmp-\n  labels: {kubernetes.io/metadata.name: x}\nstatus: {phase: [Active]}\n",
        );
        let ns = Namespace::of(s.obj(0)).unwrap();
        assert_eq!(
            ns.labels().collect::<Vec<_>>(),
            [(NAMESPACE_NAME_LABEL, "x")]
        );
        assert!(ns.phase().is_none());
        assert_eq!(ns.finalizers().count(), 0);
    }
}
