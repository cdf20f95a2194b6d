//! The embedded built-in schemas against facts read in the OpenAPI documents
//! (`../shared/corpora/kubectl-validate/pkg/openapiclient/builtins/1.<minor>/…`).

use faultline_schema::{
    Additional, ListType, Literal, MAX_MINOR, MIN_MINOR, Schema, Type, ValueKind, builtin,
    schema_minor,
};

fn path<'a>(mut s: Schema<'a>, steps: &[&str]) -> Schema<'a> {
    for step in steps {
        s = if *step == "[]" {
            s.items()
                .unwrap_or_else(|| panic!("no items at {step} of {steps:?}"))
        } else {
            s.property(step)
                .unwrap_or_else(|| panic!("no property {step} of {steps:?}"))
        };
    }
    s
}

fn pod_spec(minor: u16) -> Schema<'static> {
    let deployment = builtin()
        .lookup(minor, "apps", "v1", "Deployment")
        .expect("Deployment apps/v1");
    path(deployment, &["spec", "template", "spec"])
}

#[test]
fn deployment_containers_have_readiness_probe_in_every_version() {
    for minor in MIN_MINOR..=MAX_MINOR {
        let containers = pod_spec(minor).property("containers").unwrap();
        assert_eq!(containers.ty(), Type::Array, "1.{minor}");
        let container = containers.items().unwrap();
        assert_eq!(container.ty(), Type::Object);
        let probe = container
            .property("readinessProbe")
            .expect("readinessProbe");
        assert_eq!(probe.ty(), Type::Object);
        assert!(probe.property("httpGet").is_some());
        // A misspelling is not a property, and the object rejects unknown keys.
        assert!(container.property("readynessProbe").is_none());
        assert!(!container.allows_unknown_fields());
        assert_eq!(
            container.required().collect::<Vec<_>>(),
            ["name"],
            "1.{minor}"
        );
    }
}

#[test]
fn list_map_keys_of_containers_and_ports() {
    for minor in MIN_MINOR..=MAX_MINOR {
        let containers = pod_spec(minor).property("containers").unwrap();
        // `containers` is a list map from 1.30 on; before, only its patch merge key says so.
        if minor >= 30 {
            assert_eq!(containers.list_type(), ListType::Map, "1.{minor}");
            assert_eq!(containers.list_map_keys().collect::<Vec<_>>(), ["name"]);
        } else {
            assert_eq!(containers.list_type(), ListType::Unspecified, "1.{minor}");
            assert_eq!(containers.list_map_keys().len(), 0);
        }
        assert_eq!(containers.patch_merge_key(), Some("name"));
        let ports = path(containers, &["[]", "ports"]);
        assert_eq!(ports.list_type(), ListType::Map, "1.{minor}");
        assert_eq!(
            ports.list_map_keys().collect::<Vec<_>>(),
            ["containerPort", "protocol"]
        );
        // The key `protocol` is defaulted, which list-map uniqueness needs.
        let port = ports.items().unwrap();
        assert_eq!(
            port.property("protocol").unwrap().default_value(),
            Some(Literal::String("TCP"))
        );
        assert_eq!(port.required().collect::<Vec<_>>(), ["containerPort"]);
        let container_port = port.property("containerPort").unwrap();
        assert_eq!(container_port.ty(), Type::Integer);
        assert_eq!(container_port.format(), Some("int32"));
    }
}

#[test]
fn built_in_schemas_carry_no_enum() {
    // The API server publishes `enum` only with its OpenAPIEnums feature; kubectl-validate's
    // documents have none (`protocol`'s allowed values are in its description only). This test
    // fails when the data gains them, so that the rules can use them.
    let arena = builtin().arena();
    let with_enum = (0..arena.len())
        .filter(|&i| {
            arena
                .get(faultline_schema::SchemaId::from_index(i).unwrap())
                .enum_values()
                .is_some()
        })
        .count();
    assert_eq!(with_enum, 0);
    let protocol = path(
        pod_spec(30),
        &["containers", "[]", "ports", "[]", "protocol"],
    );
    assert_eq!(protocol.ty(), Type::String);
    assert!(protocol.enum_values().is_none());
}

