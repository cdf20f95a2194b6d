use faultline_model::status::timestamp;
use faultline_model::views::{ClaimClass, PersistentVolumeClaim, StorageClass};
use faultline_model::{Inventory, Object};
use faultline_syntax::NodeRef;

use crate::evidence::{ago_with, field_at, relate_events, shorten};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports PersistentVolumeClaims whose `status.phase` is `Pending`: no volume is bound to
    /// them. The finding names the requested size and StorageClass, quotes the provisioner's
    /// last complaint (`ProvisioningFailed` Event) and relates the pods that mount the claim.
    ///
    /// A claim of a `WaitForFirstConsumer` StorageClass is pending by design until a pod that
    /// uses it is scheduled; it is reported only when the provisioner failed. A claim created
    /// less than a minute before the snapshot is still being provisioned and is not reported
    /// either, unless the provisioner failed.
    ///
    /// ## Why it matters
    /// Every pod that mounts the claim stays `Pending` (`unbound immediate
    /// PersistentVolumeClaims`); a StatefulSet stops at the first replica whose claim does not
    /// bind. Typical causes: a StorageClass that does not exist or whose provisioner is not
    /// running, a size or access mode no volume offers, a storage quota.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: PersistentVolumeClaim
    /// metadata:
    ///   name: data-postgres-0
    ///   namespace: shop
    ///   creationTimestamp: "2024-05-01T11:00:00Z"
    /// spec:
    ///   accessModes: [ReadWriteOnce]
    ///   storageClassName: fast-ssd
    ///   resources:
    ///     requests:
    ///       storage: 50Gi
    /// status:
    ///   phase: Pending
    /// ---
    /// apiVersion: v1
    /// kind: Event
    /// metadata:
    ///   name: data-postgres-0.1
    ///   namespace: shop
    /// involvedObject:
    ///   kind: PersistentVolumeClaim
    ///   name: data-postgres-0
    /// reason: ProvisioningFailed
    /// type: Warning
    /// message: storageclass.storage.k8s.io "fast-ssd" not found
    /// lastTimestamp: "2024-05-01T12:00:00Z"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # A StorageClass that exists; the claim is bound.
    /// apiVersion: v1
    /// kind: PersistentVolumeClaim
    /// metadata:
    ///   name: data-postgres-0
    ///   namespace: shop
    /// spec:
    ///   accessModes: [ReadWriteOnce]
    ///   storageClassName: standard
    ///   resources:
    ///     requests:
    ///       storage: 50Gi
    /// status:
    ///   phase: Bound
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Persistent volumes and claims: <https://kubernetes.io/docs/concepts/storage/persistent-volumes/>
    /// - Volume binding mode: <https://kubernetes.io/docs/concepts/storage/storage-classes/#volume-binding-mode>
    pub struct PvcPending {
        id: "pvc-pending",
        category: Status,
        severity: Error,
        summary: "a PersistentVolumeClaim is not bound to a volume",
        params: [],
    }
}

/// How long a new claim may take to be provisioned before it counts.
const GRACE_SECS: i64 = 60;

/// The pods (real ones, not templates) that mount `claim`, with the `claimName` node.
fn consumers<'a>(
    inventory: &'a Inventory<'a>,
    claim: &Object<'_>,
) -> Vec<(&'a Object<'a>, NodeRef<'a>)> {
    inventory
        .of_kind("Pod")
        .filter(|p| p.namespace == claim.namespace)
        .filter_map(|p| {
            let volume = p
                .spec()?
                .get("volumes")?
                .items()
                .filter_map(|v| v.path(&["persistentVolumeClaim", "claimName"]))
                .find(|n| n.scalar_text() == Some(claim.name))?;
            Some((p, volume))
        })
        .collect()
}

impl Rule for PvcPending {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let Some(claim) = PersistentVolumeClaim::of(obj) else {
            return;
        };
        let Some(status) = obj.status() else { return };
        if claim.phase().is_none_or(|p| p.value != "Pending") {
            return;
        }
        let inventory = cx.inventory;
        let Some(this) = inventory.find(obj.kind, obj.namespace, obj.name) else {
            return;
        };
        let events = cx.snapshot().events_for(inventory, this);
        let failure = events.iter().rev().find(|e| {
            e.type_ == Some("Warning")
                && e.reason.is_some_and(|r| r.value != "WaitForFirstConsumer")
        });
        let no_class = matches!(claim.storage_class(), ClaimClass::NoClass(_));
        let class_name = match claim.storage_class() {
            ClaimClass::Named(c) => Some(c.value),
            ClaimClass::NoClass(_) | ClaimClass::Unset => None,
        };
        let class = class_name.and_then(|c| inventory.find("StorageClass", None, c));
        let waits_for_consumer = class
            .and_then(StorageClass::of)
            .and_then(|c| c.volume_binding_mode())
            .is_some_and(|m| m.value == "WaitForFirstConsumer")
            || events
                .last()
                .and_then(|e| e.reason)
                .is_some_and(|r| r.value == "WaitForFirstConsumer");
        let created = timestamp(obj.metadata(), "creationTimestamp").map(|t| t.value);
        let young = created
            .zip(cx.now())
            .is_some_and(|(c, n)| c.seconds_until(n) < GRACE_SECS);
        if failure.is_none() && (waits_for_consumer || young) {
            return;
        }
        let size = claim
            .requested_storage()
            .and_then(|q| q.quantity.node.scalar_text());
        let request = match (size, class_name) {
            (Some(s), Some(c)) => format!(" (requests `{s}` of StorageClass `{c}`)"),
            (Some(s), None) if no_class => format!(
                " (requests `{s}` without a StorageClass: only a pre-created PersistentVolume can bind it)"
            ),
            (Some(s), None) => format!(" (requests `{s}` of the default StorageClass)"),
            (None, Some(c)) => format!(" (StorageClass `{c}`)"),
            (None, None) => String::new(),
        };
        let since = ago_with(cx, ", created", created);
        let said = failure
            .and_then(|e| {
                Some(format!(
                    "; the provisioner says: {}",
                    shorten(e.message?.value, 200)
                ))
            })
            .unwrap_or_default();
        let classes: Vec<String> = inventory
            .of_kind("StorageClass")
            .map(|c| format!("`{}`", c.name))
            .collect();
        let help = match class_name {
            Some(c) if !classes.is_empty() && class.is_none() => format!(
                "create StorageClass `{c}`, or set `storageClassName` to one that exists ({})",
                classes.join(", ")
            ),
            Some(c) => format!(
                "check that StorageClass `{c}` exists and its provisioner runs (`kubectl describe pvc {}`); for static volumes, create a PersistentVolume with this size, access mode and class",
                obj.name
            ),
            None => "set `storageClassName` to an existing StorageClass, or create a PersistentVolume that matches the claim".to_owned(),
        };
        let message = format!(
            "{} is `Pending`: no volume is bound to it{request}{since}{said}",
            crate::evidence::display(obj)
        );
        let mut report = out
            .report(obj, field_at(status, "phase"), message)
            .help(help);
        if let Some(class) = class {
            report = report.related(class, class.kind_range(), "the StorageClass it asks for");
        }
        for (pod, claim_name) in consumers(inventory, obj) {
            report = report.related(
                pod,
                claim_name.range(),
                "a pod that mounts this claim and cannot start until it binds",
            );
        }
        relate_events(report, cx, [this], |e| e.type_ == Some("Warning"));
    }
}
