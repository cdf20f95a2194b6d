use faultline_model::pod_status::{ContainerStatus, Waiting};
use faultline_syntax::{NodeRef, TextRange};

use crate::evidence::{field_at, group_by_owner, pods_with, relate_events, relate_group, shorten};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports containers kubelet cannot create because their configuration does not resolve:
    /// reason `CreateContainerConfigError`, whose message names the missing ConfigMap or
    /// Secret (`configmap "app-config" not found`) or key (`couldn't find key DB_URL in
    /// ConfigMap shop/app-config`). The finding points at the waiting reason and, as related,
    /// at the reference in the pod spec that names the missing object or key. The replicas of
    /// one workload are one finding.
    ///
    /// Only objects that carry a `status` are looked at.
    ///
    /// ## Why it matters
    /// The container never starts, and nothing retries on its own until the object or key
    /// exists. The usual causes are a ConfigMap or Secret created in another namespace, a typo
    /// in its name, a key renamed in one place only, or a Secret that a deployment pipeline
    /// did not create yet.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: api-7f6d-9xk2p
    ///   namespace: shop
    /// spec:
    ///   containers:
    ///     - name: api
    ///       image: registry.example.com/shop/api:1.9.0
    ///       env:
    ///         - name: DB_PASSWORD
    ///           valueFrom:
    ///             secretKeyRef:
    ///               name: api-db
    ///               key: password
    /// status:
    ///   phase: Pending
    ///   containerStatuses:
    ///     - name: api
    ///       ready: false
    ///       restartCount: 0
    ///       state:
    ///         waiting:
    ///           reason: CreateContainerConfigError
    ///           message: secret "api-db" not found
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # The Secret exists, the pod runs.
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: api-7f6d-9xk2p
    ///   namespace: shop
    /// spec:
    ///   containers:
    ///     - name: api
    ///       image: registry.example.com/shop/api:1.9.0
    /// status:
    ///   phase: Running
    ///   containerStatuses:
    ///     - name: api
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
    /// - ConfigMaps as environment variables: <https://kubernetes.io/docs/tasks/configure-pod-container/configure-pod-configmap/>
    /// - Secrets as environment variables: <https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables>
    pub struct ContainerConfigError {
        id: "container-config-error",
        category: Status,
        severity: Error,
        summary: "a container cannot start because a ConfigMap, Secret or key it uses is missing",
        params: [],
    }
}

/// What a `CreateContainerConfigError` message says is missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Missing<'m> {
    /// `ConfigMap` or `Secret`.
    kind: &'static str,
    name: &'m str,
    key: Option<&'m str>,
}

/// Reads kubelet's messages: `configmap "x" not found`, `secret "x" not found`,
/// `couldn't find key k in ConfigMap ns/x`, `couldn't find key k in Secret ns/x`.
fn missing(message: &str) -> Option<Missing<'_>> {
    for (prefix, kind) in [("configmap \"", "ConfigMap"), ("secret \"", "Secret")] {
        if let Some(at) = message.find(prefix) {
            let rest = &message[at + prefix.len()..];
            let (name, tail) = rest.split_once('"')?;
            if tail.trim_start().starts_with("not found") {
                return Some(Missing {
                    kind,
                    name,
                    key: None,
                });
            }
        }
    }
    let rest = &message[message.find("couldn't find key ")? + "couldn't find key ".len()..];
    let (key, rest) = rest.split_once(" in ")?;
    let (kind, object) = rest.split_once(' ')?;
    let kind = match kind {
        "ConfigMap" => "ConfigMap",
        "Secret" => "Secret",
        _ => return None,
    };
    let object = object.split_whitespace().next()?;
    let name = object.rsplit('/').next()?;
    Some(Missing {
        kind,
        name,
        key: Some(key),
    })
}

