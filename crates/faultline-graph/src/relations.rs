//! The typed relations between objects: what selects, references, scales, owns and schedules
//! what. Each edge keeps the node where the reference is written, so a rule can point at it,
//! and the object it resolves to, or `None` when the input does not contain it.

use std::collections::HashMap;
use std::sync::Arc;

use faultline_model::kinds::{self, Scope};
use faultline_model::pod::PodTemplate;
use faultline_model::selector::{LabelSelector, Selection};
use faultline_model::selectors::ParsedSelector;
use faultline_model::views::hpa::HorizontalPodAutoscaler;
use faultline_model::views::ingress::{BackendPort, Ingress, ServiceBackend};
use faultline_model::views::pdb::PodDisruptionBudget;
use faultline_model::views::service::Service;
use faultline_model::views::{
    ClaimClass, EndpointSlice, Namespace, PersistentVolumeClaim, SERVICE_NAME_LABEL, ServiceAccount,
};
use faultline_model::{Field, Inventory, Object, ObjectId, field};
use faultline_syntax::NodeRef;
use rayon::prelude::*;

use crate::{LabelIndex, PodId};

/// What an edge means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Relation {
    /// A Service or PodDisruptionBudget selects pods (by its label selector).
    Selects,
    /// An Endpoints or EndpointSlice object holds a Service's endpoints.
    EndpointsOf,
    /// A HorizontalPodAutoscaler scales its `scaleTargetRef`.
    ScaleTarget,
    /// An Ingress sends traffic to a Service.
    Backend,
    /// An Ingress terminates TLS with a Secret.
    TlsSecret,
    /// A container reads one key of a ConfigMap or Secret into an environment variable.
    Env,
    /// A container reads every key of a ConfigMap or Secret (`envFrom`).
    EnvFrom,
    /// A pod mounts a ConfigMap, Secret or PersistentVolumeClaim (directly or projected).
    Volume,
    /// A pod or ServiceAccount pulls images with a Secret.
    ImagePullSecret,
    /// A pod runs as a ServiceAccount.
    ServiceAccount,
    /// A pod has a PriorityClass.
    PriorityClass,
    /// A PersistentVolumeClaim (or a StatefulSet's claim template) asks for a StorageClass.
    StorageClass,
    /// A StatefulSet's governing Service (`serviceName`).
    GoverningService,
    /// An object's controller (`metadata.ownerReferences` with `controller: true`).
    Owner,
    /// A Pod runs on a Node (`spec.nodeName`).
    ScheduledOn,
    /// A RoleBinding or ClusterRoleBinding grants a Role or ClusterRole (`roleRef`).
    RoleRef,
    /// A RoleBinding or ClusterRoleBinding grants its role to a ServiceAccount (`subjects`).
    Subject,
}

impl Relation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Selects => "selects",
            Self::EndpointsOf => "endpoints-of",
            Self::ScaleTarget => "scales",
            Self::Backend => "backend",
            Self::TlsSecret => "tls-secret",
            Self::Env => "env",
            Self::EnvFrom => "env-from",
            Self::Volume => "volume",
            Self::ImagePullSecret => "image-pull-secret",
            Self::ServiceAccount => "service-account",
            Self::PriorityClass => "priority-class",
            Self::StorageClass => "storage-class",
            Self::GoverningService => "governing-service",
            Self::Owner => "owner",
            Self::ScheduledOn => "scheduled-on",
            Self::RoleRef => "role-ref",
            Self::Subject => "subject",
        }
    }

    /// Whether the referring object cannot work without the target: a pod does not start
    /// without its ConfigMaps, Secrets, claims, ServiceAccount and PriorityClass, a claim
    /// does not bind without its StorageClass, a StatefulSet's pods get no DNS names without
    /// their governing Service.
    pub fn is_dependency(self) -> bool {
        matches!(
            self,
            Self::Env
                | Self::EnvFrom
                | Self::Volume
                | Self::ImagePullSecret
                | Self::ServiceAccount
                | Self::PriorityClass
                | Self::StorageClass
                | Self::GoverningService
        )
    }
}

