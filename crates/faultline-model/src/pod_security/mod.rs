//! The Pod Security Standards as the API server's Pod Security admission enforces them
//! (`k8s.io/pod-security-admission/policy`), check by check and version by version.
//!
//! * [`Level`] and [`Version`] are the values of the namespace labels
//!   (`pod-security.kubernetes.io/enforce: restricted`, `…/enforce-version: v1.30`);
//!   [`policy`] reads a Namespace's labels into the [`policy::NamespacePolicy`] the admission
//!   evaluates, with upstream's defaulting and error handling.
//! * [`CheckId`] lists upstream's checks, each with its level, the version it was introduced
//!   in and the baseline check a restricted one overrides; [`active_checks`] gives the checks
//!   of a level at a version in upstream's evaluation order (baseline checks by id, then
//!   restricted ones), the way upstream's registry inflates them.
//! * [`evaluate`] runs them over a pod spec tree ([`PodTemplate`]: a Pod, or a workload's
//!   template) and returns one [`Violation`] per failing check, with upstream's forbidden
//!   reason and detail, word for word, and the nodes that offend ([`Site`]): the field written
//!   with a forbidden value, or, for a missing field, the nearest enclosing node written.
//!
//! A version newer than the newest one the evaluator knows is evaluated as that newest one, as
//! upstream does with its maximum (and with the API server's emulated version): the caller
//! passes the newest version of its cluster to [`Version::effective`].
//!
//! The evaluation reads each node where upstream reads each field of the decoded Go struct: a
//! `null` is an unset pointer, a value of the wrong type is unset too (the API server would not
//! have decoded the pod at all). A volume that names no source is the `emptyDir` the API
//! server's defaulting makes of it.

mod checks;
pub mod policy;

use faultline_syntax::{NodeRef, TextRange};

use crate::pod::PodTemplate;

pub use checks::go_quote;

/// The newest policy version with checks of its own (`v1.37`): `latest`, and any newer
/// version, are evaluated as this one at most.
pub const NEWEST_MINOR: u32 = 37;

/// A Pod Security Standards level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Privileged,
    Baseline,
    Restricted,
}