/// The place in a container's spec that references `m`: an `env[].valueFrom` key reference,
/// an `envFrom[]` entry, or a pod volume.
fn reference<'a>(
    container: NodeRef<'a>,
    pod_spec: Option<NodeRef<'a>>,
    m: &Missing<'_>,
) -> Option<NodeRef<'a>> {
    let (key_ref, from_ref, volume, volume_name) = match m.kind {
        "ConfigMap" => ("configMapKeyRef", "configMapRef", "configMap", "name"),
        _ => ("secretKeyRef", "secretRef", "secret", "secretName"),
    };
    let named =
        |n: NodeRef<'a>, field: &str| n.get(field).and_then(|v| v.scalar_text()) == Some(m.name);
    let env = container
        .get("env")
        .into_iter()
        .flat_map(|l| l.items())
        .filter_map(|e| e.path(&["valueFrom", key_ref]))
        .find(|r| {
            named(*r, "name")
                && m.key
                    .is_none_or(|k| r.get("key").and_then(|v| v.scalar_text()) == Some(k))
        });
    let env_from = || {
        container
            .get("envFrom")
            .into_iter()
            .flat_map(|l| l.items())
            .filter_map(|e| e.get(from_ref))
            .find(|r| named(*r, "name"))
    };
    let volumes = || {
        pod_spec?
            .get("volumes")?
            .items()
            .filter_map(|v| v.get(volume))
            .find(|v| named(*v, volume_name))
    };
    env.or_else(env_from).or_else(volumes)
}

struct Hit<'a> {
    container: ContainerStatus<'a>,
    waiting: Waiting<'a>,
    reference: Option<NodeRef<'a>>,
}

impl Hit<'_> {
    fn anchor(&self) -> TextRange {
        field_at(self.waiting.node, "reason")
    }
}

impl Rule for ContainerConfigError {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let found = pods_with(cx, |pod| {
            pod.all_containers().find_map(|c| {
                let w = c.state.waiting()?;
                w.reason
                    .filter(|r| r.value == "CreateContainerConfigError")?;
                let m = w.message.and_then(|m| missing(m.value));
                let reference = c
                    .spec(pod)
                    .zip(m)
                    .and_then(|(s, m)| reference(s, pod.object.spec(), &m));
                Some(Hit {
                    container: *c,
                    waiting: *w,
                    reference,
                })
            })
        });
        for group in group_by_owner(cx.inventory, found) {
            let (first, hit) = &group.members[0];
            let said = hit.waiting.message.map_or("", |m| m.value);
            let m = missing(said);
            let ns = first.namespace.unwrap_or("default");
            let what = match m {
                Some(Missing {
                    kind,
                    name,
                    key: Some(key),
                }) => format!("key `{key}` is missing from {kind}/{ns}/{name}"),
                Some(Missing { kind, name, .. }) => format!("{kind}/{ns}/{name} does not exist"),
                None => shorten(said, 200),
            };
            let message = format!(
                "{} cannot start: container `{}` is waiting in `CreateContainerConfigError`: {what}",
                group.subject(),
                hit.container.name
            );
            let help = match m {
                Some(Missing {
                    kind,
                    name,
                    key: Some(key),
                }) => format!(
                    "add the key `{key}` to {kind} `{name}` in namespace `{ns}`, or fix the key the pod references"
                ),
                Some(Missing { kind, name, .. }) => format!(
                    "create {kind} `{name}` in namespace `{ns}` (the pod's namespace), or fix the name the pod references"
                ),
                None => "fix the container's configuration as kubelet's message says".to_owned(),
            };
            let mut report = out.report(first, hit.anchor(), message).help(help);
            if let Some(r) = hit.reference {
                report = report.related(first, r.range(), "the reference that does not resolve");
            }
            let report = relate_group(report, &group, Hit::anchor, |h| {
                format!(
                    "also waiting in `CreateContainerConfigError`: container `{}`",
                    h.container.name
                )
            });
            relate_events(report, cx, group.objects(), |e| {
                e.type_ == Some("Warning") && e.reason.is_some_and(|r| r.value == "Failed")
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kubelets_messages() {
        assert_eq!(
            missing("configmap \"app-config\" not found"),
            Some(Missing {
                kind: "ConfigMap",
                name: "app-config",
                key: None
            })
        );
        assert_eq!(
            missing("secret \"api-db\" not found"),
            Some(Missing {
                kind: "Secret",
                name: "api-db",
                key: None
            })
        );
        assert_eq!(
            missing("couldn't find key DB_URL in ConfigMap shop/app-config"),
            Some(Missing {
                kind: "ConfigMap",
                name: "app-config",
                key: Some("DB_URL")
            })
        );
        assert_eq!(
            missing("couldn't find key password in Secret shop/api-db"),
            Some(Missing {
                kind: "Secret",
                name: "api-db",
                key: Some("password")
            })
        );
        assert_eq!(
            missing("container has runAsNonRoot and image will run as root"),
            None
        );
    }
}
