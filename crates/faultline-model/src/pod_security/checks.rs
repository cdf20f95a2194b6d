//! The checks, one function each, with their versioned variants, ported from upstream's
//! `policy/check_*.go`: the same conditions, the same forbidden reasons and the same detail
//! text (pluralization, quoting, the order and sorting of names and values).

use std::collections::BTreeSet;

use faultline_syntax::{NodeKind, NodeRef};

use super::{CheckId, Site, Violation};
use crate::pod::{Container, PodTemplate};

mod profiles;
use profiles::{
    app_armor_profile, se_linux_options, seccomp_baseline_annotations, seccomp_baseline_fields,
    seccomp_restricted,
};

/// How many containers [`Pod`] keeps looked up; a pod with more reads the rest from the tree
/// on each pass.
const KEPT: usize = 8;

/// The pod-level nodes every check reads, looked up once per evaluation (on the stack: nothing
/// is allocated for a pod that passes).
pub(super) struct Pod<'a> {
    template: PodTemplate<'a>,
    /// The first [`KEPT`] containers with their `securityContext`.
    kept: [Option<Ctr<'a>>; KEPT],
    /// Whether there are more.
    more: bool,
    spec: NodeRef<'a>,
    /// `spec.securityContext`, when a mapping.
    sc: Option<NodeRef<'a>>,
    /// `spec.os.name: windows`.
    windows: bool,
    /// `spec.hostUsers: false`: the pod runs in a user namespace.
    user_namespace: bool,
}

impl<'a> Pod<'a> {
    pub(super) fn new(template: &PodTemplate<'a>) -> Self {
        let spec = template.spec;
        let mut kept = [None; KEPT];
        let mut more = false;
        for (i, c) in template.containers().enumerate() {
            if i == KEPT {
                more = true;
                break;
            }
            kept[i] = Some(Ctr::of(c));
        }
        Self {
            template: *template,
            kept,
            more,
            spec,
            sc: map(spec, "securityContext"),
            windows: get(Some(spec), "os")
                .and_then(|os| get(Some(os), "name"))
                .is_some_and(|n| text(n) == "windows"),
            user_namespace: get(Some(spec), "hostUsers").and_then(NodeRef::as_bool) == Some(false),
        }
    }

    /// Init, regular and ephemeral containers, upstream's `visitContainers` order, each with
    /// its `securityContext`.
    fn containers(&self) -> impl Iterator<Item = Ctr<'a>> + '_ {
        let rest = if self.more { usize::MAX } else { 0 };
        self.kept.iter().map_while(|c| *c).chain(
            self.template
                .containers()
                .skip(KEPT)
                .take(rest)
                .map(Ctr::of),
        )
    }

    fn annotations(&self) -> impl Iterator<Item = (NodeRef<'a>, NodeRef<'a>)> + 'a {
        self.template
            .metadata
            .and_then(|m| map(m, "annotations"))
            .into_iter()
            .flat_map(|a| a.entries())
            .filter(|(k, v)| k.is_scalar() && v.is_scalar())
    }

    fn annotation(&self, key: &str) -> Option<(NodeRef<'a>, NodeRef<'a>)> {
        self.annotations()
            .find(|(k, _)| k.scalar_text() == Some(key))
    }
}

/// A container and its `securityContext` (when a mapping).
#[derive(Clone, Copy)]
struct Ctr<'a> {
    c: Container<'a>,
    sc: Option<NodeRef<'a>>,
}

impl<'a> Ctr<'a> {
    fn of(c: Container<'a>) -> Self {
        Self {
            sc: map(c.node, "securityContext"),
            c,
        }
    }