#[test]
fn target_port_is_int_or_string() {
    for minor in MIN_MINOR..=MAX_MINOR {
        let service = builtin().lookup(minor, "", "v1", "Service").unwrap();
        let ports = path(service, &["spec", "ports"]);
        assert_eq!(
            ports.list_map_keys().collect::<Vec<_>>(),
            ["port", "protocol"]
        );
        let target = path(ports, &["[]", "targetPort"]);
        assert_eq!(target.ty(), Type::IntOrString, "1.{minor}");
        assert!(target.int_or_string());
        assert_eq!(target.format(), Some("int-or-string"));
        assert!(target.accepts(ValueKind::Integer));
        assert!(target.accepts(ValueKind::String));
        assert!(!target.accepts(ValueKind::Boolean));
        assert!(!target.accepts(ValueKind::Number));
    }
}

#[test]
fn quantities_take_numbers_and_strings() {
    let limits = path(pod_spec(30), &["containers", "[]", "resources", "limits"]);
    assert_eq!(limits.ty(), Type::Object);
    let Additional::Schema(q) = limits.additional_properties() else {
        panic!("limits is a map: {limits:?}");
    };
    let q = limits.get(q);
    assert_eq!(q.ty(), Type::NumberOrString);
    assert_eq!(q.format(), Some("quantity"));
    assert!(q.accepts(ValueKind::Number) && q.accepts(ValueKind::String));
    assert!(!q.accepts(ValueKind::Object));
    // A map takes any key; `field` gives the value's schema.
    assert!(limits.allows_unknown_fields());
    assert_eq!(limits.field("nvidia.com/gpu"), Some(q));
}

#[test]
fn labels_are_a_map_of_strings() {
    let meta = builtin()
        .lookup(30, "", "v1", "ConfigMap")
        .unwrap()
        .property("metadata")
        .unwrap();
    let labels = meta.property("labels").unwrap();
    match labels.additional_properties() {
        Additional::Schema(id) => assert_eq!(labels.get(id).ty(), Type::String),
        other => panic!("labels: {other:?}"),
    }
    let created = meta.property("creationTimestamp").unwrap();
    assert_eq!(
        (created.ty(), created.format()),
        (Type::String, Some("date-time"))
    );
}

#[test]
fn raw_extensions_keep_anything() {
    // ControllerRevision.data is a RawExtension: `type: object`, no properties.
    let data = builtin()
        .lookup(30, "apps", "v1", "ControllerRevision")
        .unwrap()
        .property("data")
        .unwrap();
    assert_eq!(data.ty(), Type::Object);
    assert!(data.preserve_unknown_fields());
    assert!(data.allows_unknown_fields());
}

