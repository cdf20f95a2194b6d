//! The typed views of Service, Ingress, PodDisruptionBudget and HorizontalPodAutoscaler:
//! defaults, old API versions, and malformed values read as absent.

use std::sync::Arc;

use faultline_model::intorstr::IntOrString;
use faultline_model::views::hpa::{HorizontalPodAutoscaler, MetricSource};
use faultline_model::views::ingress::{BackendPort, Ingress};
use faultline_model::views::pdb::PodDisruptionBudget;
use faultline_model::views::service::{Service, ServiceType};
use faultline_model::{Inventory, ModelOptions};
use faultline_syntax::ParsedText;

fn parse(text: &str) -> Vec<ParsedText> {
    vec![faultline_syntax::yaml::parse_yaml(&Arc::from(text))]
}

#[test]
fn service_defaults() {
    let parsed = parse(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  clusterIP: None\n  selector: {app: web}\n  ports:\n    - {name: http, port: 80}\n    - {port: 53, targetPort: dns, protocol: UDP, nodePort: 30053}\n    - 7\n",
    );
    let inv = Inventory::build(&parsed, &ModelOptions::default());
    let svc = Service::of(&inv.objects[0]).unwrap();
    assert_eq!(svc.service_type(), ServiceType::ClusterIp);
    assert!(svc.is_headless());
    assert_eq!(svc.selector().unwrap().selector.to_string(), "app=web");
    let ports: Vec<_> = svc.ports().collect();
    assert_eq!(ports.len(), 2, "a non-mapping item is skipped");
    assert_eq!(ports[0].target_port().unwrap().value, IntOrString::Int(80));
    assert_eq!(ports[0].protocol(), "TCP");
    assert_eq!(
        ports[1].target_port().unwrap().value,
        IntOrString::Str("dns".into())
    );
    assert_eq!(ports[1].protocol(), "UDP");
    assert_eq!(ports[1].node_port().unwrap().value, 30053);
}

#[test]
fn services_without_a_selector_select_nothing() {
    let parsed = parse(
        "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {selector: {}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec: {type: ExternalName, externalName: x.example.com, selector: {app: x}}\n",
    );
    let inv = Inventory::build(&parsed, &ModelOptions::default());
    for obj in &inv.objects {
        assert!(
            Service::of(obj).unwrap().selector().is_none(),
            "{}",
            obj.name
        );
    }
    let b = Service::of(&inv.objects[1]).unwrap();
    assert_eq!(b.service_type(), ServiceType::ExternalName);
    assert_eq!(b.external_name().unwrap().value, "x.example.com");
}

#[test]
fn ingress_backends_in_every_version() {
    let parsed = parse(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec:\n  ingressClassName: nginx\n  defaultBackend: {service: {name: d, port: {number: 80}}}\n  tls: [{secretName: t}, {hosts: [x]}]\n  rules:\n    - http: {paths: [{backend: {service: {name: s, port: {name: http}}}}, {backend: {resource: {kind: Bucket, name: b}}}]}\n---\napiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: b}\nspec:\n  backend: {serviceName: old, servicePort: web}\n  rules: [{http: {paths: [{backend: {serviceName: old, servicePort: 8080}}]}}]\n",
    );
    let inv = Inventory::build(&parsed, &ModelOptions::default());
    let a = Ingress::of(&inv.objects[0]).unwrap();
    assert_eq!(a.class_name().unwrap().value, "nginx");
    let tls: Vec<_> = a.tls_secrets().iter().map(|f| f.value).collect();
    assert_eq!(tls, ["t"]);
    let backends: Vec<_> = a
        .backends()
        .into_iter()
        .map(|b| (b.service.value, b.port.map(|p| p.value), b.default))
        .collect();
    assert_eq!(
        backends,
        [
            ("d", Some(BackendPort::Number(80)), true),
            ("s", Some(BackendPort::Name("http")), false)
        ]
    );
    let b = Ingress::of(&inv.objects[1]).unwrap();
    let backends: Vec<_> = b
        .backends()
        .into_iter()
        .map(|b| (b.service.value, b.port.map(|p| p.value), b.default))
        .collect();
    assert_eq!(
        backends,
        [
            ("old", Some(BackendPort::Name("web")), true),
            ("old", Some(BackendPort::Number(8080)), false)
        ]
    );
}

#[test]
fn budgets_and_autoscalers() {
    let parsed = parse(
        "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: p}\nspec: {minAvailable: 50%, selector: {matchLabels: {app: a}}}\n---\napiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: v1}\nspec: {scaleTargetRef: {kind: Deployment, name: d, apiVersion: apps/v1}, maxReplicas: 4, targetCPUUtilizationPercentage: 70}\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: v2}\nspec:\n  minReplicas: 2\n  maxReplicas: 9\n  metrics:\n    - {type: Resource, resource: {name: memory, target: {type: Utilization, averageUtilization: 80}}}\n    - {type: ContainerResource, containerResource: {name: cpu, container: app, target: {type: AverageValue, averageValue: 500m}}}\n    - {type: Pods, pods: {metric: {name: rps}}}\n---\napiVersion: autoscaling/v2beta1\nkind: HorizontalPodAutoscaler\nmetadata: {name: v2beta1}\nspec: {maxReplicas: 3, metrics: [{type: Resource, resource: {name: cpu, targetAverageUtilization: 60}}]}\n",
    );
    let inv = Inventory::build(&parsed, &ModelOptions::default());
    let pdb = PodDisruptionBudget::of(&inv.objects[0]).unwrap();
    assert_eq!(
        pdb.min_available().unwrap().value,
        IntOrString::Str("50%".into())
    );
    assert!(pdb.max_unavailable().is_none());
    assert_eq!(pdb.selector().unwrap().selector.to_string(), "app=a");

    let v1 = HorizontalPodAutoscaler::of(&inv.objects[1]).unwrap();
    assert_eq!(v1.min_replicas(), 1, "minReplicas defaults to 1");
    let target = v1.scale_target().unwrap();
    assert_eq!(
        (target.kind.unwrap().value, target.name.unwrap().value),
        ("Deployment", "d")
    );
    let m = v1.metrics();
    assert_eq!(
        (m[0].resource_name(), m[0].utilization.unwrap().value),
        ("cpu", 70)
    );

    let v2 = HorizontalPodAutoscaler::of(&inv.objects[2]).unwrap();
    assert_eq!(
        (v2.min_replicas(), v2.max_replicas().unwrap().value),
        (2, 9)
    );
    let m = v2.metrics();
    assert_eq!(m.len(), 3);
    assert_eq!(m[0].source, MetricSource::Resource);
    assert_eq!(
        (m[0].resource_name(), m[0].utilization.unwrap().value),
        ("memory", 80)
    );
    assert_eq!(m[1].source, MetricSource::ContainerResource);
    assert!(
        m[1].utilization.is_none(),
        "AverageValue is not a utilization"
    );
    assert_eq!(m[2].source, MetricSource::Other);

    let v2beta1 = HorizontalPodAutoscaler::of(&inv.objects[3]).unwrap();
    assert_eq!(v2beta1.metrics()[0].utilization.unwrap().value, 60);
    assert!(v2beta1.scale_target().is_none());
}