    fn name(&self) -> &'a str {
        self.c.name()
    }

    /// `securityContext.<path>`'s value, when written and not null.
    fn sc_path(&self, path: &[&str]) -> Option<NodeRef<'a>> {
        path.iter().try_fold(self.sc?, |n, k| get(Some(n), k))
    }

    /// Where a missing `securityContext.<path>` is pointed at: the deepest key of the path
    /// that is written, else the container's `name`, else the container.
    fn missing(&self, path: &[&str]) -> NodeRef<'a> {
        let mut node = self.c.node;
        let mut key = None;
        for k in std::iter::once(&"securityContext").chain(path) {
            match node.entry(k) {
                Some((kn, v)) if !v.is_null() => {
                    key = Some(kn);
                    node = v;
                }
                Some((kn, _)) => {
                    key = Some(kn);
                    break;
                }
                None => break,
            }
        }
        key.or_else(|| self.c.name_node()).unwrap_or(self.c.node)
    }

    fn missing_site(&self, path: &[&str], note: String) -> Site<'a> {
        let node = self.missing(path);
        Site {
            node,
            range: node.range(),
            note,
        }
    }
}

/// `node.key`'s value, when written and not null.
fn get<'a>(node: Option<NodeRef<'a>>, key: &str) -> Option<NodeRef<'a>> {
    node?.get(key).filter(|v| !v.is_null())
}

/// `node.key`'s value, when a mapping.
fn map<'a>(node: NodeRef<'a>, key: &str) -> Option<NodeRef<'a>> {
    node.get(key).filter(|v| v.is_map())
}

/// A Go string field: a scalar's text, `""` for null or a collection.
fn text(node: NodeRef<'_>) -> &str {
    match node.kind() {
        NodeKind::Null | NodeKind::Seq | NodeKind::Map => "",
        _ => node.scalar_text().unwrap_or(""),
    }
}

/// A `*bool` field: `Some` only for a boolean.
fn flag(node: Option<NodeRef<'_>>, key: &str) -> Option<bool> {
    get(node, key).and_then(NodeRef::as_bool)
}

/// The site of the field `key` of `parent`: the key through a scalar value, the key alone for
/// a collection.
fn field_site<'a>(parent: NodeRef<'a>, key: &str, note: String) -> Option<Site<'a>> {
    let (k, v) = parent.entry(key)?;
    let range = if v.is_scalar() {
        k.range().cover(v.range())
    } else {
        k.range()
    };
    Some(Site {
        node: v,
        range,
        note,
    })
}

/// The site of a list item or other value node.
fn value_site(node: NodeRef<'_>, note: String) -> Site<'_> {
    Site {
        node,
        range: node.range(),
        note,
    }
}

fn pluralize(singular: &'static str, plural: &'static str, count: usize) -> &'static str {
    if count == 1 { singular } else { plural }
}

/// Upstream's `joinQuote`: each item in double quotes (not escaped), joined by `, `.
fn join_quote<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let mut out = String::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('"');
        out.push_str(item.as_ref());
        out.push('"');
    }
    out
}

/// `container "a"` / `containers "a", "b"`.
fn containers_phrase(names: &[&str]) -> String {
    format!(
        "{} {}",
        pluralize("container", "containers", names.len()),
        join_quote(names)
    )
}

/// Go's `%q` of a string: double quotes, with `"` and `\` escaped and control and
/// non-printable characters as Go writes them.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() || c == '\u{feff}' => {
                if (c as u32) <= 0xffff {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn violation<'a>(
    check: CheckId,
    reason: &'static str,
    detail: String,
    sites: Vec<Site<'a>>,
) -> Option<Violation<'a>> {
    debug_assert!(!sites.is_empty());
    Some(Violation {
        check,
        reason,
        detail,
        sites,
    })
}

