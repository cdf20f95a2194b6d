//! The ingress controllers and Gateway API implementations faultline knows by name: the
//! controller names their IngressClass or GatewayClass carries, their annotation values, the
//! namespace their installation guides use and the labels of their proxy pods
//! (`netpol-blocks-ingress-controller`).

use faultline_model::selector::Labels;

/// An ingress controller (or Gateway implementation) faultline knows by name.
pub(crate) struct Known {
    /// What messages call it.
    pub(crate) name: &'static str,
    /// IngressClass `spec.controller` / GatewayClass `spec.controllerName` values.
    pub(crate) controllers: &'static [&'static str],
    /// Values of the `kubernetes.io/ingress.class` annotation that mean it.
    pub(crate) annotations: &'static [&'static str],
    /// The namespace its installation guides use.
    pub(crate) namespace: &'static str,
    /// Labels any one of which marks its proxy pods (`*`: any value).
    pub(crate) labels: &'static [(&'static str, &'static str)],
    /// Traffic comes from a cloud load balancer outside the cluster, not from pods.
    pub(crate) external: bool,
}

impl Known {
    /// Whether a controller name is this implementation's: one of its names, or one of them
    /// followed by `/` and a class (`haproxy.org/ingress-controller/haproxy`).
    pub(crate) fn names(&self, controller: &str) -> bool {
        self.controllers.iter().any(|c| {
            controller
                .strip_prefix(c)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    }
}

pub(crate) const KNOWN: &[Known] = &[
    Known {
        name: "ingress-nginx",
        controllers: &["k8s.io/ingress-nginx"],
        annotations: &["nginx"],
        namespace: "ingress-nginx",
        labels: &[
            ("app.kubernetes.io/name", "ingress-nginx"),
            ("app", "ingress-nginx"),
        ],
        external: false,
    },
    Known {
        name: "NGINX Ingress Controller",
        controllers: &["nginx.org/ingress-controller"],
        annotations: &[],
        namespace: "nginx-ingress",
        labels: &[
            ("app.kubernetes.io/name", "nginx-ingress"),
            ("app", "nginx-ingress"),
        ],
        external: false,
    },
    Known {
        name: "Traefik",
        controllers: &[
            "traefik.io/ingress-controller",
            "traefik.io/gateway-controller",
        ],
        annotations: &["traefik"],
        namespace: "traefik",
        labels: &[("app.kubernetes.io/name", "traefik"), ("app", "traefik")],
        external: false,
    },
    Known {
        name: "HAProxy",
        controllers: &[
            "haproxy.org/ingress-controller",
            "haproxy-ingress.github.io/controller",
        ],
        annotations: &["haproxy"],
        namespace: "haproxy-controller",
        labels: &[
            ("app.kubernetes.io/name", "kubernetes-ingress"),
            ("app.kubernetes.io/name", "haproxy-ingress"),
            ("run", "haproxy-ingress"),
        ],
        external: false,
    },
    Known {
        name: "Contour (Envoy)",
        controllers: &[
            "projectcontour.io/contour",
            "projectcontour.io/ingress-controller",
            "projectcontour.io/gateway-controller",
        ],
        annotations: &["contour"],
        namespace: "projectcontour",
        labels: &[("app.kubernetes.io/component", "envoy"), ("app", "envoy")],
        external: false,
    },
    Known {
        name: "Envoy Gateway",
        controllers: &["gateway.envoyproxy.io/gatewayclass-controller"],
        annotations: &[],
        namespace: "envoy-gateway-system",
        labels: &[("gateway.envoyproxy.io/owning-gateway-name", "*")],
        external: false,
    },
    Known {
        name: "the Istio ingress gateway",
        controllers: &["istio.io/ingress-controller"],
        annotations: &["istio"],
        namespace: "istio-system",
        labels: &[("istio", "ingressgateway"), ("app", "istio-ingressgateway")],
        external: false,
    },
    Known {
        name: "Kong",
        controllers: &[
            "ingress-controllers.konghq.com/kong",
            "konghq.com/kic-gateway-controller",
        ],
        annotations: &["kong"],
        namespace: "kong",
        labels: &[("app.kubernetes.io/name", "kong"), ("app", "kong")],
        external: false,
    },
    Known {
        name: "Emissary-ingress",
        controllers: &["getambassador.io/ingress-controller"],
        annotations: &["ambassador"],
        namespace: "emissary",
        labels: &[
            ("app.kubernetes.io/name", "emissary-ingress"),
            ("app.kubernetes.io/name", "ambassador"),
        ],
        external: false,
    },
    Known {
        name: "the OpenShift router",
        controllers: &["openshift.io/ingress-to-route"],
        annotations: &[],
        namespace: "openshift-ingress",
        labels: &[(
            "ingresscontroller.operator.openshift.io/deployment-ingresscontroller",
            "*",
        )],
        external: false,
    },
    Known {
        name: "NGINX Gateway Fabric",
        controllers: &["gateway.nginx.org/nginx-gateway-controller"],
        annotations: &[],
        namespace: "nginx-gateway",
        labels: &[("app.kubernetes.io/name", "nginx-gateway")],
        external: false,
    },
    Known {
        name: "a cloud load balancer",
        controllers: &[
            "ingress.k8s.aws/alb",
            "networking.gke.io/ingress-gce",
            "azure/application-gateway",
            "application-gateway.azure.com/controller",
        ],
        annotations: &["alb", "gce", "gce-internal", "azure/application-gateway"],
        namespace: "",
        labels: &[],
        external: true,
    },
];

/// The Istio Gateway API implementation: its proxies run in the Gateway's namespace.
pub(crate) const ISTIO_GATEWAY: &str = "istio.io/gateway-controller";

/// Whether `labels` carry one of the labels that mark `k`'s proxy pods.
pub(crate) fn has_known_label(k: &Known, labels: &Labels) -> bool {
    k.labels.iter().any(|(key, value)| {
        labels
            .get(*key)
            .is_some_and(|v| *value == "*" || v == value)
    })
}
