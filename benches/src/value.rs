//! A minimal document tree, built per object and then emitted as YAML or JSON.

use std::borrow::Cow;

pub(crate) type Key = Cow<'static, str>;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum V {
    Null,
    Bool(bool),
    Int(i64),
    Str(Cow<'static, str>),
    /// A string a template author forced into double quotes (helm `| quote`); JSON is unaffected.
    QStr(Cow<'static, str>),
    Map(Vec<(Key, V)>),
    Seq(Vec<V>),
}

impl V {
    pub(crate) fn map() -> V {
        V::Map(Vec::new())
    }

    /// Appends a key (no-op on non-maps).
    pub(crate) fn push(&mut self, k: impl Into<Key>, v: impl Into<V>) {
        if let V::Map(m) = self {
            m.push((k.into(), v.into()));
        }
    }

    /// Appends a key when `v` is `Some`.
    pub(crate) fn push_opt<T: Into<V>>(&mut self, k: impl Into<Key>, v: Option<T>) {
        if let Some(v) = v {
            self.push(k, v);
        }
    }

    /// Looks a key up in a map.
    pub(crate) fn get(&self, k: &str) -> Option<&V> {
        match self {
            V::Map(m) => m.iter().find(|(key, _)| key == k).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Looks a key up in a map, mutably.
    pub(crate) fn get_mut(&mut self, k: &str) -> Option<&mut V> {
        match self {
            V::Map(m) => m.iter_mut().find(|(key, _)| key == k).map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn qstr(s: impl Into<Cow<'static, str>>) -> V {
        V::QStr(s.into())
    }
}

impl From<&'static str> for V {
    fn from(s: &'static str) -> V {
        V::Str(Cow::Borrowed(s))
    }
}
impl From<String> for V {
    fn from(s: String) -> V {
        V::Str(Cow::Owned(s))
    }
}
impl From<&String> for V {
    fn from(s: &String) -> V {
        V::Str(Cow::Owned(s.clone()))
    }
}
impl From<Cow<'static, str>> for V {
    fn from(s: Cow<'static, str>) -> V {
        V::Str(s)
    }
}
impl From<bool> for V {
    fn from(b: bool) -> V {
        V::Bool(b)
    }
}
impl From<Vec<V>> for V {
    fn from(s: Vec<V>) -> V {
        V::Seq(s)
    }
}
macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for V {
            fn from(i: $t) -> V {
                V::Int(i64::try_from(i).unwrap_or(i64::MAX))
            }
        }
    )*};
}
from_int!(i32, i64, u16, u32, u64, usize);

/// Builds a `V::Map` from `key => value` pairs (insertion order = authoring order).
macro_rules! obj {
    () => { $crate::value::V::Map(Vec::new()) };
    ($($k:expr => $v:expr),+ $(,)?) => {
        $crate::value::V::Map(vec![$(($crate::value::Key::from($k), $crate::value::V::from($v))),+])
    };
}

/// Builds a `V::Seq`.
macro_rules! arr {
    () => { $crate::value::V::Seq(Vec::new()) };
    ($($v:expr),+ $(,)?) => { $crate::value::V::Seq(vec![$($crate::value::V::from($v)),+]) };
}

pub(crate) use {arr, obj};