/// Runs one check at minor version `minor` (the check is active there).
pub(super) fn run<'a>(check: CheckId, minor: u32, pod: &Pod<'a>) -> Option<Violation<'a>> {
    match check {
        CheckId::AllowPrivilegeEscalation => allow_privilege_escalation(minor, pod),
        CheckId::AppArmorProfile => app_armor_profile(pod),
        CheckId::CapabilitiesBaseline => capabilities_baseline(pod),
        CheckId::CapabilitiesRestricted => capabilities_restricted(minor, pod),
        CheckId::HostNamespaces => host_namespaces(pod),
        CheckId::HostPathVolumes => host_path_volumes(pod),
        CheckId::HostPorts => host_ports(pod),
        CheckId::HostProbesAndHostLifecycle => host_probes_and_host_lifecycle(pod),
        CheckId::Privileged => privileged(pod),
        CheckId::ProcMount => {
            if minor >= 35 && pod.user_namespace {
                None
            } else {
                proc_mount(CheckId::ProcMount, pod)
            }
        }
        CheckId::ProcMountRestricted => proc_mount(CheckId::ProcMountRestricted, pod),
        CheckId::RestrictedVolumes => restricted_volumes(pod),
        CheckId::RunAsNonRoot => {
            if minor >= 35 && pod.user_namespace {
                None
            } else {
                run_as_non_root(pod)
            }
        }
        CheckId::RunAsUser => {
            if minor >= 35 && pod.user_namespace {
                None
            } else {
                run_as_user(pod)
            }
        }
        CheckId::SeLinuxOptions => se_linux_options(minor, pod),
        CheckId::SeccompProfileBaseline => {
            if minor >= 19 {
                seccomp_baseline_fields(pod)
            } else {
                seccomp_baseline_annotations(pod)
            }
        }
        CheckId::SeccompProfileRestricted => {
            if minor >= 25 && pod.windows {
                None
            } else {
                seccomp_restricted(pod)
            }
        }
        CheckId::Sysctls => sysctls(minor, pod),
        CheckId::WindowsHostProcess => windows_host_process(pod),
    }
}

// allowPrivilegeEscalation: restricted, 1.8+; Windows pods exempt from 1.25.
fn allow_privilege_escalation<'a>(minor: u32, pod: &Pod<'a>) -> Option<Violation<'a>> {
    if minor >= 25 && pod.windows {
        return None;
    }
    let mut names = Vec::new();
    let mut sites = Vec::new();
    for c in pod.containers() {
        match flag(c.sc, "allowPrivilegeEscalation") {
            Some(false) => continue,
            Some(true) => sites.extend(field_site(
                c.sc?,
                "allowPrivilegeEscalation",
                format!(
                    "container {:?} sets securityContext.allowPrivilegeEscalation: true",
                    c.name()
                ),
            )),
            None => sites.push(c.missing_site(
                &["allowPrivilegeEscalation"],
                format!(
                    "container {:?} does not set securityContext.allowPrivilegeEscalation",
                    c.name()
                ),
            )),
        }
        names.push(c.name());
    }
    if names.is_empty() {
        return None;
    }
    violation(
        CheckId::AllowPrivilegeEscalation,
        "allowPrivilegeEscalation != false",
        format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_phrase(&names)
        ),
        sites,
    )
}

const CAPABILITIES_ALLOWED_1_0: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// The items of `securityContext.capabilities.<list>` with their text.
fn capability_items<'a>(
    c: &Ctr<'a>,
    list: &str,
) -> impl Iterator<Item = (&'a str, NodeRef<'a>)> + 'a {
    c.sc_path(&["capabilities", list])
        .into_iter()
        .flat_map(|l| l.items())
        .map(|i| (text(i), i))
}

// capabilities_baseline: baseline, 1.0+.
fn capabilities_baseline<'a>(pod: &Pod<'a>) -> Option<Violation<'a>> {
    let mut names = Vec::new();
    let mut caps = BTreeSet::new();
    let mut sites = Vec::new();
    for c in pod.containers() {
        let mut valid = true;
        for (cap, node) in capability_items(&c, "add") {
            if !CAPABILITIES_ALLOWED_1_0.contains(&cap) {
                valid = false;
                caps.insert(cap);
                sites.push(value_site(
                    node,
                    format!("container {:?} adds the capability {cap}", c.name()),
                ));
            }
        }
        if !valid {
            names.push(c.name());
        }
    }
    if names.is_empty() {
        return None;
    }
    violation(
        CheckId::CapabilitiesBaseline,
        "non-default capabilities",
        format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&names),
            join_quote(&caps)
        ),
        sites,
    )
}

