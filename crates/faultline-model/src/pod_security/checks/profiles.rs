//! The checks of the profiles a pod runs under: AppArmor, SELinux and seccomp (fields and
//! the annotations that preceded them), as upstream's `check_appArmorProfile.go`,
//! `check_seLinuxOptions.go` and `check_seccompProfile_*.go` evaluate them.

use super::*;

fn allowed_app_armor_type(t: &str) -> bool {
    matches!(t, "RuntimeDefault" | "Localhost")
}

/// A `type` field of a profile mapping (`appArmorProfile`, `seccompProfile`): its value and
/// where it is (the `type` entry, else the profile's key).
fn profile_type<'a>(
    parent: NodeRef<'a>,
    key: &str,
    profile: NodeRef<'a>,
) -> (&'a str, NodeRef<'a>, Option<Site<'a>>) {
    let t = get(Some(profile), "type").map_or("", text);
    let site = field_site(profile, "type", String::new())
        .or_else(|| field_site(parent, key, String::new()));
    (t, profile, site)
}

// appArmorProfile: baseline, 1.0+.
pub(super) fn app_armor_profile<'a>(pod: &Pod<'a>) -> Option<Violation<'a>> {
    let mut setters: Vec<String> = Vec::new();
    let mut bad_values = BTreeSet::new();
    let mut sites = Vec::new();
    if let Some(sc) = pod.sc
        && let Some(profile) = get(Some(sc), "appArmorProfile")
    {
        let (t, _, site) = profile_type(sc, "appArmorProfile", profile);
        if !allowed_app_armor_type(t) {
            setters.push("pod".to_owned());
            bad_values.insert(t);
            sites.extend(site.map(|s| Site {
                note: format!("the pod sets securityContext.appArmorProfile.type: {t:?}"),
                ..s
            }));
        }
    }
    let mut names = Vec::new();
    for c in pod.containers() {
        let Some(sc) = c.sc else { continue };
        let Some(profile) = get(Some(sc), "appArmorProfile") else {
            continue;
        };
        let (t, _, site) = profile_type(sc, "appArmorProfile", profile);
        if !allowed_app_armor_type(t) {
            names.push(c.name());
            bad_values.insert(t);
            sites.extend(site.map(|s| Site {
                note: format!(
                    "container {:?} sets securityContext.appArmorProfile.type: {t:?}",
                    c.name()
                ),
                ..s
            }));
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    let mut forbidden = Vec::new();
    let mut annotation_sites = Vec::new();
    for (k, v) in pod.annotations() {
        let key = text(k);
        let value = text(v);
        if key.starts_with("container.apparmor.security.beta.kubernetes.io/")
            && !(value.is_empty() || value == "runtime/default" || value.starts_with("localhost/"))
        {
            let entry = format!("{key}={}", go_quote(value));
            annotation_sites.push((
                entry.clone(),
                Site {
                    node: v,
                    range: k.range().cover(v.range()),
                    note: format!("the annotation {entry}"),
                },
            ));
            forbidden.push(entry);
        }
    }
    let mut bad_list: Vec<String> = bad_values.into_iter().map(str::to_owned).collect();
    if !forbidden.is_empty() {
        forbidden.sort();
        annotation_sites.sort_by(|a, b| a.0.cmp(&b.0));
        bad_list.extend(forbidden.iter().cloned());
        setters.push(pluralize("annotation", "annotations", forbidden.len()).to_owned());
        sites.extend(annotation_sites.into_iter().map(|(_, s)| s));
    }
    if setters.is_empty() {
        return None;
    }
    violation(
        CheckId::AppArmorProfile,
        pluralize(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            bad_list.len(),
        ),
        format!(
            "{} must not set AppArmor profile type to {}",
            setters.join(" and "),
            join_quote(&bad_list)
        ),
        sites,
    )
}

// seLinuxOptions: baseline, 1.0+; `container_engine_t` allowed from 1.31.
pub(super) fn se_linux_options<'a>(minor: u32, pod: &Pod<'a>) -> Option<Violation<'a>> {
    let allowed = |t: &str| {
        matches!(
            t,
            "" | "container_t" | "container_init_t" | "container_kvm_t"
        ) || (minor >= 31 && t == "container_engine_t")
    };
    let mut bad_types = BTreeSet::new();
    let mut set_user = false;
    let mut set_role = false;
    let mut sites = Vec::new();
    let mut check = |opts: NodeRef<'a>, who: &str| {
        let mut valid = true;
        let t = get(Some(opts), "type").map_or("", text);
        if !allowed(t) {
            valid = false;
            bad_types.insert(t);
            sites.extend(field_site(
                opts,
                "type",
                format!("{who} sets securityContext.seLinuxOptions.type: {t}"),
            ));
        }
        for (key, seen) in [("user", &mut set_user), ("role", &mut set_role)] {
            if get(Some(opts), key).is_some_and(|v| !text(v).is_empty()) {
                valid = false;
                *seen = true;
                sites.extend(field_site(
                    opts,
                    key,
                    format!("{who} sets securityContext.seLinuxOptions.{key}"),
                ));
            }
        }
        valid
    };
    let mut setters: Vec<String> = Vec::new();
    if let Some(opts) = get(pod.sc, "seLinuxOptions")
        && !check(opts, "the pod")
    {
        setters.push("pod".to_owned());
    }
    let mut names = Vec::new();
    for c in pod.containers() {
        if let Some(opts) = get(c.sc, "seLinuxOptions")
            && !check(opts, &format!("container {:?}", c.name()))
        {
            names.push(c.name());
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    if setters.is_empty() {
        return None;
    }
    let mut data = Vec::new();
    if !bad_types.is_empty() {
        data.push(format!(
            "{} {}",
            pluralize("type", "types", bad_types.len()),
            join_quote(&bad_types)
        ));
    }
    if set_user {
        data.push("user may not be set".to_owned());
    }
    if set_role {
        data.push("role may not be set".to_owned());
    }
    violation(
        CheckId::SeLinuxOptions,
        "seLinuxOptions",
        format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters.join(" and "),
            data.join("; ")
        ),
        sites,
    )
}

