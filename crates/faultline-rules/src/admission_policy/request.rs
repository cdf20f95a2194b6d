//! What an object's CREATE is as a request (group, version, resource, scope; the pods a
//! workload's template makes), the `request` variable, and which resource rules match it.

use super::*;

/// `(group, kind)` → the plural of the CRDs in the input.
pub(super) fn crd_plurals<'a>(inventory: &Inventory<'a>) -> HashMap<(&'a str, &'a str), &'a str> {
    let mut out = HashMap::new();
    for crd in inventory.of_kind("CustomResourceDefinition") {
        let spec = crd.spec();
        let get = |path: &[&str]| spec.and_then(|s| s.path(path)).and_then(|n| n.as_str());
        if let (Some(group), Some(kind), Some(plural)) = (
            get(&["group"]),
            get(&["names", "kind"]),
            get(&["names", "plural"]),
        ) {
            out.insert((group, kind), plural);
        }
    }
    out
}

/// The request an object's CREATE makes (`plurals`: the resource names of the input's CRDs).
pub(super) fn request<'a>(
    plurals: &HashMap<(&'a str, &'a str), &'a str>,
    obj: &Object<'a>,
) -> Request<'a> {
    let (group, version) = obj.group_version();
    let resource = plurals
        .get(&(group, obj.kind))
        .map_or_else(|| kinds::plural(obj.kind), |p| (*p).to_owned());
    let namespaced = match obj.scope {
        Scope::Namespaced => true,
        Scope::Cluster => false,
        Scope::Unknown => obj.namespace.is_some(),
    };
    Request {
        group,
        version,
        resource,
        namespaced,
        template: None,
    }
}

/// Whether a rule's list holds `value` or `*`.
pub(super) fn listed(list: &[&str], value: &str) -> bool {
    list.iter().any(|v| *v == "*" || *v == value)
}

/// The request an object's CREATE makes: group, version, resource, namespaced.
pub(super) struct Request<'a> {
    pub(super) group: &'a str,
    pub(super) version: &'a str,
    pub(super) resource: String,
    pub(super) namespaced: bool,
    /// The pods a workload's template makes (its controller creates them): the template
    /// node, whose `metadata` and `spec` are the pod's.
    pub(super) template: Option<NodeRef<'a>>,
}

