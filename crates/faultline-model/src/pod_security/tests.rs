use std::sync::Arc;

use super::policy::{Mode, NamespacePolicy};
use super::*;
use crate::{Inventory, ModelOptions};

fn with_pod(text: &str, f: impl FnOnce(&str, &PodTemplate<'_>)) {
    let parsed = vec![faultline_syntax::yaml::parse_yaml(&Arc::from(text))];
    let inv = Inventory::build(&parsed, &ModelOptions::default());
    let obj = &inv.objects[0];
    f(text, &PodTemplate::of(obj).expect("a pod shape"));
}

fn at<'t>(text: &'t str, site: &Site<'_>) -> &'t str {
    &text[site.range.start as usize..site.range.end as usize]
}

const APP: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    metadata:
      annotations:
        container.apparmor.security.beta.kubernetes.io/app: unconfined
    spec:
      hostNetwork: true
      hostPID: true
      securityContext:
        sysctls:
        - {name: kernel.msgmax, value: '1'}
        - {name: net.ipv4.tcp_keepalive_time, value: '1'}
      volumes:
      - name: root
        hostPath: {path: /}
      - name: scratch
      containers:
      - name: app
        image: nginx
        ports:
        - {containerPort: 80, hostPort: 8080}
        - {containerPort: 81, hostPort: 10}
        securityContext:
          privileged: true
          capabilities:
            add: [SYS_ADMIN, CHOWN]
      - name: side
        image: busybox
";

#[test]
fn baseline_messages_are_upstreams_and_point_at_the_fields() {
    with_pod(APP, |text, pod| {
        let v = evaluate(pod, Level::Baseline, 28);
        let got: Vec<(CheckId, String, Vec<&str>)> = v
            .iter()
            .map(|v| {
                (
                    v.check,
                    v.text(),
                    v.sites.iter().map(|s| at(text, s)).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    CheckId::AppArmorProfile,
                    r#"forbidden AppArmor profile (annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/app="unconfined"")"#.to_owned(),
                    vec!["container.apparmor.security.beta.kubernetes.io/app: unconfined"],
                ),
                (
                    CheckId::CapabilitiesBaseline,
                    r#"non-default capabilities (container "app" must not include "SYS_ADMIN" in securityContext.capabilities.add)"#.to_owned(),
                    vec!["SYS_ADMIN"],
                ),
                (
                    CheckId::HostNamespaces,
                    "host namespaces (hostNetwork=true, hostPID=true)".to_owned(),
                    vec!["hostNetwork: true", "hostPID: true"],
                ),
                (
                    CheckId::HostPathVolumes,
                    r#"hostPath volumes (volume "root")"#.to_owned(),
                    vec!["hostPath"],
                ),
                (
                    CheckId::HostPorts,
                    r#"hostPort (container "app" uses hostPorts 10, 8080)"#.to_owned(),
                    vec!["hostPort: 8080", "hostPort: 10"],
                ),
                (
                    CheckId::Privileged,
                    r#"privileged (container "app" must not set securityContext.privileged=true)"#.to_owned(),
                    vec!["privileged: true"],
                ),
                (
                    CheckId::Sysctls,
                    // tcp_keepalive_time is safe from v1.29 only.
                    "forbidden sysctls (kernel.msgmax, net.ipv4.tcp_keepalive_time)".to_owned(),
                    vec!["name: kernel.msgmax", "name: net.ipv4.tcp_keepalive_time"],
                ),
            ]
        );
        let v29 = evaluate(pod, Level::Baseline, 29);
        let sysctls = v29.iter().find(|v| v.check == CheckId::Sysctls).unwrap();
        assert_eq!(sysctls.detail, "kernel.msgmax");
    });
}

#[test]
fn restricted_adds_its_checks_and_overrides_baseline_ones() {
    with_pod(APP, |text, pod| {
        let v = evaluate(pod, Level::Restricted, 30);
        let ids: Vec<&str> = v.iter().map(|v| v.check.id()).collect();
        assert_eq!(
            ids,
            [
                "appArmorProfile",
                "hostNamespaces",
                "hostPorts",
                "privileged",
                "sysctls",
                "allowPrivilegeEscalation",
                "capabilities_restricted",
                "restrictedVolumes",
                "runAsNonRoot",
                "seccompProfile_restricted",
            ]
        );
        let ape = &v[5];
        assert_eq!(
            ape.text(),
            r#"allowPrivilegeEscalation != false (containers "app", "side" must set securityContext.allowPrivilegeEscalation=false)"#
        );
        // A missing field: the nearest written key, else the container's name.
        assert_eq!(
            ape.sites.iter().map(|s| at(text, s)).collect::<Vec<_>>(),
            ["securityContext", "side"]
        );
        assert_eq!(
            v[6].detail,
            r#"containers "app", "side" must set securityContext.capabilities.drop=["ALL"]; container "app" must not include "CHOWN", "SYS_ADMIN" in securityContext.capabilities.add"#
        );
        assert_eq!(
            v[7].detail,
            r#"volume "root" uses restricted volume type "hostPath""#
        );
        // Before its introduction a check does not run: v1.7 has no allowPrivilegeEscalation,
        // and capabilities_baseline is back before v1.22.
        let old: Vec<&str> = evaluate(pod, Level::Restricted, 7)
            .iter()
            .map(|v| v.check.id())
            .collect();
        assert!(!old.contains(&"allowPrivilegeEscalation"));
        assert!(old.contains(&"capabilities_baseline"));
        assert!(!old.contains(&"capabilities_restricted"));
        assert!(evaluate(pod, Level::Privileged, 30).is_empty());
    });
}

#[test]
fn versions_parse_like_upstream_and_clamp_to_the_newest() {
    assert_eq!(Version::parse("latest"), Some(Version::Latest));
    assert_eq!(Version::parse("v1.30"), Some(Version::Minor(30)));
    assert_eq!(Version::parse("v1.0"), Some(Version::Minor(0)));
    for bad in ["v1.030", "1.30", "v2.1", "v1.", "v1.3x", ""] {
        assert_eq!(Version::parse(bad), None, "{bad}");
    }
    assert_eq!(Version::Latest.effective(32), 32);
    assert_eq!(Version::Latest.effective(99), NEWEST_MINOR);
    assert_eq!(Version::Minor(99).effective(40), NEWEST_MINOR);
    assert_eq!(Version::Minor(36).effective(32), 32);
    assert_eq!(Version::Minor(20).effective(32), 20);
    assert_eq!(
        LevelVersion {
            level: Level::Restricted,
            version: Version::Minor(30)
        }
        .to_string(),
        "restricted:v1.30"
    );
}

fn policy_of(labels: &str) -> String {
    let text =
        format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n  labels: {labels}\n");
    let parsed = vec![faultline_syntax::yaml::parse_yaml(&Arc::from(
        text.as_str(),
    ))];
    let inv = Inventory::build(&parsed, &ModelOptions::default());
    let defaults = NamespacePolicy::uniform(LevelVersion {
        level: Level::Privileged,
        version: Version::Latest,
    });
    let p =
        NamespacePolicy::from_labels(inv.objects[0].node.path(&["metadata", "labels"]), &defaults);
    format!(
        "{} {} {} errors={}",
        p.mode(Mode::Enforce).level_version,
        p.mode(Mode::Audit).level_version,
        p.mode(Mode::Warn).level_version,
        p.errors.len()
    )
}

#[test]
fn namespace_labels_follow_policy_to_evaluate() {
    assert_eq!(
        policy_of("{}"),
        "privileged:latest privileged:latest privileged:latest errors=0"
    );
    // warn follows a stricter enforce, with its version.
    assert_eq!(
        policy_of(
            "{pod-security.kubernetes.io/enforce: restricted, pod-security.kubernetes.io/enforce-version: v1.30}"
        ),
        "restricted:v1.30 privileged:latest restricted:v1.30 errors=0"
    );
    // ... unless warn is labelled.
    assert_eq!(
        policy_of(
            "{pod-security.kubernetes.io/enforce: baseline, pod-security.kubernetes.io/warn: restricted}"
        ),
        "baseline:latest privileged:latest restricted:latest errors=0"
    );
    // An invalid enforce level fails closed and does not default warn; audit and warn fail open.
    assert_eq!(
        policy_of(
            "{pod-security.kubernetes.io/enforce: strict, pod-security.kubernetes.io/audit: x, pod-security.kubernetes.io/warn-version: v1.x}"
        ),
        "restricted:latest privileged:latest privileged:latest errors=3"
    );
}

#[test]
fn go_quote_escapes_like_go() {
    assert_eq!(go_quote("a\"b\\c\n\u{1}"), r#""a\"b\\c\n\x01""#);
}

/// The checks at `level` and `minor` that the pod `spec` (indented as a Pod's) fails.
fn failing(spec: &str, annotations: &str, level: Level, minor: u32) -> Vec<&'static str> {
    let text = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {annotations}\nspec:\n{spec}"
    );
    let mut out = Vec::new();
    with_pod(&text, |_, pod| {
        out = evaluate(pod, level, minor)
            .iter()
            .map(|v| v.check.id())
            .collect();
    });
    out
}