/// A reference by name from one object to another.
#[derive(Clone, Debug)]
pub struct Reference<'a> {
    pub from: ObjectId,
    pub relation: Relation,
    /// The kind referred to (`ConfigMap`, or the `scaleTargetRef.kind` as written).
    pub kind: &'a str,
    /// The target's namespace: the referring object's, `None` for cluster-scoped kinds.
    pub namespace: Option<&'a str>,
    /// The name, at the node where it is written.
    pub name: Field<'a, &'a str>,
    /// Keys the reference reads (`configMapKeyRef.key`, a volume's `items[].key`).
    pub keys: Vec<Field<'a, &'a str>>,
    /// `optional: true`: the pod starts without the object or key.
    pub optional: bool,
    /// The object exists in every cluster without being in any manifest (the `default`
    /// ServiceAccount, the `system-*-critical` PriorityClasses, `kube-root-ca.crt`).
    pub builtin: bool,
    /// The object in the input, if it is there.
    pub target: Option<ObjectId>,
    /// Where the reference sits, for messages: "env `DB_URL` of container `api`".
    pub site: String,
}

/// The pods a Service or PodDisruptionBudget selects.
#[derive(Clone, Debug)]
pub struct PodSelection<'a> {
    pub object: ObjectId,
    /// The selector node (`None` when the field is absent).
    pub node: Option<NodeRef<'a>>,
    pub selector: LabelSelector,
    /// What the field selects once nil and `{}` are accounted for.
    pub scope: Selection,
    /// False when the API server rejects the selector (reported by `invalid-label-selector`);
    /// such a selection has no pods and no rule should read "selects nothing" into it.
    pub valid: bool,
    /// Matching pod shapes, in input order. Selections of one namespace with the same
    /// selector and meaning share one list ([`PodSelection::group`]).
    pub pods: Arc<[PodId]>,
    /// The selections of one namespace with the same selector and meaning form a group and
    /// are matched once: n renamed copies of a chart whose Services all select the pods of
    /// all copies cost n matches, not n². Consumers doing per-selection work can do it per
    /// group ([`crate::Graph::group_members`]).
    pub group: SelectionGroup,
}

/// A set of selections that select the same pods for the same reason; see
/// [`PodSelection::group`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SelectionGroup(pub u32);

/// Matches each distinct (namespace, selector, meaning) of `selections` once, in parallel,
/// gives every selection its group's pods and returns each group's members, by group.
pub(crate) fn match_groups<'a>(
    index: &LabelIndex<'a>,
    inventory: &Inventory<'a>,
    selections: &mut [PodSelection<'a>],
) -> Vec<Vec<ObjectId>> {
    type Key<'s, 'a> = (&'a str, &'s LabelSelector, Selection, bool);
    let mut ids: HashMap<Key<'_, 'a>, u32> = HashMap::new();
    let mut keys: Vec<Key<'_, 'a>> = Vec::new();
    let mut members: Vec<Vec<ObjectId>> = Vec::new();
    let mut assigned = Vec::with_capacity(selections.len());
    for s in selections.iter() {
        let namespace = inventory.get(s.object).namespace.unwrap_or_default();
        let key = (namespace, &s.selector, s.scope, s.valid);
        let group = *ids.entry(key).or_insert_with(|| {
            keys.push(key);
            members.push(Vec::new());
            (keys.len() - 1) as u32
        });
        members[group as usize].push(s.object);
        assigned.push(group);
    }
    let pods: Vec<Arc<[PodId]>> = keys
        .par_iter()
        .map(|(namespace, selector, scope, valid)| -> Arc<[PodId]> {
            match scope {
                _ if !valid => Arc::from([]),
                Selection::Everything => Arc::from(index.in_namespace(namespace)),
                Selection::ByLabels => index.select(namespace, selector).into(),
                _ => Arc::from([]),
            }
        })
        .collect();
    for (s, group) in selections.iter_mut().zip(assigned) {
        s.pods = Arc::clone(&pods[group as usize]);
        s.group = SelectionGroup(group);
    }
    members
}

/// Whether an Ingress backend's port exists on its Service.
#[derive(Clone, Copy, Debug)]
pub enum BackendPortMatch<'a> {
    /// The backend names no port, or its Service is not in the input.
    Unknown,
    /// The Service's `ports[]` item it resolves to.
    Found(NodeRef<'a>),
    /// The Service is in the input and has no such port.
    Missing,
}

