//! The built-in kinds of Kubernetes 1.23 to 1.35, embedded (`data/schemas.bin`) and decoded
//! once, on first use.

use std::sync::OnceLock;

use crate::arena::{Arena, Schema, SchemaId};
use crate::codec::{self, DecodeError, Kind};

/// The oldest Kubernetes minor version with schemas (`1.23`).
pub const MIN_MINOR: u16 = 23;
/// The newest Kubernetes minor version with schemas (`1.35`).
pub const MAX_MINOR: u16 = 35;

/// The embedded data, as the generator wrote it (`data/schemas.bin`).
pub static DATA: &[u8] = include_bytes!("../data/schemas.bin");

/// The built-in schemas, decoded on the first call (a few milliseconds); a run that never
/// calls this decodes nothing.
pub fn builtin() -> &'static Builtin {
    static BUILTIN: OnceLock<Builtin> = OnceLock::new();
    BUILTIN.get_or_init(|| Builtin::decode(DATA).expect("the embedded schema data decodes"))
}

/// The minor version whose schemas stand for Kubernetes 1.`minor`: itself within
/// [`MIN_MINOR`]`..=`[`MAX_MINOR`], else the nearest end (the caller says so in a note).
pub fn schema_minor(minor: u16) -> u16 {
    minor.clamp(MIN_MINOR, MAX_MINOR)
}

/// A set of Kubernetes minor versions (bit `n`: 1.`n`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Minors(pub u64);

impl Minors {
    pub fn contains(self, minor: u16) -> bool {
        minor < 64 && self.0 & 1 << minor != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The oldest.
    pub fn first(self) -> Option<u16> {
        (self.0 != 0).then(|| self.0.trailing_zeros() as u16)
    }

    /// The newest.
    pub fn last(self) -> Option<u16> {
        (self.0 != 0).then(|| 63 - self.0.leading_zeros() as u16)
    }

    /// In increasing order.
    pub fn iter(self) -> impl Iterator<Item = u16> {
        (0..64u16).filter(move |&m| self.contains(m))
    }

    pub fn union(self, other: Minors) -> Minors {
        Minors(self.0 | other.0)
    }
}

/// The built-in schemas: one arena for all versions (a definition identical in several versions
/// is one node), and the table of group/version/kinds.
pub struct Builtin {
    decoded: codec::Decoded,
}

impl std::fmt::Debug for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builtin")
            .field("arena", &self.decoded.arena)
            .field("kinds", &self.decoded.kinds.len())
            .finish()
    }
}

/// One group/version/kind of the built-in table.
#[derive(Clone, Copy)]
pub struct KindInfo<'a> {
    builtin: &'a Builtin,
    kind: &'a Kind,
}

impl std::fmt::Debug for KindInfo<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KindInfo")
            .field("group", &self.group())
            .field("version", &self.version())
            .field("kind", &self.kind())
            .field("served", &self.served_in().iter().collect::<Vec<_>>())
            .finish()
    }
}

impl<'a> KindInfo<'a> {
    /// `""` for the core group.
    pub fn group(self) -> &'a str {
        self.builtin.arena().str(self.kind.group)
    }

    pub fn version(self) -> &'a str {
        self.builtin.arena().str(self.kind.version)
    }

    pub fn kind(self) -> &'a str {
        self.builtin.arena().str(self.kind.kind)
    }

    /// The versions whose API server serves it (see [`Builtin::served`]).
    pub fn served_in(self) -> Minors {
        Minors(self.kind.served)
    }

    /// The versions whose documents have a schema for it.
    pub fn defined_in(self) -> Minors {
        Minors(self.kind.defined)
    }

    /// Its schema in 1.`minor` (no clamping here).
    pub fn schema(self, minor: u16) -> Option<Schema<'a>> {
        let defined = self.kind.defined;
        if minor >= 64 || defined & 1 << minor == 0 {
            return None;
        }
        let below = (defined & ((1u64 << minor) - 1)).count_ones();
        let id = self.builtin.decoded.kind_schemas[(self.kind.schemas + below) as usize];
        Some(self.builtin.arena().get(id))
    }
}

