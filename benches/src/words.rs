//! Vocabularies for realistic names.

pub(crate) const DOMAINS: &[&str] = &[
    "payments",
    "checkout",
    "catalog",
    "search",
    "identity",
    "billing",
    "orders",
    "inventory",
    "shipping",
    "notifications",
    "analytics",
    "recommendations",
    "fraud",
    "ledger",
    "pricing",
    "reviews",
    "media",
    "accounts",
    "loyalty",
    "messaging",
    "reporting",
    "ml-serving",
    "data-platform",
    "logistics",
    "customer",
    "partner",
    "risk",
    "tax",
    "promotions",
    "content",
    "wallet",
    "kyc",
    "booking",
    "fleet",
    "support",
    "compliance",
    "marketing",
    "cart",
    "geo",
    "onboarding",
];

pub(crate) const ENVS: &[&str] = &["prod", "staging", "dev", "qa", "perf", "eu", "us", "canary"];

pub(crate) const COMPONENTS: &[&str] = &[
    "api",
    "web",
    "worker",
    "frontend",
    "backend",
    "gateway",
    "consumer",
    "scheduler",
    "cache",
    "proxy",
    "sync",
    "indexer",
    "exporter",
    "admin",
    "graphql",
    "grpc",
    "event-router",
    "batch",
    "notifier",
    "ingest",
    "reconciler",
    "webhook",
    "report-builder",
    "stream-processor",
    "auth-proxy",
    "migrator",
    "bff",
    "renderer",
    "validator",
    "archiver",
];

/// (namespace, deployment names) of the system namespaces every cluster has.
pub(crate) const SYSTEM: &[(&str, &[&str])] = &[
    (
        "kube-system",
        &[
            "coredns",
            "metrics-server",
            "cluster-autoscaler",
            "ebs-csi-controller",
            "aws-load-balancer-controller",
        ],
    ),
    ("ingress-nginx", &["ingress-nginx-controller", "ingress-nginx-defaultbackend"]),
    (
        "monitoring",
        &[
            "prometheus-operator",
            "kube-state-metrics",
            "grafana",
            "alertmanager-proxy",
            "blackbox-exporter",
        ],
    ),
];

/// Non-ASCII annotation texts (some contain `: ` and need quoting).
pub(crate) const DESCRIPTIONS: &[&str] = &[
    "支付服务 — Zahlungsdienst",
    "Сервис каталога товаров",
    "サービス: 注文管理",
    "Servicio de envíos — región España",
    "Ürün arama servisi (çok dilli)",
    "خدمة الإشعارات",
    "Dịch vụ thanh toán trực tuyến",
    "결제 서비스 상태 점검",
    "Grüße aus Zürich — naïve café résumé",
    "Υπηρεσία τιμολόγησης",
    "Serviço de recomendações — São Paulo",
    "Usługa powiadomień: e-mail, SMS i push",
    "מערכת ניהול מלאי",
    "库存同步任务 · 每 5 分钟",
    "Łódź → Kraków routing service «beta»",
];

pub(crate) const JAVA_IMAGES: &[&str] = &["eclipse-temurin:17-jre", "eclipse-temurin:21-jre-alpine"];

pub(crate) const SIDECARS: &[(&str, &str)] = &[
    ("envoy", "envoyproxy/envoy:v1.29.2"),
    ("fluent-bit", "cr.fluentbit.io/fluent/fluent-bit:3.0.4"),
    ("cloud-sql-proxy", "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.0"),
    ("oauth2-proxy", "quay.io/oauth2-proxy/oauth2-proxy:v7.6.0"),
];

pub(crate) const NODE_IMAGES: &[&str] = &[
    "registry.k8s.io/kube-proxy",
    "quay.io/prometheus/node-exporter",
    "cr.fluentbit.io/fluent/fluent-bit",
    "registry.k8s.io/coredns/coredns",
    "docker.io/library/nginx",
    "docker.io/library/redis",
    "quay.io/cilium/cilium",
    "public.ecr.aws/eks-distro/kubernetes-csi/node-driver-registrar",
    "registry.k8s.io/pause",
    "docker.io/bitnami/postgresql",
    "ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-contrib",
    "docker.io/grafana/grafana",
];
