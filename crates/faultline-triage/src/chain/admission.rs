//! The causes of a workload whose pods the Pod Security admission refuses: its controller's
//! `FailedCreate` Events say `violates PodSecurity "restricted:latest": …`. The level and
//! version are read from the message, the workload's pod template is evaluated at them
//! ([`faultline_model::pod_security`]), and each failing check becomes a cause at its field,
//! the `pod-security` finding of that check when there is one.

use faultline_diagnostics::Location;
use faultline_model::Object;
use faultline_model::pod::PodTemplate;
use faultline_model::pod_security::{self, Level, LevelVersion, Version};
use faultline_rules::Context;
use faultline_rules::evidence::summarize_events;

use super::objects::owned;
use super::wording::sh;
use super::{Cause, Findings};
use crate::ids;

/// `restricted:latest` out of an API server message `… violates PodSecurity
/// "restricted:latest": …`.
pub(crate) fn refused_at(message: &str) -> Option<LevelVersion> {
    let rest = message.split_once("violates PodSecurity \"")?.1;
    let (lv, _) = rest.split_once('"')?;
    let (level, version) = lv.split_once(':')?;
    Some(LevelVersion {
        level: Level::parse(level)?,
        version: Version::parse(version)?,
    })
}

/// The checks of `workload`'s pod template that make the admission refuse its pods, when its
/// controllers (it, its ReplicaSets or Jobs) have `FailedCreate` Events saying so.
pub(crate) fn pod_security_failures<'a>(
    cx: &Context<'a>,
    findings: &Findings<'_>,
    workload: &'a Object<'a>,
) -> Vec<Cause> {
    let mut objects = vec![workload];
    objects.extend(
        owned(cx, workload)
            .into_iter()
            .filter(|o| matches!(o.kind, "ReplicaSet" | "Job" | "ReplicationController")),
    );
    let failed = summarize_events(cx, objects.iter().copied(), |e| {
        e.reason.is_some_and(|r| r.value == "FailedCreate")
            && e.message
                .is_some_and(|m| m.value.contains("violates PodSecurity \""))
    });
    let Some(summary) = failed.first() else {
        return Vec::new();
    };
    let Some(lv) = summary.latest.message.and_then(|m| refused_at(m.value)) else {
        return Vec::new();
    };
    let why = summary.describe();
    let namespace = workload.namespace.unwrap_or("default");
    let confirm = vec![format!(
        "kubectl get namespace {} --show-labels",
        sh(namespace)
    )];
    let kv = cx.settings.kube_version;
    let newest = if kv.major == 1 {
        u32::from(kv.minor)
    } else {
        pod_security::NEWEST_MINOR
    };
    // The template the refused pods were made from: the workload's own, else that of the
    // controller the Events are about.
    let Some((shape, pod)) = objects
        .iter()
        .find_map(|o| PodTemplate::of(o).map(|p| (*o, p)))
    else {
        return Vec::new();
    };
    let keys: Vec<_> = objects.iter().map(|o| o.id).collect();
    let linked = findings.naming(&keys, &[ids::POD_SECURITY]);
    let mut causes = Vec::new();
    for v in pod_security::evaluate(&pod, lv.level, lv.version.effective(newest)) {
        let text = v.text();
        let what = format!("the pod template fails the Pod Security check {text}");
        let finding = linked
            .iter()
            .map(|&j| findings.get(j))
            .find(|d| d.message.ends_with(&text));
        causes.push(match finding {
            Some(d) => Cause::finding(d, what, why.clone(), 95, confirm.clone()),
            None => Cause::about(
                shape,
                Some(Location::new(shape.file, v.sites[0].range)),
                what,
                format!("{why}; namespace `{namespace}` enforces {lv}"),
                92,
                confirm.clone(),
            ),
        });
    }
    if causes.is_empty() {
        // The template passes that level here (another version, a changed template): the
        // Events still name the refusal.
        let e = &summary.first_event;
        causes.push(Cause::at(
            &e.object,
            e.reason.map_or(e.object.node, |r| r.node),
            format!("the Pod Security admission refuses the pods ({lv})"),
            why,
            85,
            confirm,
        ));
    }
    causes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_and_version_come_from_the_message() {
        let m = r#"Error creating: pods "web-1" is forbidden: violates PodSecurity "restricted:v1.30": seccompProfile (...)"#;
        assert_eq!(
            refused_at(m),
            Some(LevelVersion {
                level: Level::Restricted,
                version: Version::Minor(30)
            })
        );
        assert_eq!(refused_at("exceeded quota: q"), None);
        assert_eq!(
            refused_at(r#"violates PodSecurity "strict:latest": x"#),
            None
        );
    }
}