/// An Ingress backend and what it resolves to.
#[derive(Clone, Debug)]
pub struct IngressBackend<'a> {
    pub ingress: ObjectId,
    pub backend: ServiceBackend<'a>,
    pub service: Option<ObjectId>,
    pub port: BackendPortMatch<'a>,
}

/// Whether `name` of `kind` exists in every cluster without being written anywhere.
pub fn is_builtin(kind: &str, name: &str) -> bool {
    match kind {
        "ServiceAccount" => name == "default",
        "PriorityClass" => matches!(name, "system-cluster-critical" | "system-node-critical"),
        // Published into every namespace by kube-controller-manager (and OpenShift).
        "ConfigMap" => matches!(name, "kube-root-ca.crt" | "openshift-service-ca.crt"),
        // The API server's default roles (`kubernetes.io/bootstrapping: rbac-defaults`).
        "ClusterRole" => {
            matches!(name, "cluster-admin" | "admin" | "edit" | "view")
                || name.starts_with("system:")
        }
        "Role" => {
            name.starts_with("system:") || name == "extension-apiserver-authentication-reader"
        }
        _ => false,
    }
}

/// Resolves `kind`/`name` as seen from an object in `namespace`.
fn resolve<'a>(
    inv: &Inventory<'a>,
    kind: &'a str,
    namespace: Option<&'a str>,
    name: &str,
) -> (Option<&'a str>, Option<ObjectId>) {
    match kinds::scope(kind) {
        Scope::Cluster => (None, inv.find(kind, None, name).map(|o| o.id)),
        Scope::Namespaced => (namespace, inv.find(kind, namespace, name).map(|o| o.id)),
        // A custom resource: namespaced if written with a namespace, else as written.
        Scope::Unknown => {
            let found = inv
                .find(kind, namespace, name)
                .or_else(|| inv.find(kind, None, name));
            (namespace, found.map(|o| o.id))
        }
    }
}

/// Collects the references of one object.
struct Refs<'i, 'a> {
    inv: &'i Inventory<'a>,
    obj: &'i Object<'a>,
    out: Vec<Reference<'a>>,
}