#[test]
fn each_versioned_variant_changes_at_its_version() {
    // Windows pods are exempt from the restricted Linux checks from v1.25.
    let windows = "  os: {name: windows}\n  securityContext: {runAsNonRoot: true}\n  containers:\n  - name: c\n";
    assert_eq!(
        failing(windows, "{}", Level::Restricted, 24),
        [
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "seccompProfile_restricted"
        ]
    );
    assert!(failing(windows, "{}", Level::Restricted, 25).is_empty());
    // A pod in a user namespace may run as root and unmask /proc at baseline from v1.35; the
    // restricted level keeps procMount_restricted.
    let userns = "  hostUsers: false\n  securityContext: {runAsUser: 0, seccompProfile: {type: RuntimeDefault}}\n  containers:\n  - name: c\n    securityContext: {procMount: Unmasked, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n";
    assert_eq!(failing(userns, "{}", Level::Baseline, 34), ["procMount"]);
    assert!(failing(userns, "{}", Level::Baseline, 35).is_empty());
    assert_eq!(
        failing(userns, "{}", Level::Restricted, 34),
        ["procMount", "runAsNonRoot", "runAsUser"]
    );
    assert_eq!(
        failing(userns, "{}", Level::Restricted, 35),
        ["procMount_restricted"]
    );
    // container_engine_t from v1.31.
    let engine = "  securityContext: {seLinuxOptions: {type: container_engine_t}}\n  containers:\n  - name: c\n";
    assert_eq!(
        failing(engine, "{}", Level::Baseline, 30),
        ["seLinuxOptions"]
    );
    assert!(failing(engine, "{}", Level::Baseline, 31).is_empty());
    // The safe sysctls grow in v1.27, v1.29, v1.32 and v1.37.
    for (sysctl, from) in [
        ("net.ipv4.ip_local_reserved_ports", 27),
        ("net.ipv4.tcp_fin_timeout", 29),
        ("net.ipv4.tcp_wmem", 32),
        ("net.ipv4.tcp_notsent_lowat", 37),
    ] {
        let spec = format!(
            "  securityContext: {{sysctls: [{{name: {sysctl}, value: '1'}}]}}\n  containers:\n  - name: c\n"
        );
        assert_eq!(
            failing(&spec, "{}", Level::Baseline, from - 1),
            ["sysctls"],
            "{sysctl}"
        );
        assert!(
            failing(&spec, "{}", Level::Baseline, from).is_empty(),
            "{sysctl}"
        );
    }
    // Seccomp: the alpha annotations until v1.18, the fields from v1.19.
    let seccomp =
        "  securityContext: {seccompProfile: {type: Unconfined}}\n  containers:\n  - name: c\n";
    let annotation = "{seccomp.security.alpha.kubernetes.io/pod: unconfined}";
    assert_eq!(
        failing(seccomp, annotation, Level::Baseline, 18),
        ["seccompProfile_baseline"]
    );
    assert!(failing(seccomp, "{}", Level::Baseline, 18).is_empty());
    assert!(
        failing(
            "  containers:\n  - name: c\n",
            annotation,
            Level::Baseline,
            19
        )
        .is_empty()
    );
    assert_eq!(
        failing(seccomp, "{}", Level::Baseline, 19),
        ["seccompProfile_baseline"]
    );
    // Probe and lifecycle hosts from v1.34.
    let probe =
        "  containers:\n  - name: c\n    livenessProbe: {httpGet: {host: 10.0.0.1, port: 80}}\n";
    assert!(failing(probe, "{}", Level::Baseline, 33).is_empty());
    assert_eq!(
        failing(probe, "{}", Level::Baseline, 34),
        ["hostProbesAndHostLifecycle"]
    );
}

#[test]
fn containers_past_the_kept_ones_are_checked_too() {
    let mut spec = String::from("  initContainers:\n  - name: i0\n  containers:\n");
    for i in 1..10 {
        spec.push_str(&format!("  - name: c{i}\n"));
    }
    spec.push_str("    securityContext: {privileged: true}\n");
    let text = format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n{spec}");
    with_pod(&text, |_, pod| {
        let v = evaluate(pod, Level::Restricted, 30);
        assert_eq!(
            v[0].text(),
            r#"privileged (container "c9" must not set securityContext.privileged=true)"#
        );
        let ape = v
            .iter()
            .find(|v| v.check == CheckId::AllowPrivilegeEscalation)
            .unwrap();
        assert_eq!(ape.sites.len(), 10);
        assert!(
            ape.detail.starts_with(r#"containers "i0", "c1", "#),
            "{}",
            ape.detail
        );
    });
}
