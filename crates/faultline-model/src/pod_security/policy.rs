//! A Namespace's Pod Security labels, read the way the admission reads them (upstream's
//! `api.PolicyToEvaluate`).
//!
//! * Each mode (`enforce`, `audit`, `warn`) takes its level and version from
//!   `pod-security.kubernetes.io/<mode>` and `…/<mode>-version`; a mode without a label keeps
//!   the default (the admission's own default is `privileged:latest`).
//! * An invalid `enforce` level fails closed (`restricted`), an invalid `audit` or `warn` level
//!   fails open (`privileged`), an invalid version is `latest`; each is recorded as a
//!   [`LabelError`] at the label's value.
//! * When `enforce` is set to a valid level stricter than `warn` and `warn` is not labelled,
//!   `warn` takes the enforce level (and version, unless `warn-version` is labelled).

use faultline_syntax::NodeRef;

use super::{Level, LevelVersion, Version};

pub const ENFORCE: &str = "pod-security.kubernetes.io/enforce";
pub const ENFORCE_VERSION: &str = "pod-security.kubernetes.io/enforce-version";
pub const AUDIT: &str = "pod-security.kubernetes.io/audit";
pub const AUDIT_VERSION: &str = "pod-security.kubernetes.io/audit-version";
pub const WARN: &str = "pod-security.kubernetes.io/warn";
pub const WARN_VERSION: &str = "pod-security.kubernetes.io/warn-version";

/// The admission's modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// A violation makes the API server refuse the pod.
    Enforce,
    /// A violation is recorded in the audit log.
    Audit,
    /// A violation is returned to the client as a warning.
    Warn,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enforce => "enforce",
            Self::Audit => "audit",
            Self::Warn => "warn",
        }
    }
}

/// One mode's level and version, with the label nodes it was read from.
#[derive(Clone, Copy, Debug)]
pub struct ModePolicy<'a> {
    pub level_version: LevelVersion,
    /// The level label's entry (key, value), when labelled (for `warn`: also when it took the
    /// enforce level, which it then points at).
    pub label: Option<(NodeRef<'a>, NodeRef<'a>)>,
    /// The version label's entry, when labelled.
    pub version_label: Option<(NodeRef<'a>, NodeRef<'a>)>,
}

impl ModePolicy<'_> {
    fn default_for(lv: LevelVersion) -> Self {
        Self {
            level_version: lv,
            label: None,
            version_label: None,
        }
    }
}

/// A label whose value the admission does not accept.
#[derive(Clone, Copy, Debug)]
pub struct LabelError<'a> {
    pub key: NodeRef<'a>,
    pub value: NodeRef<'a>,
    /// `must be one of privileged, baseline, restricted` or `must be "latest" or "v1.x"`.
    pub message: &'static str,
}

/// The policy a namespace's labels give.
#[derive(Clone, Debug)]
pub struct NamespacePolicy<'a> {
    pub enforce: ModePolicy<'a>,
    pub audit: ModePolicy<'a>,
    pub warn: ModePolicy<'a>,
    /// Whether any `pod-security.kubernetes.io/` mode label is written.
    pub labelled: bool,
    pub errors: Vec<LabelError<'a>>,
}

impl<'a> NamespacePolicy<'a> {
    /// Every mode at `default`.
    pub fn uniform(default: LevelVersion) -> Self {
        Self {
            enforce: ModePolicy::default_for(default),
            audit: ModePolicy::default_for(default),
            warn: ModePolicy::default_for(default),
            labelled: false,
            errors: Vec::new(),
        }
    }

    /// The policy of a Namespace whose `metadata.labels` is `labels`, each unlabelled mode at
    /// `defaults` (upstream's `PolicyToEvaluate`).
    pub fn from_labels(labels: Option<NodeRef<'a>>, defaults: &NamespacePolicy<'a>) -> Self {
        let mut p = Self {
            labelled: false,
            errors: Vec::new(),
            ..defaults.clone()
        };
        let entry = |key: &str| {
            labels
                .filter(|l| l.is_map())
                .and_then(|l| l.entry(key))
                .filter(|(_, v)| v.is_scalar())
        };
        let value = |v: NodeRef<'a>| {
            if v.is_null() {
                ""
            } else {
                v.scalar_text().unwrap_or("")
            }
        };
        let mut has_enforce_level = false;
        let mut has_warn_level = false;
        let mut has_warn_version = false;
        for (mode, level_key, version_key) in [
            (Mode::Enforce, ENFORCE, ENFORCE_VERSION),
            (Mode::Audit, AUDIT, AUDIT_VERSION),
            (Mode::Warn, WARN, WARN_VERSION),
        ] {
            if let Some((k, v)) = entry(level_key) {
                p.labelled = true;
                let level = Level::parse(value(v));
                if level.is_none() {
                    p.errors.push(LabelError {
                        key: k,
                        value: v,
                        message: "must be one of privileged, baseline, restricted",
                    });
                }
                let m = p.mode_mut(mode);
                m.label = Some((k, v));
                m.level_version.level = match (mode, level) {
                    (_, Some(l)) => l,
                    // Fail closed for enforce, open for audit and warn.
                    (Mode::Enforce, None) => Level::Restricted,
                    (_, None) => Level::Privileged,
                };
                match mode {
                    Mode::Enforce => has_enforce_level = level.is_some(),
                    Mode::Warn => has_warn_level = true,
                    Mode::Audit => {}
                }
            }
            if let Some((k, v)) = entry(version_key) {
                p.labelled = true;
                let version = Version::parse(value(v));
                if version.is_none() {
                    p.errors.push(LabelError {
                        key: k,
                        value: v,
                        message: r#"must be "latest" or "v1.x""#,
                    });
                }
                let m = p.mode_mut(mode);
                m.version_label = Some((k, v));
                m.level_version.version = version.unwrap_or(Version::Latest);
                if mode == Mode::Warn {
                    has_warn_version = true;
                }
            }
        }
        if !has_warn_level
            && has_enforce_level
            && p.enforce.level_version.level > p.warn.level_version.level
        {
            p.warn.level_version.level = p.enforce.level_version.level;
            p.warn.label = p.enforce.label;
            if !has_warn_version {
                p.warn.level_version.version = p.enforce.level_version.version;
                p.warn.version_label = p.enforce.version_label;
            }
        }
        p
    }

    pub fn mode(&self, mode: Mode) -> &ModePolicy<'a> {
        match mode {
            Mode::Enforce => &self.enforce,
            Mode::Audit => &self.audit,
            Mode::Warn => &self.warn,
        }
    }

    fn mode_mut(&mut self, mode: Mode) -> &mut ModePolicy<'a> {
        match mode {
            Mode::Enforce => &mut self.enforce,
            Mode::Audit => &mut self.audit,
            Mode::Warn => &mut self.warn,
        }
    }

    /// Whether no mode checks anything.
    pub fn fully_privileged(&self) -> bool {
        [&self.enforce, &self.audit, &self.warn]
            .iter()
            .all(|m| m.level_version.level == Level::Privileged)
    }
}