impl<'a> Refs<'_, 'a> {
    fn push(
        &mut self,
        relation: Relation,
        kind: &'a str,
        name: Field<'a, &'a str>,
        keys: Vec<Field<'a, &'a str>>,
        optional: bool,
        site: String,
    ) {
        let (namespace, target) = resolve(self.inv, kind, self.obj.namespace, name.value);
        self.out.push(Reference {
            from: self.obj.id,
            relation,
            kind,
            namespace,
            name,
            keys,
            optional,
            builtin: is_builtin(kind, name.value),
            target,
            site,
        });
    }

    /// A reference to an object of another namespace (a binding's ServiceAccount subject).
    fn named_in(
        &mut self,
        relation: Relation,
        kind: &'a str,
        namespace: Option<&'a str>,
        name: Field<'a, &'a str>,
        site: String,
    ) {
        let (namespace, target) = resolve(self.inv, kind, namespace, name.value);
        self.out.push(Reference {
            from: self.obj.id,
            relation,
            kind,
            namespace,
            name,
            keys: vec![],
            optional: false,
            builtin: is_builtin(kind, name.value),
            target,
            site,
        });
    }

    /// A binding's `roleRef` and its ServiceAccount `subjects`; a subject without a
    /// namespace is in the binding's (as the authorizer reads it).
    fn binding(&mut self) {
        let obj = *self.obj;
        if let Some(role_ref) = obj.node.get("roleRef")
            && let Some(kind) = field::name(Some(role_ref), "kind")
            && matches!(kind.value, "Role" | "ClusterRole")
            && let Some(name) = field::name(Some(role_ref), "name")
        {
            // A RoleBinding's `Role` is in its namespace; a ClusterRole has none.
            self.named(Relation::RoleRef, kind.value, name, "`roleRef`".to_owned());
        }
        let subjects = obj.node.get("subjects");
        for s in subjects.into_iter().flat_map(|s| s.items()) {
            if field::str(Some(s), "kind").is_some_and(|k| k.value == "ServiceAccount")
                && let Some(name) = field::name(Some(s), "name")
            {
                let ns = field::name(Some(s), "namespace").map_or(obj.namespace, |n| Some(n.value));
                let site = "`subjects`".to_owned();
                self.named_in(Relation::Subject, "ServiceAccount", ns, name, site);
            }
        }
    }

    /// A reference without keys that the pod cannot do without.
    fn named(&mut self, relation: Relation, kind: &'a str, name: Field<'a, &'a str>, site: String) {
        self.push(relation, kind, name, vec![], false, site);
    }

    /// `items[].key` of a ConfigMap or Secret volume source.
    fn item_keys(source: NodeRef<'a>) -> Vec<Field<'a, &'a str>> {
        source
            .get("items")
            .into_iter()
            .flat_map(|i| i.items())
            .filter_map(|i| field::name(Some(i), "key"))
            .collect()
    }

    fn optional(node: NodeRef<'_>) -> bool {
        field::bool(Some(node), "optional").is_some_and(|f| f.value)
    }

    /// A `configMap`/`secret` volume or projected source.
    fn volume_source(&mut self, vol: NodeRef<'a>, site: &str) {
        if let Some(cm) = vol.get("configMap")
            && let Some(name) = field::name(Some(cm), "name")
        {
            let keys = Self::item_keys(cm);
            self.push(
                Relation::Volume,
                "ConfigMap",
                name,
                keys,
                Self::optional(cm),
                site.to_owned(),
            );
        }
        if let Some(secret) = vol.get("secret")
            && let Some(name) = field::name(Some(secret), "secretName")
                .or_else(|| field::name(Some(secret), "name"))
        {
            let keys = Self::item_keys(secret);
            self.push(
                Relation::Volume,
                "Secret",
                name,
                keys,
                Self::optional(secret),
                site.to_owned(),
            );
        }
    }

    fn pod(&mut self, pod: &PodTemplate<'a>) {
        let spec = pod.spec;
        let obj = *self.obj;
        if let Some(sa) = field::name(Some(spec), "serviceAccountName")
            .or_else(|| field::name(Some(spec), "serviceAccount"))
        {
            let site = format!("`{}`", sa_key(spec));
            self.named(Relation::ServiceAccount, "ServiceAccount", sa, site);
        }
        if let Some(pc) = field::name(Some(spec), "priorityClassName") {
            let site = "`priorityClassName`".to_owned();
            self.named(Relation::PriorityClass, "PriorityClass", pc, site);
        }
        self.image_pull_secrets(spec);
        for c in pod.containers() {
            let container = c.name();
            for env in c.node.get("env").into_iter().flat_map(|e| e.items()) {
                let var = env.get("name").and_then(|n| n.scalar_text()).unwrap_or("");
                let from = env.get("valueFrom");
                for (key, kind) in [("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")] {
                    let Some(r) = from.and_then(|f| f.get(key)) else {
                        continue;
                    };
                    let Some(name) = field::name(Some(r), "name") else {
                        continue;
                    };
                    let keys = field::name(Some(r), "key").into_iter().collect();
                    let site = format!("env `{var}` of container `{container}`");
                    self.push(Relation::Env, kind, name, keys, Self::optional(r), site);
                }
            }
            for from in c.node.get("envFrom").into_iter().flat_map(|e| e.items()) {
                for (key, kind) in [("configMapRef", "ConfigMap"), ("secretRef", "Secret")] {
                    let Some(r) = from.get(key) else { continue };
                    let Some(name) = field::name(Some(r), "name") else {
                        continue;
                    };
                    let site = format!("`envFrom` of container `{container}`");
                    self.push(
                        Relation::EnvFrom,
                        kind,
                        name,
                        vec![],
                        Self::optional(r),
                        site,
                    );
                }
            }
        }
        // StatefulSet claim templates create their own claims; a volume of that name is theirs.
        let claim_templates: Vec<&str> = if obj.kind == "StatefulSet" {
            obj.node
                .path(&["spec", "volumeClaimTemplates"])
                .into_iter()
                .flat_map(|t| t.items())
                .filter_map(|t| t.path(&["metadata", "name"])?.scalar_text())
                .collect()
        } else {
            Vec::new()
        };
        for vol in spec.get("volumes").into_iter().flat_map(|v| v.items()) {
            let vname = vol.get("name").and_then(|n| n.scalar_text()).unwrap_or("");
            let site = format!("volume `{vname}`");
            self.volume_source(vol, &site);
            if let Some(pvc) = vol.get("persistentVolumeClaim")
                && let Some(claim) = field::name(Some(pvc), "claimName")
                && !claim_templates.contains(&claim.value)
            {
                let kind = "PersistentVolumeClaim";
                self.named(Relation::Volume, kind, claim, site.clone());
            }
            let sources = vol.path(&["projected", "sources"]);
            for source in sources.into_iter().flat_map(|s| s.items()) {
                self.volume_source(source, &format!("projected volume `{vname}`"));
            }
        }
        if obj.kind == "Pod"
            && let Some(node) = field::name(Some(spec), "nodeName")
        {
            self.named(Relation::ScheduledOn, "Node", node, "`nodeName`".into());
        }
    }

    fn image_pull_secrets(&mut self, parent: NodeRef<'a>) {
        let list = parent.get("imagePullSecrets");
        for item in list.into_iter().flat_map(|l| l.items()) {
            if let Some(name) = field::name(Some(item), "name") {
                let site = "`imagePullSecrets`".to_owned();
                self.named(Relation::ImagePullSecret, "Secret", name, site);
            }
        }
    }

    fn object(&mut self) {
        let obj = *self.obj;
        if let Some(pod) = PodTemplate::of(&obj) {
            self.pod(&pod);
        }
        let spec = obj.spec();
        match obj.kind {
            "StatefulSet" => {
                if let Some(svc) = field::name(spec, "serviceName") {
                    let site = "`serviceName`".to_owned();
                    self.named(Relation::GoverningService, "Service", svc, site);
                }
                let templates = spec.and_then(|s| s.get("volumeClaimTemplates"));
                for t in templates.into_iter().flat_map(|t| t.items()) {
                    if let Some(class) = field::name(t.get("spec"), "storageClassName") {
                        let tname = t.path(&["metadata", "name"]).and_then(|n| n.scalar_text());
                        let site = format!("claim template `{}`", tname.unwrap_or(""));
                        self.named(Relation::StorageClass, "StorageClass", class, site);
                    }
                }
            }
            "PersistentVolumeClaim" => {
                // The view honours the beta annotation, which wins over the field.
                let class = PersistentVolumeClaim::of(&obj).map(|c| c.storage_class());
                if let Some(ClaimClass::Named(class)) = class {
                    let site = "`storageClassName`".to_owned();
                    self.named(Relation::StorageClass, "StorageClass", class, site);
                }
            }
            "ServiceAccount" => {
                let sa = ServiceAccount::of(&obj);
                for name in sa.into_iter().flat_map(|sa| sa.image_pull_secrets()) {
                    let site = "`imagePullSecrets`".to_owned();
                    self.named(Relation::ImagePullSecret, "Secret", name, site);
                }
            }
            "Ingress" => {
                for tls in Ingress::of(&obj).into_iter().flat_map(|i| i.tls_secrets()) {
                    let site = "`tls[].secretName`".to_owned();
                    self.named(Relation::TlsSecret, "Secret", tls, site);
                }
            }
            "HorizontalPodAutoscaler" => {
                let target = HorizontalPodAutoscaler::of(&obj).and_then(|h| h.scale_target());
                if let Some(t) = target
                    && let (Some(kind), Some(name)) = (t.kind, t.name)
                {
                    let site = "`scaleTargetRef`".to_owned();
                    self.named(Relation::ScaleTarget, kind.value, name, site);
                }
            }
            "Endpoints" => {
                if let Some(name) = field::name(obj.metadata(), "name") {
                    let site = "`metadata.name`".to_owned();
                    self.named(Relation::EndpointsOf, "Service", name, site);
                }
            }
            "RoleBinding" | "ClusterRoleBinding" => self.binding(),
            "EndpointSlice" => {
                if let Some(name) = EndpointSlice::of(&obj).and_then(|e| e.service_name()) {
                    let site = format!("label `{SERVICE_NAME_LABEL}`");
                    self.named(Relation::EndpointsOf, "Service", name, site);
                }
            }
            _ => {}
        }
        let owners = obj.node.path(&["metadata", "ownerReferences"]);
        if let Some(owner) = owners
            .into_iter()
            .flat_map(|o| o.items())
            .find(|o| field::bool(Some(*o), "controller").is_some_and(|c| c.value))
            && let (Some(kind), Some(name)) = (
                field::name(Some(owner), "kind"),
                field::name(Some(owner), "name"),
            )
        {
            let site = "`metadata.ownerReferences`".to_owned();
            self.named(Relation::Owner, kind.value, name, site);
        }
    }
}