// capabilities_restricted: restricted, 1.22+; Windows pods exempt from 1.25.
fn capabilities_restricted<'a>(minor: u32, pod: &Pod<'a>) -> Option<Violation<'a>> {
    if minor >= 25 && pod.windows {
        return None;
    }
    let mut missing_drop = Vec::new();
    let mut adding = Vec::new();
    let mut caps = BTreeSet::new();
    let mut drop_sites = Vec::new();
    let mut add_sites = Vec::new();
    for c in pod.containers() {
        if c.sc_path(&["capabilities"]).is_none() {
            missing_drop.push(c.name());
            drop_sites.push(c.missing_site(
                &["capabilities", "drop"],
                format!("container {:?} does not drop ALL capabilities", c.name()),
            ));
            continue;
        }
        if !capability_items(&c, "drop").any(|(cap, _)| cap == "ALL") {
            missing_drop.push(c.name());
            drop_sites.push(c.missing_site(
                &["capabilities", "drop"],
                format!("container {:?} does not drop ALL capabilities", c.name()),
            ));
        }
        let mut forbidden = false;
        for (cap, node) in capability_items(&c, "add") {
            if cap != "NET_BIND_SERVICE" {
                forbidden = true;
                caps.insert(cap);
                add_sites.push(value_site(
                    node,
                    format!("container {:?} adds the capability {cap}", c.name()),
                ));
            }
        }
        if forbidden {
            adding.push(c.name());
        }
    }
    let mut details = Vec::new();
    if !missing_drop.is_empty() {
        details.push(format!(
            r#"{} must set securityContext.capabilities.drop=["ALL"]"#,
            containers_phrase(&missing_drop)
        ));
    }
    if !adding.is_empty() {
        details.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&adding),
            join_quote(&caps)
        ));
    }
    if details.is_empty() {
        return None;
    }
    drop_sites.extend(add_sites);
    violation(
        CheckId::CapabilitiesRestricted,
        "unrestricted capabilities",
        details.join("; "),
        drop_sites,
    )
}

// hostNamespaces: baseline, 1.0+.
fn host_namespaces<'a>(pod: &Pod<'a>) -> Option<Violation<'a>> {
    let mut set = Vec::new();
    let mut sites = Vec::new();
    for key in ["hostNetwork", "hostPID", "hostIPC"] {
        if flag(Some(pod.spec), key) == Some(true) {
            set.push(format!("{key}=true"));
            sites.extend(field_site(
                pod.spec,
                key,
                format!("the pod sets {key}: true"),
            ));
        }
    }
    if set.is_empty() {
        return None;
    }
    violation(
        CheckId::HostNamespaces,
        "host namespaces",
        set.join(", "),
        sites,
    )
}

/// The items of `spec.volumes` that are mappings.
fn volumes<'a>(pod: &Pod<'a>) -> impl Iterator<Item = NodeRef<'a>> + 'a {
    pod.spec
        .get("volumes")
        .into_iter()
        .flat_map(|v| v.items())
        .filter(|v| v.is_map())
}

fn volume_name(volume: NodeRef<'_>) -> &str {
    get(Some(volume), "name").map_or("", text)
}

// hostPathVolumes: baseline, 1.0+.
fn host_path_volumes<'a>(pod: &Pod<'a>) -> Option<Violation<'a>> {
    let mut names = Vec::new();
    let mut sites = Vec::new();
    for v in volumes(pod) {
        if get(Some(v), "hostPath").is_some() {
            names.push(volume_name(v));
            sites.extend(field_site(
                v,
                "hostPath",
                format!("volume {:?} is a hostPath volume", volume_name(v)),
            ));
        }
    }
    if names.is_empty() {
        return None;
    }
    violation(
        CheckId::HostPathVolumes,
        "hostPath volumes",
        format!(
            "{} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names)
        ),
        sites,
    )
}