#[test]
fn served_versions() {
    let b = builtin();
    // policy/v1 never had PodSecurityPolicy; policy/v1beta1 had it until 1.24 (removed in 1.25).
    assert!(b.served_in("policy", "v1", "PodSecurityPolicy").is_empty());
    assert!(b.lookup(30, "policy", "v1", "PodSecurityPolicy").is_none());
    let psp = b.served_in("policy", "v1beta1", "PodSecurityPolicy");
    assert_eq!(psp.iter().collect::<Vec<_>>(), [23, 24]);
    // batch/v1beta1 CronJob: 1.23 and 1.24 only; batch/v1 in all.
    let cron = b.served_in("batch", "v1beta1", "CronJob");
    assert_eq!((cron.first(), cron.last()), (Some(23), Some(24)));
    assert!(b.served(23, "batch", "v1beta1", "CronJob"));
    assert!(!b.served(25, "batch", "v1beta1", "CronJob"));
    assert!(
        b.served(20, "batch", "v1beta1", "CronJob"),
        "1.20 stands as 1.23"
    );
    for minor in MIN_MINOR..=MAX_MINOR {
        assert!(b.served(minor, "batch", "v1", "CronJob"));
        assert!(b.served(minor, "", "v1", "Pod"));
    }
    // Subresource kinds are not served by their own paths; list kinds have schemas only.
    assert!(b.served_in("autoscaling", "v1", "Scale").is_empty());
    assert!(b.served_in("policy", "v1", "Eviction").is_empty());
    assert!(b.served_in("apps", "v1", "DeploymentList").is_empty());
    assert!(b.served_in("apps", "v1", "DeleteOptions").is_empty());
    assert!(b.served_in("", "v1", "Status").is_empty());
    // Create-only kinds are served (1.23's documents name no kinds on their operations).
    for minor in MIN_MINOR..=MAX_MINOR {
        assert!(b.served(minor, "authorization.k8s.io", "v1", "SubjectAccessReview"));
        assert!(b.served(minor, "", "v1", "ComponentStatus"));
        assert!(b.served(minor, "", "v1", "Binding"));
    }
    assert!(b.lookup(30, "apps", "v1", "DeploymentList").is_some());
    // Kinds are case-sensitive; the core group is "".
    assert!(b.lookup(30, "", "v1", "pod").is_none());
    assert!(b.lookup(30, "core", "v1", "Pod").is_none());
    assert!(b.group_version_served_in("batch", "v1beta1").contains(24));
    assert!(!b.group_version_served_in("batch", "v1beta1").contains(25));
    assert!(
        b.group_version_served_in("nope.example.com", "v1")
            .is_empty()
    );
    let kinds: Vec<&str> = b.kinds_of("batch", "v1").map(|k| k.kind()).collect();
    assert!(
        kinds.contains(&"Job") && kinds.contains(&"CronJob"),
        "{kinds:?}"
    );
}

#[test]
fn versions_outside_the_range_use_the_nearest() {
    assert_eq!(schema_minor(16), MIN_MINOR);
    assert_eq!(schema_minor(40), MAX_MINOR);
    assert_eq!(schema_minor(30), 30);
    let b = builtin();
    assert_eq!(
        b.lookup(16, "apps", "v1", "Deployment"),
        b.lookup(MIN_MINOR, "apps", "v1", "Deployment")
    );
}

#[test]
fn identical_definitions_are_stored_once() {
    let b = builtin();
    // ConfigMap and ObjectMeta did not change from 1.30 to 1.35 (descriptions aside): one
    // node for those six versions. ObjectMeta changed in 1.29 and 1.30 (list types), and
    // lost `clusterName` in 1.25.
    let first = b.lookup(30, "", "v1", "ConfigMap").unwrap();
    for minor in 30..=MAX_MINOR {
        assert_eq!(
            b.lookup(minor, "", "v1", "ConfigMap").unwrap().id(),
            first.id()
        );
    }
    assert_ne!(
        b.lookup(29, "", "v1", "ConfigMap").unwrap().id(),
        first.id()
    );
    let old = b.lookup(24, "", "v1", "ConfigMap").unwrap();
    assert_eq!(path(old, &["metadata", "clusterName"]).ty(), Type::String);
    let new = b.lookup(25, "", "v1", "ConfigMap").unwrap();
    assert!(path(new, &["metadata"]).property("clusterName").is_none());
    // PodSpec did change (fields were added): not one node.
    assert_ne!(pod_spec(MIN_MINOR).id(), pod_spec(MAX_MINOR).id());
    // Every plain string field is the same node.
    let cm = b.lookup(30, "", "v1", "ConfigMap").unwrap();
    assert_eq!(
        cm.property("kind").unwrap().id(),
        cm.property("apiVersion").unwrap().id()
    );
}