fn sa_key(spec: NodeRef<'_>) -> &'static str {
    if spec.get("serviceAccountName").is_some() {
        "serviceAccountName"
    } else {
        "serviceAccount"
    }
}

/// Every reference `obj` makes, in the order they are written.
pub(crate) fn references_of<'a>(inv: &Inventory<'a>, obj: &Object<'a>) -> Vec<Reference<'a>> {
    let mut refs = Refs {
        inv,
        obj,
        out: Vec::new(),
    };
    refs.object();
    refs.out
}

/// What a Service or PodDisruptionBudget selects, without its pods yet.
pub(crate) fn selection_of<'a>(obj: &Object<'a>) -> Option<PodSelection<'a>> {
    obj.namespace?;
    let (node, parsed, semantics): (_, Option<ParsedSelector<'a>>, _) =
        if let Some(svc) = Service::of(obj) {
            // A Service without a selector (or an ExternalName one) selects nothing by design.
            let parsed = svc.selector()?;
            (
                Some(parsed.node),
                Some(parsed),
                faultline_model::selector::SelectorSemantics::ServiceSelector,
            )
        } else if let Some(pdb) = PodDisruptionBudget::of(obj) {
            (pdb.selector_node(), pdb.selector(), pdb.semantics())
        } else {
            return None;
        };
    let valid = parsed.as_ref().is_none_or(|p| p.is_valid());
    let selector = parsed.map(|p| p.selector);
    let scope = semantics.resolve(selector.as_ref());
    Some(PodSelection {
        object: obj.id,
        node,
        selector: selector.unwrap_or_default(),
        scope,
        valid,
        // Matched per group, once every selection is known (`match_groups`).
        pods: Arc::from([]),
        group: SelectionGroup(0),
    })
}