// hostPorts: baseline, 1.0+.
fn host_ports<'a>(pod: &Pod<'a>) -> Option<Violation<'a>> {
    let mut names = Vec::new();
    let mut ports = BTreeSet::new();
    let mut sites = Vec::new();
    for c in pod.containers() {
        let mut valid = true;
        for p in c.c.ports() {
            let Some(port) = get(Some(p), "hostPort").and_then(NodeRef::as_i64) else {
                continue;
            };
            if port != 0 {
                valid = false;
                ports.insert(port.to_string());
                sites.extend(field_site(
                    p,
                    "hostPort",
                    format!("container {:?} uses hostPort {port}", c.name()),
                ));
            }
        }
        if !valid {
            names.push(c.name());
        }
    }
    if names.is_empty() {
        return None;
    }
    let ports: Vec<String> = ports.into_iter().collect();
    violation(
        CheckId::HostPorts,
        "hostPort",
        format!(
            "{} {} {} {}",
            containers_phrase(&names),
            pluralize("uses", "use", names.len()),
            pluralize("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        ),
        sites,
    )
}

// hostProbesAndHostLifecycle: baseline, 1.34+.
fn host_probes_and_host_lifecycle<'a>(pod: &Pod<'a>) -> Option<Violation<'a>> {
    let mut names = BTreeSet::new();
    let mut hosts = BTreeSet::new();
    let mut sites = Vec::new();
    for c in pod.containers() {
        let handlers = ["livenessProbe", "readinessProbe", "startupProbe"]
            .into_iter()
            .map(|p| (p, get(Some(c.c.node), p)))
            .chain(["postStart", "preStop"].into_iter().map(|h| {
                (
                    h,
                    get(Some(c.c.node), "lifecycle").and_then(|l| get(Some(l), h)),
                )
            }));
        for (what, handler) in handlers {
            for action in ["httpGet", "tcpSocket"] {
                let Some(a) = get(handler, action) else {
                    continue;
                };
                let Some(host) = get(Some(a), "host") else {
                    continue;
                };
                let host = text(host);
                if host.is_empty() {
                    continue;
                }
                names.insert(c.name());
                hosts.insert(host);
                sites.extend(field_site(
                    a,
                    "host",
                    format!(
                        "container {:?} sets {what}.{action}.host: {host:?}",
                        c.name()
                    ),
                ));
            }
        }
    }
    if names.is_empty() {
        return None;
    }
    violation(
        CheckId::HostProbesAndHostLifecycle,
        "probe or lifecycle host",
        format!(
            "{} {} {} {} {}",
            pluralize("container", "containers", names.len()),
            join_quote(&names),
            pluralize("uses", "use", names.len()),
            pluralize(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                hosts.len()
            ),
            join_quote(&hosts)
        ),
        sites,
    )
}

// privileged: baseline, 1.0+.
fn privileged<'a>(pod: &Pod<'a>) -> Option<Violation<'a>> {
    let mut names = Vec::new();
    let mut sites = Vec::new();
    for c in pod.containers() {
        if flag(c.sc, "privileged") == Some(true) {
            names.push(c.name());
            sites.extend(field_site(
                c.sc?,
                "privileged",
                format!(
                    "container {:?} sets securityContext.privileged: true",
                    c.name()
                ),
            ));
        }
    }
    if names.is_empty() {
        return None;
    }
    violation(
        CheckId::Privileged,
        "privileged",
        format!(
            "{} must not set securityContext.privileged=true",
            containers_phrase(&names)
        ),
        sites,
    )
}

// procMount (baseline, 1.0+; pods in a user namespace exempt from 1.35) and
// procMount_restricted (restricted, 1.35+, not relaxed).
fn proc_mount<'a>(check: CheckId, pod: &Pod<'a>) -> Option<Violation<'a>> {
    let mut names = Vec::new();
    let mut types = BTreeSet::new();
    let mut sites = Vec::new();
    for c in pod.containers() {
        let Some(pm) = get(c.sc, "procMount") else {
            continue;
        };
        let t = text(pm);
        if t != "Default" {
            names.push(c.name());
            types.insert(t);
            sites.extend(field_site(
                c.sc?,
                "procMount",
                format!(
                    "container {:?} sets securityContext.procMount: {t}",
                    c.name()
                ),
            ));
        }
    }
    if names.is_empty() {
        return None;
    }
    violation(
        check,
        "procMount",
        format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&names),
            join_quote(&types)
        ),
        sites,
    )
}

