//! PersistentVolumeClaim and StorageClass.

use faultline_syntax::NodeRef;

use super::{ResourceQuantity, fields, quantities, strings, view};
use crate::field::{self, Field};
use crate::selectors::{ParsedSelector, parse_label_selector};

/// The pre-1.6 way to name a claim's class; still honoured, and it wins over the field.
pub const BETA_CLASS_ANNOTATION: &str = "volume.beta.kubernetes.io/storage-class";
/// `"true"` marks the cluster's default StorageClass.
pub const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";
/// The beta spelling of [`DEFAULT_CLASS_ANNOTATION`], still honoured.
pub const BETA_DEFAULT_CLASS_ANNOTATION: &str = "storageclass.beta.kubernetes.io/is-default-class";

view!(
    /// A `PersistentVolumeClaim`.
    PersistentVolumeClaim
);

/// Which StorageClass a claim asks for. `storageClassName` absent and `""` mean different
/// things, so they are different variants.
#[derive(Clone, Copy, Debug)]
pub enum ClaimClass<'a> {
    /// Neither the field nor the beta annotation (or not a string): at creation the
    /// `DefaultStorageClass` admission plugin fills in the default class, if there is one.
    Unset,
    /// `""`: no class. The claim binds only to volumes without a class and is never
    /// provisioned dynamically.
    NoClass(NodeRef<'a>),
    Named(Field<'a, &'a str>),
}

impl<'a> PersistentVolumeClaim<'a> {
    /// The class asked for: the `volume.beta.kubernetes.io/storage-class` annotation when set
    /// (as `GetPersistentVolumeClaimClass` reads it), else `spec.storageClassName`.
    pub fn storage_class(self) -> ClaimClass<'a> {
        let annotation = field::str(
            self.object.node.path(&["metadata", "annotations"]),
            BETA_CLASS_ANNOTATION,
        );
        match annotation.or_else(|| field::str(self.object.spec(), "storageClassName")) {
            None => ClaimClass::Unset,
            Some(f) if f.value.is_empty() => ClaimClass::NoClass(f.node),
            Some(f) => ClaimClass::Named(f),
        }
    }
    /// `ReadWriteOnce`, `ReadOnlyMany`, `ReadWriteMany`, `ReadWriteOncePod`.
    pub fn access_modes(self) -> impl Iterator<Item = Field<'a, &'a str>> + 'a {
        strings(self.object.node.path(&["spec", "accessModes"]))
    }
    /// `spec.resources.requests.storage`.
    pub fn requested_storage(self) -> Option<ResourceQuantity<'a>> {
        quantities(self.object.node.path(&["spec", "resources", "requests"]))
            .find(|q| q.name.value == "storage")
    }
    fields! { (.object.spec())
        /// The PersistentVolume the claim is (to be) bound to.
        volume_name: str = "volumeName",
        /// `Filesystem` (the default) or `Block`.
        volume_mode: str = "volumeMode",
    }
    /// `spec.selector` over PersistentVolume labels, with its problems.
    pub fn selector(self) -> Option<ParsedSelector<'a>> {
        self.object
            .spec()?
            .get("selector")
            .map(parse_label_selector)
    }
    fields! { (.object.status())
        /// `Pending`, `Bound` or `Lost`.
        phase: str = "phase",
    }
    /// `status.capacity`: what the bound volume provides.
    pub fn capacity(self) -> impl Iterator<Item = ResourceQuantity<'a>> + 'a {
        quantities(self.object.node.path(&["status", "capacity"]))
    }
}

view!(
    /// A `StorageClass` (its fields sit at the top level, there is no `spec`).
    StorageClass
);

impl<'a> StorageClass<'a> {
    fields! { (.object.node)
        provisioner: str = "provisioner",
        /// `Immediate` (the default) or `WaitForFirstConsumer`.
        volume_binding_mode: str = "volumeBindingMode",
        /// `Delete` (the default) or `Retain`, given to dynamically provisioned volumes.
        reclaim_policy: str = "reclaimPolicy",
        allow_volume_expansion: bool = "allowVolumeExpansion",
    }
    /// Whether the class is marked default: `Some(true)` at the first of the GA and beta
    /// annotations whose value is the string `"true"` (as `IsDefaultAnnotation` reads them),
    /// else `Some(false)` at the first one written, `None` when neither is.
    pub fn is_default(self) -> Option<Field<'a, bool>> {
        let annotations = [DEFAULT_CLASS_ANNOTATION, BETA_DEFAULT_CLASS_ANNOTATION]
            .map(|key| self.object.annotation(key));
        let marked = annotations
            .iter()
            .flatten()
            .find(|n| n.as_str() == Some("true"));
        let node = marked.or_else(|| annotations.iter().flatten().next())?;
        Some(Field {
            value: marked.is_some(),
            node: *node,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Snippet, yaml};
    use super::*;
    use crate::quantity::Quantity;

    fn pvc(spec_and_meta: &str) -> Snippet {
        yaml(&format!(
            "apiVersion: v1\nkind: PersistentVolumeClaim\n{spec_and_meta}"
        ))
    }

    fn class(s: &Snippet) -> ClaimClass<'_> {
        PersistentVolumeClaim::of(s.obj(0)).unwrap().storage_class()
    }