#[test]
fn crd_schemas_are_recursive() {
    // JSONSchemaProps refers to itself through properties' additionalProperties.
    let crd = builtin()
        .lookup(30, "apiextensions.k8s.io", "v1", "CustomResourceDefinition")
        .unwrap();
    let props = path(
        crd,
        &["spec", "versions", "[]", "schema", "openAPIV3Schema"],
    );
    let Additional::Schema(inner) = props
        .property("properties")
        .unwrap()
        .additional_properties()
    else {
        panic!("properties is a map");
    };
    assert_eq!(inner, props.id());
    assert!(
        props
            .property("x-kubernetes-preserve-unknown-fields")
            .is_some()
    );
    // `subresources.status` is an empty struct: it takes no key (strict decoding), unlike
    // `RawExtension` (`raw_extensions_keep_anything`).
    let status = path(crd, &["spec", "versions", "[]", "subresources", "status"]);
    assert_eq!(status.ty(), Type::Object);
    assert!(!status.has_properties() && !status.allows_unknown_fields());
}

#[test]
fn every_served_kind_has_a_schema_with_api_version_and_kind() {
    let mut served = 0;
    for k in builtin().kinds() {
        for minor in k.served_in().iter() {
            served += 1;
            let s = k
                .schema(minor)
                .unwrap_or_else(|| panic!("{k:?} served in 1.{minor} without a schema"));
            assert_eq!(s.ty(), Type::Object, "{k:?}");
            for field in ["apiVersion", "kind"] {
                assert!(
                    s.property(field).is_some(),
                    "{k:?} 1.{minor} has no {field}"
                );
            }
        }
        assert!(
            k.served_in()
                .iter()
                .all(|m| (MIN_MINOR..=MAX_MINOR).contains(&m)),
            "{k:?}"
        );
    }
    // 69 kinds served by 1.23, 90 by 1.35 (counted in the documents' paths).
    assert!(served > 13 * 60, "{served}");
    let count = |minor| {
        builtin()
            .kinds()
            .filter(|k| k.served_in().contains(minor))
            .count()
    };
    assert_eq!((count(23), count(35)), (69, 90));
}

#[test]
fn group_versions_removed_when_the_deprecation_guide_says() {
    // Kubernetes' deprecated API migration guide: removed in 1.25 (batch/v1beta1,
    // policy/v1beta1, discovery and events v1beta1, autoscaling/v2beta1), 1.26
    // (autoscaling/v2beta2, flowcontrol v1beta1), 1.29 (flowcontrol v1beta2), 1.32 (flowcontrol
    // v1beta3); storage.k8s.io/v1beta1 lost CSIStorageCapacity in 1.27 and came back with
    // VolumeAttributesClass in 1.31.
    let b = builtin();
    let served = |g, v| b.group_version_served_in(g, v).iter().collect::<Vec<_>>();
    for gv in [
        ("batch", "v1beta1"),
        ("policy", "v1beta1"),
        ("discovery.k8s.io", "v1beta1"),
        ("events.k8s.io", "v1beta1"),
        ("autoscaling", "v2beta1"),
    ] {
        assert_eq!(served(gv.0, gv.1), [23, 24], "{gv:?}");
    }
    assert_eq!(served("autoscaling", "v2beta2"), [23, 24, 25]);
    assert_eq!(
        served("flowcontrol.apiserver.k8s.io", "v1beta1"),
        [23, 24, 25]
    );
    assert_eq!(
        served("flowcontrol.apiserver.k8s.io", "v1beta2"),
        (23..=28).collect::<Vec<_>>()
    );
    assert_eq!(
        served("flowcontrol.apiserver.k8s.io", "v1beta3"),
        (26..=31).collect::<Vec<_>>()
    );
    assert_eq!(
        served("storage.k8s.io", "v1beta1"),
        [23, 24, 25, 26, 31, 32, 33, 34, 35]
    );
    let capacity = b.served_in("storage.k8s.io", "v1beta1", "CSIStorageCapacity");
    assert_eq!(capacity.iter().collect::<Vec<_>>(), [23, 24, 25, 26]);
    let vac = b.served_in("storage.k8s.io", "v1beta1", "VolumeAttributesClass");
    assert_eq!(vac.first(), Some(31));
}