impl Level {
    /// `privileged`, `baseline` or `restricted`, as the labels write it.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "privileged" => Some(Self::Privileged),
            "baseline" => Some(Self::Baseline),
            "restricted" => Some(Self::Restricted),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Privileged => "privileged",
            Self::Baseline => "baseline",
            Self::Restricted => "restricted",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A policy version: `latest` or `v1.<minor>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    Minor(u32),
    Latest,
}

impl Version {
    /// `latest` or `v1.<minor>` (no leading zeros), as upstream's `ParseVersion` accepts.
    pub fn parse(text: &str) -> Option<Self> {
        if text == "latest" {
            return Some(Self::Latest);
        }
        let digits = text.strip_prefix("v1.")?;
        if digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || (digits.len() > 1 && digits.starts_with('0'))
        {
            return None;
        }
        digits.parse().ok().map(Self::Minor)
    }

    /// The minor version whose checks apply: `latest` is `newest`, and so is any version newer
    /// than it. `newest` is the cluster's version (capped at [`NEWEST_MINOR`]), as the API
    /// server evaluates `latest` with the checks of its own version.
    pub fn effective(self, newest: u32) -> u32 {
        let newest = newest.min(NEWEST_MINOR);
        match self {
            Self::Latest => newest,
            Self::Minor(m) => m.min(newest),
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Latest => f.write_str("latest"),
            Self::Minor(m) => write!(f, "v1.{m}"),
        }
    }
}

/// A level at a version, `restricted:v1.30` as the API server's messages write it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LevelVersion {
    pub level: Level,
    pub version: Version,
}

impl std::fmt::Display for LevelVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.level, self.version)
    }
}

/// One of upstream's checks, by its upstream id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckId {
    // Baseline, in upstream's order (ids sorted byte-wise).
    AppArmorProfile,
    CapabilitiesBaseline,
    HostNamespaces,
    HostPathVolumes,
    HostPorts,
    HostProbesAndHostLifecycle,
    Privileged,
    ProcMount,
    SeLinuxOptions,
    SeccompProfileBaseline,
    Sysctls,
    WindowsHostProcess,
    // Restricted, in upstream's order.
    AllowPrivilegeEscalation,
    CapabilitiesRestricted,
    ProcMountRestricted,
    RestrictedVolumes,
    RunAsNonRoot,
    RunAsUser,
    SeccompProfileRestricted,
}

impl CheckId {
    /// Every check, in upstream's evaluation order: baseline checks, then restricted ones,
    /// each group sorted by id.
    pub const ALL: [CheckId; 19] = [
        Self::AppArmorProfile,
        Self::CapabilitiesBaseline,
        Self::HostNamespaces,
        Self::HostPathVolumes,
        Self::HostPorts,
        Self::HostProbesAndHostLifecycle,
        Self::Privileged,
        Self::ProcMount,
        Self::SeLinuxOptions,
        Self::SeccompProfileBaseline,
        Self::Sysctls,
        Self::WindowsHostProcess,
        Self::AllowPrivilegeEscalation,
        Self::CapabilitiesRestricted,
        Self::ProcMountRestricted,
        Self::RestrictedVolumes,
        Self::RunAsNonRoot,
        Self::RunAsUser,
        Self::SeccompProfileRestricted,
    ];

    /// Upstream's id (`capabilities_baseline`, `hostProbesAndHostLifecycle`).
    pub fn id(self) -> &'static str {
        match self {
            Self::AppArmorProfile => "appArmorProfile",
            Self::CapabilitiesBaseline => "capabilities_baseline",
            Self::HostNamespaces => "hostNamespaces",
            Self::HostPathVolumes => "hostPathVolumes",
            Self::HostPorts => "hostPorts",
            Self::HostProbesAndHostLifecycle => "hostProbesAndHostLifecycle",
            Self::Privileged => "privileged",
            Self::ProcMount => "procMount",
            Self::SeLinuxOptions => "seLinuxOptions",
            Self::SeccompProfileBaseline => "seccompProfile_baseline",
            Self::Sysctls => "sysctls",
            Self::WindowsHostProcess => "windowsHostProcess",
            Self::AllowPrivilegeEscalation => "allowPrivilegeEscalation",
            Self::CapabilitiesRestricted => "capabilities_restricted",
            Self::ProcMountRestricted => "procMount_restricted",
            Self::RestrictedVolumes => "restrictedVolumes",
            Self::RunAsNonRoot => "runAsNonRoot",
            Self::RunAsUser => "runAsUser",
            Self::SeccompProfileRestricted => "seccompProfile_restricted",
        }
    }

    /// The check with upstream id `id`, compared without case (the fixtures' file names are
    /// the ids in lower case).
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.id().eq_ignore_ascii_case(id))
    }

    /// The level the check belongs to (restricted includes every baseline check it does not
    /// override).
    pub fn level(self) -> Level {
        if self >= Self::AllowPrivilegeEscalation {
            Level::Restricted
        } else {
            Level::Baseline
        }
    }

    /// The minor version the check first applies in.
    pub fn introduced(self) -> u32 {
        match self {
            Self::AllowPrivilegeEscalation => 8,
            Self::SeccompProfileRestricted => 19,
            Self::CapabilitiesRestricted => 22,
            Self::RunAsUser => 23,
            Self::HostProbesAndHostLifecycle => 34,
            Self::ProcMountRestricted => 35,
            _ => 0,
        }
    }

    /// The baseline check this restricted check replaces at the restricted level, from its
    /// introduction on.
    pub fn overrides(self) -> Option<CheckId> {
        match self {
            Self::CapabilitiesRestricted => Some(Self::CapabilitiesBaseline),
            Self::ProcMountRestricted => Some(Self::ProcMount),
            Self::RestrictedVolumes => Some(Self::HostPathVolumes),
            Self::SeccompProfileRestricted => Some(Self::SeccompProfileBaseline),
            _ => None,
        }
    }

    /// Whether the check runs at `level` in minor version `minor`.
    pub fn is_active(self, level: Level, minor: u32) -> bool {
        if self.introduced() > minor {
            return false;
        }
        match (level, self.level()) {
            (Level::Privileged, _) | (Level::Baseline, Level::Restricted) => false,
            (Level::Baseline, _) | (Level::Restricted, Level::Restricted) => true,
            (Level::Restricted, _) => !Self::ALL.into_iter().any(|r| {
                r.level() == Level::Restricted
                    && r.introduced() <= minor
                    && r.overrides() == Some(self)
            }),
        }
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// The checks of `level` at minor version `minor` (already [`Version::effective`]), in
/// upstream's order.
pub fn active_checks(level: Level, minor: u32) -> impl Iterator<Item = CheckId> {
    CheckId::ALL
        .into_iter()
        .filter(move |c| c.is_active(level, minor))
}

/// A node that makes a check fail.
#[derive(Clone, Debug)]
pub struct Site<'a> {
    /// The offending field's value, or for a missing field the nearest enclosing node written
    /// (its parent's key, else the container's `name`).
    pub node: NodeRef<'a>,
    /// Where to point: the key through a scalar value (`privileged: true`), the key alone for a
    /// block (`hostPath:`), or the enclosing node for a missing field.
    pub range: TextRange,
    /// What this node does, for a related location: `container "app" sets
    /// securityContext.privileged: true`.
    pub note: String,
}

/// A failing check: upstream's forbidden reason and detail, and the offending nodes in the
/// order upstream lists what they name.
#[derive(Clone, Debug)]
pub struct Violation<'a> {
    pub check: CheckId,
    /// `allowPrivilegeEscalation != false`, `host namespaces`, …
    pub reason: &'static str,
    /// `container "app" must set securityContext.allowPrivilegeEscalation=false`.
    pub detail: String,
    /// Never empty.
    pub sites: Vec<Site<'a>>,
}

impl Violation<'_> {
    /// `reason (detail)`, one entry of the API server's `ForbiddenDetail`.
    pub fn text(&self) -> String {
        if self.detail.is_empty() {
            self.reason.to_owned()
        } else {
            format!("{} ({})", self.reason, self.detail)
        }
    }
}

/// The checks of `level` at minor version `minor` (see [`Version::effective`]) that `pod`
/// fails, in upstream's order. Nothing is allocated for a pod that passes.
pub fn evaluate<'a>(pod: &PodTemplate<'a>, level: Level, minor: u32) -> Vec<Violation<'a>> {
    if level == Level::Privileged {
        return Vec::new();
    }
    let pod = checks::Pod::new(pod);
    active_checks(level, minor)
        .filter_map(|c| checks::run(c, minor, &pod))
        .collect()
}

/// The one check `check` at minor version `minor`, whatever level it belongs to (for tests
/// and for explaining a single check).
pub fn evaluate_check<'a>(
    pod: &PodTemplate<'a>,
    check: CheckId,
    minor: u32,
) -> Option<Violation<'a>> {
    if check.introduced() > minor {
        return None;
    }
    checks::run(check, minor, &checks::Pod::new(pod))
}

#[cfg(test)]
mod tests;
