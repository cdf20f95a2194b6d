use faultline_diagnostics::Severity;
use faultline_graph::{BackendPortMatch, Relation};
use faultline_model::Object;
use faultline_model::views::ingress::Ingress;
use faultline_model::views::service::Service;

use crate::presence::{absent_severity, similar_name, tight_range};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports Ingress backends (rule paths and the default backend, in `networking.k8s.io/v1`
    /// and the old `serviceName`/`servicePort` form) that name no Service in their version's
    /// form (a v1 Ingress written with `serviceName`), whose Service is not in the namespace,
    /// or whose Service has no port with that number or name (a backend's number is the
    /// Service's `port`, not its `targetPort`). Also reports a `tls[].secretName` whose Secret
    /// is absent, unless cert-manager is asked to create it (a `cert-manager.io/issuer`,
    /// `cert-manager.io/cluster-issuer` or `kubernetes.io/tls-acme` annotation, or a
    /// `Certificate` with that `secretName`).
    ///
    /// A missing port is always an error. A missing Service is an error when the input shows
    /// the namespace's Services (it has at least one there, or is declared `--complete`), and
    /// information otherwise. A missing TLS Secret follows the policy of `reference-not-found`:
    /// a warning for complete inputs and for cluster exports that hold Secrets in that
    /// namespace, information otherwise.
    ///
    /// ## Why it matters
    /// The controller answers that path with 503 (or 404 for the default backend), and a
    /// missing TLS Secret makes it serve its self-signed fallback certificate. Nothing fails
    /// at apply time, so the change "does not take effect" with no error to show for it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: shop
    /// spec:
    ///   rules:
    ///     - http:
    ///         paths:
    ///           - path: /
    ///             pathType: Prefix
    ///             backend:
    ///               service:
    ///                 name: web
    ///                 port:
    ///                   number: 8080
    /// ---
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector:
    ///     app: web
    ///   ports:
    ///     - port: 80
    ///       targetPort: 8080
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: shop
    /// spec:
    ///   rules:
    ///     - http:
    ///         paths:
    ///           - path: /
    ///             pathType: Prefix
    ///             backend:
    ///               service:
    ///                 name: web
    ///                 port:
    ///                   number: 80
    /// ---
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector:
    ///     app: web
    ///   ports:
    ///     - port: 80
    ///       targetPort: 8080
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Ingress backends: <https://kubernetes.io/docs/concepts/services-networking/ingress/#the-ingress-resource>
    /// - Ingress TLS: <https://kubernetes.io/docs/concepts/services-networking/ingress/#tls>
    pub struct IngressBackendNotFound {
        id: "ingress-backend-not-found",
        category: Services,
        severity: Error,
        summary: "an Ingress backend names a Service or port that does not exist, or its TLS Secret is missing",
        params: [],
    }
}

/// Whether cert-manager will create the Secret `name` for this Ingress.
fn issued_by_cert_manager(cx: &Context<'_>, obj: &Object<'_>, name: &str) -> bool {
    let annotated = ["cert-manager.io/issuer", "cert-manager.io/cluster-issuer"]
        .iter()
        .any(|a| obj.annotation(a).is_some())
        || obj
            .annotation("kubernetes.io/tls-acme")
            .and_then(|n| n.scalar_text())
            == Some("true");
    let certificates = [obj.namespace, None]
        .into_iter()
        .flat_map(|ns| cx.graph.objects_of("Certificate", ns));
    annotated
        || certificates.map(|id| cx.inventory.get(*id)).any(|c| {
            c.node
                .path(&["spec", "secretName"])
                .and_then(|n| n.scalar_text())
                == Some(name)
        })
}

impl Rule for IngressBackendNotFound {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        if !obj.is("Ingress") {
            return;
        }
        let namespace = obj.namespace.unwrap_or("default");
        if let Some(ingress) = Ingress::of(obj) {
            let (form, other) = if ingress.is_v1() {
                ("`service: {name, port}`", "`serviceName`/`servicePort`")
            } else {
                ("`serviceName`/`servicePort`", "`service: {name, port}`")
            };
            for node in ingress.invalid_backends() {
                out.report(obj, tight_range(node), format!("this backend names no Service: `{}` writes {form}, and {other} is not read", obj.api_version))
                    .help(format!("write the backend as {form} (or a `resource`)"));
            }
        }
        for b in cx.graph.backends_of(obj.id) {
            let name = b.backend.service.value;
            let which = if b.backend.default {
                "the default backend"
            } else {
                "a backend"
            };
            match (b.service, b.port) {
                (None, _) => {
                    let shows_services =
                        cx.settings.complete || cx.graph.count("Service", obj.namespace) > 0;
                    let severity = if shows_services {
                        Severity::Error
                    } else {
                        Severity::Info
                    };
                    let mut message = format!(
                        "{which} names Service `{name}`, which is not in namespace `{namespace}`"
                    );
                    if let Some(similar) = similar_name(cx, "Service", obj.namespace, name) {
                        message.push_str(&format!("; did you mean `{similar}`?"));
                    }
                    out.report(obj, b.backend.service.range(), message)
                        .severity(severity)
                        .help("name an existing Service in the Ingress's namespace (an Ingress cannot reach Services in other namespaces), or add the Service");
                }
                (Some(svc_id), BackendPortMatch::Missing) => {
                    let svc = cx.inventory.get(svc_id);
                    let Some(port) = &b.backend.port else {
                        continue;
                    };
                    let ports: Vec<String> = Service::of(svc)
                        .into_iter()
                        .flat_map(|s| s.ports())
                        .filter_map(|p| {
                            let number = p.port()?.value;
                            Some(match p.name() {
                                Some(n) => format!("{number} (`{}`)", n.value),
                                None => number.to_string(),
                            })
                        })
                        .collect();
                    let exposes = if ports.is_empty() {
                        "it declares no ports".to_owned()
                    } else {
                        format!("it exposes {}", ports.join(", "))
                    };
                    let what = match &port.value {
                        faultline_model::views::ingress::BackendPort::Number(n) => {
                            format!("port {n}")
                        }
                        faultline_model::views::ingress::BackendPort::Name(n) => {
                            format!("port named `{n}`")
                        }
                    };
                    let ports_range = svc
                        .node
                        .path(&["spec", "ports"])
                        .map_or_else(|| svc.kind_range(), tight_range);
                    out.report(
                        obj,
                        port.range(),
                        format!(
                            "Service `{name}` has no {what}; {exports}",
                            exports = exposes
                        ),
                    )
                    .help("use the Service's `port` number or port `name` (not its `targetPort`)")
                    .related(svc, ports_range, "the Service's ports");
                }
                _ => {}
            }
        }
        for r in cx.graph.references_from(obj.id) {
            if r.relation != Relation::TlsSecret || r.target.is_some() {
                continue;
            }
            let name = r.name.value;
            if issued_by_cert_manager(cx, obj, name) {
                continue;
            }
            out.report(
                obj,
                r.name.range(),
                format!("TLS Secret `{name}` is not in namespace `{namespace}`; the controller serves its default certificate instead"),
            )
            .severity(absent_severity(cx, obj, "Secret", obj.namespace))
            .help("create the `kubernetes.io/tls` Secret in the Ingress's namespace, or let cert-manager issue it with a `cert-manager.io/cluster-issuer` annotation");
        }
    }
}