impl Builtin {
    /// Decodes data written by [`crate::codec::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Builtin, DecodeError> {
        codec::decode(bytes).map(|decoded| Builtin { decoded })
    }

    pub fn arena(&self) -> &Arena {
        &self.decoded.arena
    }

    fn find(&self, group: &str, version: &str, kind: &str) -> Option<KindInfo<'_>> {
        let arena = self.arena();
        let kinds = &self.decoded.kinds;
        kinds
            .binary_search_by(|k| {
                (arena.str(k.group), arena.str(k.version), arena.str(k.kind))
                    .cmp(&(group, version, kind))
            })
            .ok()
            .map(|i| KindInfo {
                builtin: self,
                kind: &kinds[i],
            })
    }

    /// Everything known about `group`/`version`/`kind` (`group` `""` for the core group),
    /// in any version.
    pub fn kind(&self, group: &str, version: &str, kind: &str) -> Option<KindInfo<'_>> {
        self.find(group, version, kind)
    }

    /// The schema of `group`/`version`/`kind` in Kubernetes 1.`minor`, clamped to
    /// [`MIN_MINOR`]`..=`[`MAX_MINOR`] ([`schema_minor`]). Found through the definitions'
    /// `x-kubernetes-group-version-kind`, so also for kinds that are not served (`…List`,
    /// `DeleteOptions`, a kind of a version whose API server has it only as a schema).
    /// `kind` is exact (case-sensitive).
    pub fn lookup(&self, minor: u16, group: &str, version: &str, kind: &str) -> Option<Schema<'_>> {
        self.find(group, version, kind)?.schema(schema_minor(minor))
    }

    /// Whether the API server of Kubernetes 1.`minor` (clamped, [`schema_minor`]) serves
    /// `group`/`version`/`kind`: one of its REST paths (not a subresource such as
    /// `…/scale` or `…/eviction`) takes or returns that kind.
    pub fn served(&self, minor: u16, group: &str, version: &str, kind: &str) -> bool {
        self.served_in(group, version, kind)
            .contains(schema_minor(minor))
    }

    /// The versions in 1.23–1.35 whose API server serves `group`/`version`/`kind` (empty:
    /// never served in that range).
    pub fn served_in(&self, group: &str, version: &str, kind: &str) -> Minors {
        self.find(group, version, kind)
            .map_or(Minors::default(), KindInfo::served_in)
    }

    /// The versions that serve any kind of `group`/`version`.
    pub fn group_version_served_in(&self, group: &str, version: &str) -> Minors {
        self.kinds_of(group, version)
            .fold(Minors::default(), |m, k| m.union(k.served_in()))
    }

    /// Every known kind of `group`/`version` (served or not), sorted by kind.
    pub fn kinds_of<'a>(
        &'a self,
        group: &'a str,
        version: &'a str,
    ) -> impl Iterator<Item = KindInfo<'a>> + 'a {
        let arena = self.arena();
        let kinds = &self.decoded.kinds;
        let start = kinds
            .partition_point(|k| (arena.str(k.group), arena.str(k.version)) < (group, version));
        kinds[start..]
            .iter()
            .take_while(move |k| arena.str(k.group) == group && arena.str(k.version) == version)
            .map(move |kind| KindInfo {
                builtin: self,
                kind,
            })
    }

    /// Every known group/version/kind, sorted by group, version, kind.
    pub fn kinds(&self) -> impl ExactSizeIterator<Item = KindInfo<'_>> {
        self.decoded.kinds.iter().map(move |kind| KindInfo {
            builtin: self,
            kind,
        })
    }

    /// The node ids a kind's schema uses in 1.`minor` (for tests and statistics).
    #[doc(hidden)]
    pub fn kind_schema_ids(&self) -> &[SchemaId] {
        &self.decoded.kind_schemas
    }
}