/// The volume sources the restricted level allows.
const ALLOWED_VOLUME_SOURCES: [&str; 9] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// The other volume sources, in the order upstream names the first one set.
const RESTRICTED_VOLUME_SOURCES: [&str; 21] = [
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];

// restrictedVolumes: restricted, 1.0+.
fn restricted_volumes<'a>(pod: &Pod<'a>) -> Option<Violation<'a>> {
    let mut names = Vec::new();
    let mut types = BTreeSet::new();
    let mut sites = Vec::new();
    for v in volumes(pod) {
        if ALLOWED_VOLUME_SOURCES
            .iter()
            .any(|s| get(Some(v), s).is_some())
        {
            continue;
        }
        // A volume naming no source is defaulted to `emptyDir` before admission.
        let Some(source) = RESTRICTED_VOLUME_SOURCES
            .into_iter()
            .find(|s| get(Some(v), s).is_some())
        else {
            continue;
        };
        names.push(volume_name(v));
        types.insert(source);
        sites.extend(field_site(
            v,
            source,
            format!("volume {:?} is a {source} volume", volume_name(v)),
        ));
    }
    if names.is_empty() {
        return None;
    }
    violation(
        CheckId::RestrictedVolumes,
        "restricted volume types",
        format!(
            "{} {} {} {} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names),
            pluralize("uses", "use", names.len()),
            pluralize(
                "restricted volume type",
                "restricted volume types",
                types.len()
            ),
            join_quote(&types)
        ),
        sites,
    )
}

// runAsNonRoot: restricted, 1.0+; pods in a user namespace exempt from 1.35.
fn run_as_non_root<'a>(pod: &Pod<'a>) -> Option<Violation<'a>> {
    let mut setters: Vec<String> = Vec::new();
    let mut explicit_sites = Vec::new();
    let mut pod_non_root = false;
    match flag(pod.sc, "runAsNonRoot") {
        Some(false) => {
            setters.push("pod".to_owned());
            explicit_sites.extend(field_site(
                pod.sc?,
                "runAsNonRoot",
                "the pod sets securityContext.runAsNonRoot: false".to_owned(),
            ));
        }
        Some(true) => pod_non_root = true,
        None => {}
    }
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    let mut implicit_sites = Vec::new();
    for c in pod.containers() {
        match flag(c.sc, "runAsNonRoot") {
            Some(false) => {
                explicit.push(c.name());
                explicit_sites.extend(field_site(
                    c.sc?,
                    "runAsNonRoot",
                    format!(
                        "container {:?} sets securityContext.runAsNonRoot: false",
                        c.name()
                    ),
                ));
            }
            Some(true) => {}
            None if !pod_non_root => {
                implicit.push(c.name());
                implicit_sites.push(c.missing_site(
                    &["runAsNonRoot"],
                    format!(
                        "neither the pod nor container {:?} sets securityContext.runAsNonRoot",
                        c.name()
                    ),
                ));
            }
            None => {}
        }
    }
    if !explicit.is_empty() {
        setters.push(containers_phrase(&explicit));
    }
    if !setters.is_empty() {
        return violation(
            CheckId::RunAsNonRoot,
            "runAsNonRoot != true",
            format!(
                "{} must not set securityContext.runAsNonRoot=false",
                setters.join(" and ")
            ),
            explicit_sites,
        );
    }
    if implicit.is_empty() {
        return None;
    }
    violation(
        CheckId::RunAsNonRoot,
        "runAsNonRoot != true",
        format!(
            "pod or {} must set securityContext.runAsNonRoot=true",
            containers_phrase(&implicit)
        ),
        implicit_sites,
    )
}

