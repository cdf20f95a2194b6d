use faultline_model::pod_status::{ContainerStatus, Waiting};
use faultline_syntax::{NodeRef, TextRange};

use crate::evidence::{field_at, group_by_owner, pods_with, relate_events, relate_group, shorten};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports containers waiting because their image cannot be pulled: reason `ErrImagePull`,
    /// `ImagePullBackOff`, `InvalidImageName` or `ErrImageNeverPull`. The finding names the
    /// image and quotes the registry's answer; the replicas of one workload are one finding,
    /// with the `image:` line of the spec and the `Failed` Events as evidence.
    ///
    /// Only objects that carry a `status` are looked at.
    ///
    /// ## Why it matters
    /// The pod never starts. The registry's message tells which fix applies: `not found` or
    /// `manifest unknown` is a wrong name or tag, `unauthorized`, `denied` or `authentication
    /// required` a missing or wrong `imagePullSecrets`, a timeout a registry the node cannot
    /// reach, `InvalidImageName` a reference that is not an image name at all.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web-6b9f-2kq8d
    ///   namespace: shop
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: registry.example.com/shop/web:2.4.1
    /// status:
    ///   phase: Pending
    ///   containerStatuses:
    ///     - name: web
    ///       image: registry.example.com/shop/web:2.4.1
    ///       ready: false
    ///       restartCount: 0
    ///       state:
    ///         waiting:
    ///           reason: ImagePullBackOff
    ///           message: Back-off pulling image "registry.example.com/shop/web:2.4.1"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # An image that exists, the pod runs.
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web-6b9f-2kq8d
    ///   namespace: shop
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: registry.example.com/shop/web:2.4.0
    /// status:
    ///   phase: Running
    ///   containerStatuses:
    ///     - name: web
    ///       image: registry.example.com/shop/web:2.4.0
    ///       ready: true
    ///       restartCount: 0
    ///       state:
    ///         running:
    ///           startedAt: "2024-05-01T12:00:00Z"
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Images: <https://kubernetes.io/docs/concepts/containers/images/>
    /// - Pulling from a private registry: <https://kubernetes.io/docs/tasks/configure-pod-container/pull-image-private-registry/>
    pub struct ImagePullFailing {
        id: "image-pull-failing",
        category: Status,
        severity: Error,
        summary: "a container's image cannot be pulled",
        params: [],
    }
}

const REASONS: [&str; 4] = [
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
];

struct Hit<'a> {
    container: ContainerStatus<'a>,
    waiting: Waiting<'a>,
    reason: &'a str,
    /// The container's entry in the pod spec.
    spec: Option<NodeRef<'a>>,
}

impl Hit<'_> {
    fn anchor(&self) -> TextRange {
        field_at(self.waiting.node, "reason")
    }
}

/// What to do, from the registry's answer.
fn help(reason: &str, message: &str) -> &'static str {
    let m = message.to_ascii_lowercase();
    if reason == "InvalidImageName" {
        "write the image as `registry/repository:tag` or `repository@sha256:digest`, in lowercase, without spaces or a scheme"
    } else if reason == "ErrImageNeverPull" {
        "the image is not on the node and `imagePullPolicy: Never` forbids pulling it: preload it or change the policy"
    } else if [
        "unauthorized",
        "denied",
        "authentication",
        "forbidden",
        "401",
        "403",
    ]
    .iter()
    .any(|w| m.contains(w))
    {
        "give the pod credentials for the registry: an `imagePullSecrets` entry naming a `kubernetes.io/dockerconfigjson` Secret in its namespace (or on its ServiceAccount)"
    } else if [
        "timeout",
        "i/o timeout",
        "no such host",
        "connection refused",
    ]
    .iter()
    .any(|w| m.contains(w))
    {
        "the node cannot reach the registry: check its DNS name, the nodes' egress and any proxy or mirror configuration"
    } else {
        "check that the repository and tag exist in the registry (`not found`, `manifest unknown`) and that the pod has credentials for it (`imagePullSecrets`)"
    }
}

impl Rule for ImagePullFailing {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let found = pods_with(cx, |pod| {
            pod.all_containers().find_map(|c| {
                let w = c.state.waiting()?;
                let reason = w.reason.filter(|r| REASONS.contains(&r.value))?.value;
                Some(Hit {
                    container: *c,
                    waiting: *w,
                    reason,
                    spec: c.spec(pod),
                })
            })
        });
        for group in group_by_owner(cx.inventory, found) {
            let (first, hit) = &group.members[0];
            let spec = hit.spec;
            let image = hit
                .container
                .image
                .map(|i| i.value)
                .or_else(|| {
                    spec.and_then(|s| s.get("image"))
                        .and_then(|i| i.scalar_text())
                })
                .unwrap_or("");
            let said = hit.waiting.message.map_or("", |m| m.value);
            let why = if said.is_empty() {
                String::new()
            } else {
                format!(": {}", shorten(said, 200))
            };
            let message = format!(
                "{} cannot pull image `{image}`: container `{}` is waiting in `{}`{why}",
                group.subject(),
                hit.container.name,
                hit.reason
            );
            let mut report = out
                .report(first, hit.anchor(), message)
                .help(help(hit.reason, said));
            if let Some(image_node) = spec.and_then(|s| s.get("image")) {
                report = report.related(first, image_node.range(), "the image the pod asks for");
            }
            let report = relate_group(report, &group, Hit::anchor, |h| {
                format!(
                    "also waiting in `{}`: container `{}`",
                    h.reason, h.container.name
                )
            });
            relate_events(report, cx, group.objects(), |e| {
                e.type_ == Some("Warning")
                    && e.reason.is_some_and(|r| {
                        matches!(
                            r.value,
                            "Failed" | "BackOff" | "InspectFailed" | "ErrImageNeverPull"
                        )
                    })
            });
        }
    }
}