fn valid_seccomp(t: &str) -> bool {
    matches!(t, "Localhost" | "RuntimeDefault")
}

fn valid_seccomp_annotation(v: &str) -> bool {
    v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/")
}

// seccompProfile_baseline before 1.19: the alpha annotations.
pub(super) fn seccomp_baseline_annotations<'a>(pod: &Pod<'a>) -> Option<Violation<'a>> {
    const POD: &str = "seccomp.security.alpha.kubernetes.io/pod";
    const CONTAINER: &str = "container.seccomp.security.alpha.kubernetes.io/";
    let mut forbidden: Vec<(String, Site<'a>)> = Vec::new();
    let mut add = |k: NodeRef<'a>, v: NodeRef<'a>| {
        let value = text(v);
        if !valid_seccomp_annotation(value) {
            let entry = format!("{}={}", text(k), go_quote(value));
            if !forbidden.iter().any(|(e, _)| *e == entry) {
                let note = format!("the annotation {entry}");
                forbidden.push((
                    entry,
                    Site {
                        node: v,
                        range: k.range().cover(v.range()),
                        note,
                    },
                ));
            }
        }
    };
    if let Some((k, v)) = pod.annotation(POD) {
        add(k, v);
    }
    for c in pod.containers() {
        let key = format!("{CONTAINER}{}", c.name());
        if let Some((k, v)) = pod.annotation(&key) {
            add(k, v);
        }
    }
    if forbidden.is_empty() {
        return None;
    }
    forbidden.sort_by(|a, b| a.0.cmp(&b.0));
    let entries: Vec<&str> = forbidden.iter().map(|(e, _)| e.as_str()).collect();
    let detail = format!(
        "forbidden {} {}",
        pluralize("annotation", "annotations", entries.len()),
        entries.join(", ")
    );
    violation(
        CheckId::SeccompProfileBaseline,
        "seccompProfile",
        detail,
        forbidden.into_iter().map(|(_, s)| s).collect(),
    )
}

