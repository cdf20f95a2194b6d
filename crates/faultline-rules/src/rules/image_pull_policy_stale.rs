use faultline_model::pod::PodTemplate;
use faultline_model::{Object, field};

use crate::security::{ImageRef, judged_through_controller};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports containers whose image is `latest` (tagged so, or untagged) with
    /// `imagePullPolicy: IfNotPresent` or `Never` written. (Without the field the API
    /// server defaults a `latest` image to `Always`, which is right.)
    ///
    /// A Pod, ReplicaSet or Job whose controller is in the input (a snapshot's replicas) is
    /// judged through the controller's template, where the fix is written.
    ///
    /// ## Why it matters
    /// With `IfNotPresent` a node that once pulled `app:latest` keeps running that copy:
    /// pushing a new `latest` and restarting the pods changes nothing on nodes that have
    /// the old one, and different nodes run different builds of the same Deployment.
    /// `Never` never pulls at all, so the pod fails on every node without the image.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: registry.example.com/web:latest
    ///           imagePullPolicy: IfNotPresent
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: registry.example.com/web:2.3.1
    ///           imagePullPolicy: IfNotPresent
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Image pull policy: <https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy>
    pub struct ImagePullPolicyStale {
        id: "image-pull-policy-stale",
        category: Security,
        severity: Warning,
        summary: "a `latest` image with `imagePullPolicy: IfNotPresent` or `Never` keeps running a stale build",
        params: [],
    }
}

impl Rule for ImagePullPolicyStale {
    fn check_pod(
        &self,
        cx: &Context<'_>,
        obj: &Object<'_>,
        pod: &PodTemplate<'_>,
        out: &mut Sink<'_>,
    ) {
        if judged_through_controller(cx, obj) {
            return;
        }
        for c in pod.containers() {
            let Some(policy) = field::str(Some(c.node), "imagePullPolicy") else {
                continue;
            };
            if !matches!(policy.value, "IfNotPresent" | "Never") {
                continue;
            }
            let Some(image) = c.image().and_then(|n| n.as_str()) else {
                continue;
            };
            if !ImageRef::parse(image).is_some_and(|i| i.is_latest()) {
                continue;
            }
            let consequence = if policy.value == "Never" {
                "the kubelet never pulls it, so each node runs whatever `latest` it has, or fails without one"
            } else {
                "a node that has pulled it once keeps running that copy when a new `latest` is pushed"
            };
            out.report(
                obj,
                policy.range(),
                format!(
                    "container `{}` runs a `latest` image with `imagePullPolicy: {}`: {consequence}",
                    c.name(),
                    policy.value
                ),
            )
            .help("use a version tag or digest for the image (then `IfNotPresent` is right), or `imagePullPolicy: Always`");
        }
    }
}