// runAsUser: restricted, 1.23+; pods in a user namespace exempt from 1.35.
fn run_as_user<'a>(pod: &Pod<'a>) -> Option<Violation<'a>> {
    let is_root =
        |sc: Option<NodeRef<'_>>| get(sc, "runAsUser").and_then(NodeRef::as_i64) == Some(0);
    let mut setters: Vec<String> = Vec::new();
    let mut sites = Vec::new();
    if is_root(pod.sc) {
        setters.push("pod".to_owned());
        sites.extend(field_site(
            pod.sc?,
            "runAsUser",
            "the pod sets securityContext.runAsUser: 0".to_owned(),
        ));
    }
    let mut names = Vec::new();
    for c in pod.containers() {
        if is_root(c.sc) {
            names.push(c.name());
            sites.extend(field_site(
                c.sc?,
                "runAsUser",
                format!("container {:?} sets securityContext.runAsUser: 0", c.name()),
            ));
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    if setters.is_empty() {
        return None;
    }
    violation(
        CheckId::RunAsUser,
        "runAsUser=0",
        format!("{} must not set runAsUser=0", setters.join(" and ")),
        sites,
    )
}

/// Whether `name` is a safe sysctl at minor version `minor`.
fn sysctl_allowed(name: &str, minor: u32) -> bool {
    match name {
        "kernel.shm_rmid_forced"
        | "net.ipv4.ip_local_port_range"
        | "net.ipv4.tcp_syncookies"
        | "net.ipv4.ping_group_range"
        | "net.ipv4.ip_unprivileged_port_start" => true,
        "net.ipv4.ip_local_reserved_ports" => minor >= 27,
        "net.ipv4.tcp_keepalive_time"
        | "net.ipv4.tcp_fin_timeout"
        | "net.ipv4.tcp_keepalive_intvl"
        | "net.ipv4.tcp_keepalive_probes" => minor >= 29,
        "net.ipv4.tcp_rmem" | "net.ipv4.tcp_wmem" => minor >= 32,
        "net.ipv4.tcp_slow_start_after_idle" | "net.ipv4.tcp_notsent_lowat" => minor >= 37,
        _ => false,
    }
}

// sysctls: baseline, 1.0+; the safe set grew in 1.27, 1.29, 1.32 and 1.37.
fn sysctls<'a>(minor: u32, pod: &Pod<'a>) -> Option<Violation<'a>> {
    let mut names = Vec::new();
    let mut sites = Vec::new();
    for s in get(pod.sc, "sysctls").into_iter().flat_map(|l| l.items()) {
        let name = get(Some(s), "name").map_or("", text);
        if !sysctl_allowed(name, minor) {
            names.push(name);
            sites.push(
                field_site(s, "name", String::new())
                    .map(|site| Site {
                        note: format!("the pod sets the sysctl {name}"),
                        ..site
                    })
                    .unwrap_or_else(|| value_site(s, format!("the pod sets the sysctl {name:?}"))),
            );
        }
    }
    if names.is_empty() {
        return None;
    }
    violation(
        CheckId::Sysctls,
        "forbidden sysctls",
        names.join(", "),
        sites,
    )
}

// windowsHostProcess: baseline, 1.0+.
fn windows_host_process<'a>(pod: &Pod<'a>) -> Option<Violation<'a>> {
    let host_process = |sc: Option<NodeRef<'a>>| {
        let opts = get(sc, "windowsOptions")?;
        (flag(Some(opts), "hostProcess") == Some(true)).then_some(opts)
    };
    let mut sites = Vec::new();
    let mut names = Vec::new();
    for c in pod.containers() {
        if let Some(opts) = host_process(c.sc) {
            names.push(c.name());
            sites.extend(field_site(
                opts,
                "hostProcess",
                format!(
                    "container {:?} sets securityContext.windowsOptions.hostProcess: true",
                    c.name()
                ),
            ));
        }
    }
    let mut setters: Vec<String> = Vec::new();
    if let Some(opts) = host_process(pod.sc) {
        setters.push("pod".to_owned());
        let site = field_site(
            opts,
            "hostProcess",
            "the pod sets securityContext.windowsOptions.hostProcess: true".to_owned(),
        );
        if let Some(site) = site {
            sites.insert(0, site);
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    if setters.is_empty() {
        return None;
    }
    violation(
        CheckId::WindowsHostProcess,
        "hostProcess",
        format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters.join(" and ")
        ),
        sites,
    )
}