/// What the fields `securityContext.seccompProfile` say, for both seccomp checks: the setters
/// of a forbidden type, the forbidden types, their sites, and whether the pod sets a valid
/// profile.
struct SeccompFields<'a> {
    setters: Vec<String>,
    bad_values: BTreeSet<&'a str>,
    sites: Vec<Site<'a>>,
    pod_valid: bool,
}

fn seccomp_fields<'a>(pod: &Pod<'a>, mut unset: impl FnMut(&Ctr<'a>)) -> SeccompFields<'a> {
    let mut out = SeccompFields {
        setters: Vec::new(),
        bad_values: BTreeSet::new(),
        sites: Vec::new(),
        pod_valid: false,
    };
    if let Some(sc) = pod.sc
        && let Some(profile) = get(Some(sc), "seccompProfile")
    {
        let (t, _, site) = profile_type(sc, "seccompProfile", profile);
        if valid_seccomp(t) {
            out.pod_valid = true;
        } else {
            out.setters.push("pod".to_owned());
            out.bad_values.insert(t);
            out.sites.extend(site.map(|s| Site {
                note: format!("the pod sets securityContext.seccompProfile.type: {t:?}"),
                ..s
            }));
        }
    }
    let mut names = Vec::new();
    for c in pod.containers() {
        let profile = c.sc.and_then(|sc| get(Some(sc), "seccompProfile"));
        match (c.sc, profile) {
            (Some(sc), Some(profile)) => {
                let (t, _, site) = profile_type(sc, "seccompProfile", profile);
                if !valid_seccomp(t) {
                    names.push(c.name());
                    out.bad_values.insert(t);
                    out.sites.extend(site.map(|s| Site {
                        note: format!(
                            "container {:?} sets securityContext.seccompProfile.type: {t:?}",
                            c.name()
                        ),
                        ..s
                    }));
                }
            }
            _ => unset(&c),
        }
    }
    if !names.is_empty() {
        out.setters.push(containers_phrase(&names));
    }
    out
}

// seccompProfile_baseline from 1.19: the fields.
pub(super) fn seccomp_baseline_fields<'a>(pod: &Pod<'a>) -> Option<Violation<'a>> {
    let f = seccomp_fields(pod, |_| {});
    if f.setters.is_empty() {
        return None;
    }
    violation(
        CheckId::SeccompProfileBaseline,
        "seccompProfile",
        format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            f.setters.join(" and "),
            join_quote(&f.bad_values)
        ),
        f.sites,
    )
}

// seccompProfile_restricted: restricted, 1.19+; Windows pods exempt from 1.25.
pub(super) fn seccomp_restricted<'a>(pod: &Pod<'a>) -> Option<Violation<'a>> {
    let mut unset: Vec<(&'a str, Site<'a>)> = Vec::new();
    let f = seccomp_fields(pod, |c| {
        unset.push((
            c.name(),
            c.missing_site(
                &["seccompProfile"],
                format!(
                    "neither the pod nor container {:?} sets securityContext.seccompProfile",
                    c.name()
                ),
            ),
        ));
    });
    if !f.setters.is_empty() {
        return violation(
            CheckId::SeccompProfileRestricted,
            "seccompProfile",
            format!(
                "{} must not set securityContext.seccompProfile.type to {}",
                f.setters.join(" and "),
                join_quote(&f.bad_values)
            ),
            f.sites,
        );
    }
    if f.pod_valid || unset.is_empty() {
        return None;
    }
    let names: Vec<&str> = unset.iter().map(|(n, _)| *n).collect();
    violation(
        CheckId::SeccompProfileRestricted,
        "seccompProfile",
        format!(
            r#"pod or {} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#,
            containers_phrase(&names)
        ),
        unset.into_iter().map(|(_, s)| s).collect(),
    )
}