/// An Ingress's Service backends, resolved.
pub(crate) fn backends_of<'a>(inv: &Inventory<'a>, obj: &Object<'a>) -> Vec<IngressBackend<'a>> {
    let Some(ingress) = Ingress::of(obj) else {
        return Vec::new();
    };
    ingress
        .backends()
        .into_iter()
        .map(|backend| {
            let service = inv.find("Service", obj.namespace, backend.service.value);
            let port = match (service, &backend.port) {
                (Some(svc), Some(port)) => Service::of(svc)
                    .into_iter()
                    .flat_map(|s| s.ports())
                    .find(|p| match &port.value {
                        BackendPort::Number(n) => p.port().is_some_and(|f| f.value == *n),
                        BackendPort::Name(n) => p.name().is_some_and(|f| f.value == *n),
                    })
                    .map_or(BackendPortMatch::Missing, |p| {
                        BackendPortMatch::Found(p.node)
                    }),
                _ => BackendPortMatch::Unknown,
            };
            IngressBackend {
                ingress: obj.id,
                service: service.map(|s| s.id),
                backend,
                port,
            }
        })
        .collect()
}

/// The labels of each Namespace object, plus `kubernetes.io/metadata.name`, which the API
/// server sets on every namespace.
pub(crate) fn namespace_labels<'a>(
    inv: &Inventory<'a>,
) -> HashMap<&'a str, faultline_model::selector::Labels> {
    inv.of_kind("Namespace")
        .filter(|ns| !ns.name.is_empty())
        .filter_map(Namespace::of)
        .map(|ns| {
            let labels = ns
                .labels()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            (ns.object.name, labels)
        })
        .collect()
}

/// Whether the object carries what only the API server writes: a `uid`, a `resourceVersion`,
/// a `creationTimestamp`, or (for a Pod) a non-empty `status`. `kubectl get -o yaml` output
/// (a `List` export included) always does; rendered charts and hand-written manifests do not,
/// even when they use `kind: List` or an empty `status: {}` (CRDs often carry a `status`).
pub fn from_a_cluster(obj: &Object<'_>) -> bool {
    let meta = obj.metadata();
    let server_set = ["uid", "resourceVersion", "creationTimestamp"]
        .iter()
        .any(|k| field::name(meta, k).is_some());
    server_set || (obj.kind == "Pod" && obj.status().is_some_and(|s| s.is_map() && !s.is_empty()))
}