impl<'a> Request<'a> {
    /// The CREATE of a pod from `obj`'s pod template, when it has one and nothing above it
    /// in the input owns it (its pods are judged once, at the top) and it is not from a
    /// cluster export (whose pods are in the input themselves).
    pub(super) fn pods_of(obj: &Object<'a>) -> Option<Request<'a>> {
        if obj.kind == "PodTemplate" {
            // A template for others to copy: nothing creates pods from it.
            return None;
        }
        let template = kinds::pod_template_path(obj.kind).and_then(|p| obj.node.path(p))?;
        let owned = obj
            .node
            .path(&["metadata", "ownerReferences"])
            .is_some_and(|refs| {
                refs.items()
                    .any(|r| r.get("controller").and_then(|c| c.as_bool()) == Some(true))
            });
        if owned || faultline_graph::from_a_cluster(obj) || !template.is_map() {
            return None;
        }
        Some(Request {
            group: "",
            version: "v1",
            resource: "pods".to_owned(),
            namespaced: true,
            template: Some(template),
        })
    }

    /// The kind the request creates.
    pub(super) fn kind(&self, obj: &Object<'a>) -> &'a str {
        if self.template.is_some() {
            "Pod"
        } else {
            obj.kind
        }
    }

    /// The name the request creates: a pod's is generated, so unknown.
    pub(super) fn name(&self, obj: &Object<'a>) -> &'a str {
        if self.template.is_some() {
            ""
        } else {
            obj.name
        }
    }

    /// The labels the created object has.
    pub(super) fn labels(&self, obj: &Object<'a>) -> LabelRefs<'a> {
        match self.template {
            Some(t) => {
                faultline_model::object::string_map(t.path(&["metadata", "labels"])).collect()
            }
            None => obj.labels().collect(),
        }
    }

    /// Where expressions on `object` are located: the object, or the template.
    pub(super) fn root(&self, obj: &Object<'a>) -> NodeRef<'a> {
        self.template.unwrap_or(obj.node)
    }

    /// The `object` variable.
    pub(super) fn object(&self, obj: &Object<'a>) -> Box<dyn Val + 'a> {
        let Some(template) = self.template else {
            // The API server fills in the request's namespace before admission.
            return match obj.namespace {
                Some(ns) if self.namespaced => to_val_in_namespace(obj.node, ns),
                _ => to_val(obj.node),
            };
        };
        let mut meta: HashMap<CelMapKey<'a>, Box<dyn Val + 'a>> = HashMap::new();
        for (k, v) in template
            .get("metadata")
            .into_iter()
            .flat_map(|m| m.entries())
        {
            if let Some(k) = k.scalar_text() {
                meta.insert(CelMapKey::from(k), to_val(v));
            }
        }
        if let Some(ns) = obj.namespace {
            meta.insert(CelMapKey::from("namespace"), Box::new(CelString::from(ns)));
        }
        let mut pod: HashMap<CelMapKey<'a>, Box<dyn Val + 'a>> = HashMap::new();
        pod.insert(
            CelMapKey::from("apiVersion"),
            Box::new(CelString::from("v1")),
        );
        pod.insert(CelMapKey::from("kind"), Box::new(CelString::from("Pod")));
        pod.insert(CelMapKey::from("metadata"), Box::new(CelMap::from(meta)));
        if let Some(spec) = template.get("spec") {
            pod.insert(CelMapKey::from("spec"), to_val(spec));
        }
        Box::new(CelMap::from(pod))
    }
}

pub(super) fn rule_matches(
    r: &ResourceRule<'_>,
    req: &Request<'_>,
    name: &str,
    exact: bool,
) -> bool {
    let operations_ok = r
        .operations
        .as_ref()
        .is_none_or(|ops| ops.is_empty() || listed(ops, "CREATE"));
    let resource_ok = r
        .resources
        .iter()
        .any(|res| *res == "*" || *res == "*/*" || *res == req.resource);
    let scope_ok = match r.scope {
        Some("Cluster") => !req.namespaced,
        Some("Namespaced") => req.namespaced,
        _ => true,
    };
    operations_ok
        && resource_ok
        && scope_ok
        && listed(&r.api_groups, req.group)
        && (!exact || listed(&r.api_versions, req.version))
        && (r.resource_names.is_empty() || r.resource_names.contains(&name))
}

/// Whether `m`'s resource rules match (no `resourceRules`: `constrain` says whether that
/// matches nothing, as for a policy, or does not narrow, as for a binding).
pub(super) fn resources_match(
    m: &MatchResources<'_>,
    req: &Request<'_>,
    name: &str,
    constrain: bool,
) -> bool {
    let included = if m.resource_rules.is_empty() {
        !constrain
    } else {
        m.resource_rules
            .iter()
            .any(|r| rule_matches(r, req, name, m.exact))
    };
    included
        && !m
            .exclude_resource_rules
            .iter()
            .any(|r| rule_matches(r, req, name, m.exact))
}

/// The `request` variable of a CREATE of `obj`.
pub(super) fn request_value<'a>(obj: &Object<'a>, req: &Request<'a>) -> Value {
    let s = |v: &str| Value::String(v.to_owned().into());
    let map = |entries: Vec<(&str, Value)>| {
        Value::from(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect::<HashMap<String, Value>>(),
        )
    };
    let kind = map(vec![
        ("group", s(req.group)),
        ("version", s(req.version)),
        ("kind", s(req.kind(obj))),
    ]);
    let resource = map(vec![
        ("group", s(req.group)),
        ("version", s(req.version)),
        ("resource", s(&req.resource)),
    ]);
    let mut entries = vec![
        ("kind", kind.clone()),
        ("resource", resource.clone()),
        ("requestKind", kind),
        ("requestResource", resource),
        ("name", s(req.name(obj))),
        ("operation", s("CREATE")),
        ("dryRun", Value::Bool(false)),
        (
            "options",
            map(vec![
                ("apiVersion", s("meta.k8s.io/v1")),
                ("kind", s("CreateOptions")),
            ]),
        ),
    ];
    if req.namespaced {
        entries.push(("namespace", s(obj.namespace.unwrap_or("default"))));
    }
    map(entries)
}