    #[test]
    fn claim_fields() {
        let s = pvc("\
metadata: {name: data}
spec:
  storageClassName: fast
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 10Gi
  volumeName: pv-1
  volumeMode: Block
  selector:
    matchLabels: {tier: db}
status:
  phase: Bound
  capacity: {storage: 16Gi}
");
        let claim = PersistentVolumeClaim::of(s.obj(0)).unwrap();
        let ClaimClass::Named(name) = claim.storage_class() else {
            panic!("{:?}", claim.storage_class())
        };
        assert_eq!(name.value, "fast");
        assert_eq!(s.at(name.node), (5, 21));
        assert_eq!(claim.access_modes().next().unwrap().value, "ReadWriteOnce");
        let storage = claim.requested_storage().unwrap();
        assert_eq!(storage.quantity.value, Quantity::parse("10Gi"));
        assert_eq!(s.at(storage.quantity.node), (9, 16));
        assert_eq!(claim.volume_name().unwrap().value, "pv-1");
        assert_eq!(claim.volume_mode().unwrap().value, "Block");
        let selector = claim.selector().unwrap();
        assert!(selector.is_valid());
        assert_eq!(
            selector.selector.match_labels,
            [("tier".into(), "db".into())]
        );
        assert_eq!(claim.phase().unwrap().value, "Bound");
        assert_eq!(
            claim.capacity().next().unwrap().quantity.value,
            Quantity::parse("16Gi")
        );
    }

    #[test]
    fn absent_and_empty_class_differ() {
        let unset = pvc("metadata: {name: a}\nspec: {}\n");
        assert!(matches!(class(&unset), ClaimClass::Unset));
        let null = pvc("metadata: {name: a}\nspec: {storageClassName: null}\n");
        assert!(matches!(class(&null), ClaimClass::Unset));
        let wrong = pvc("metadata: {name: a}\nspec: {storageClassName: 7}\n");
        assert!(matches!(class(&wrong), ClaimClass::Unset));
        let empty = pvc("metadata: {name: a}\nspec: {storageClassName: ''}\n");
        let ClaimClass::NoClass(node) = class(&empty) else {
            panic!()
        };
        assert_eq!(empty.text(node), "''");
        let claim = PersistentVolumeClaim::of(unset.obj(0)).unwrap();
        assert!(claim.requested_storage().is_none());
        assert!(claim.selector().is_none());
        assert!(claim.phase().is_none());
    }

    #[test]
    fn beta_annotation_wins_over_the_field() {
        let s = pvc(
            "metadata:\n  name: a\n  annotations: {volume.beta.kubernetes.io/storage-class: ''}\nspec: {storageClassName: fast}\n",
        );
        let ClaimClass::NoClass(node) = class(&s) else {
            panic!()
        };
        assert_eq!(s.at(node), (5, 58));
    }

    #[test]
    fn storage_class_fields_and_default_annotations() {
        let s = yaml(
            "\
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: fast
  annotations:
    storageclass.kubernetes.io/is-default-class: 'false'
    storageclass.beta.kubernetes.io/is-default-class: 'true'
provisioner: ebs.csi.aws.com
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Retain
allowVolumeExpansion: true
",
        );
        let sc = StorageClass::of(s.obj(0)).unwrap();
        let default = sc.is_default().unwrap();
        assert!(default.value);
        assert_eq!(s.at(default.node), (7, 55));
        assert_eq!(sc.provisioner().unwrap().value, "ebs.csi.aws.com");
        assert_eq!(
            sc.volume_binding_mode().unwrap().value,
            "WaitForFirstConsumer"
        );
        assert_eq!(sc.reclaim_policy().unwrap().value, "Retain");
        assert!(sc.allow_volume_expansion().unwrap().value);
    }

    #[test]
    fn default_annotation_must_be_the_string_true() {
        let sc = |annotations: &str| {
            let s = yaml(&format!(
                "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: x\n  annotations: {{{annotations}}}\nprovisioner: p\n"
            ));
            let d = StorageClass::of(s.obj(0)).unwrap().is_default();
            d.map(|f| (f.value, s.text(f.node).to_owned()))
        };
        assert_eq!(sc(""), None);
        assert_eq!(
            sc("storageclass.kubernetes.io/is-default-class: 'True'"),
            Some((false, "'True'".into()))
        );
        // A YAML boolean is not a string: the API server would reject the annotation.
        assert_eq!(
            sc("storageclass.kubernetes.io/is-default-class: true"),
            Some((false, "true".into()))
        );
        assert_eq!(
            sc("storageclass.beta.kubernetes.io/is-default-class: \"true\""),
            Some((true, "\"true\"".into()))
        );
    }
}
