//! Host names a workload connects to, read from its pod spec: env values, `args`/`command`,
//! and the ConfigMaps it imports (`envFrom`, `configMapKeyRef`) or mounts (`configMap` and
//! projected volumes). A name counts only in a form that says "this is a host":
//!
//! - in a URL (`http://payment.shop:8080/pay`, `redis://:pw@redis:6379`) or as `host:port`;
//! - as the whole value of an env variable (or imported ConfigMap key) whose name says it
//!   holds an address (`…HOST`, `…ADDR`, `…URL`, `…SERVICE`, `…ENDPOINT`, …);
//! - Service forms with a namespace (`svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`)
//!   anywhere, between word boundaries, when that Service exists in the input.
//!
//! A bare word (`redis`) in free text is never a host: `mode: redis` is not a connection.

use faultline_graph::Relation;
use faultline_model::pod::PodTemplate;
use faultline_model::{Object, ObjectId};
use faultline_syntax::{NodeRef, TextRange};

use crate::Context;

/// One host name found in a workload's configuration.
#[derive(Clone, Debug)]
pub(crate) struct HostRef {
    /// The host as written, without port: `payment-service.shop`.
    pub host: String,
    pub port: Option<u16>,
    /// Written in a URL or as `host:port`.
    pub explicit: bool,
    /// The whole value of an address-like variable.
    pub exact: bool,
    /// The object that holds the text: the workload, or a ConfigMap.
    pub holder: ObjectId,
    /// Where the host is written in the holder.
    pub range: TextRange,
    /// Where the workload brings it in (the env entry, the argument, the ConfigMap import).
    pub via: TextRange,
    /// `env PAYMENT_URL`, `args[2]`, `ConfigMap app-config key application.yml`.
    pub what: String,
}

impl HostRef {
    /// `host[:port]`.
    pub fn written(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }

    /// The Service this names in `client_ns`, as (namespace, name), if the form is one:
    /// `svc` (only explicit or exact), `svc.ns`, `svc.ns.svc[.domain]`.
    pub fn service_name<'h>(&'h self, client_ns: &'h str) -> Option<(&'h str, &'h str)> {
        service_name(&self.host, self.explicit || self.exact, client_ns)
    }
}

/// The (namespace, name) of the Service a host names, if its form is one: `svc` (only when
/// `certain` the bare word is a host), `svc.ns`, `svc.ns.svc[.domain]`.
pub(crate) fn service_name<'h>(
    host: &'h str,
    certain: bool,
    client_ns: &'h str,
) -> Option<(&'h str, &'h str)> {
    let labels: Vec<&str> = host.split('.').collect();
    match labels[..] {
        [svc] if certain => Some((client_ns, svc)),
        [svc, ns] => Some((ns, svc)),
        [svc, ns, "svc", ..] => Some((ns, svc)),
        _ => None,
    }
}

/// A DNS-1123 label that can name a Service: lowercase letters, digits and `-`, starting
/// with a letter (or digit, for namespaces and domains) and ending alphanumeric.
fn label_ok(label: &str, first: bool) -> bool {
    let b = label.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && (if first {
            b[0].is_ascii_lowercase()
        } else {
            b[0].is_ascii_alphanumeric()
        })
        && b[b.len() - 1].is_ascii_alphanumeric()
}

fn host_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_'
}

/// A host candidate in a text: byte range of the host, port, and whether it is explicit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    pub start: usize,
    pub end: usize,
    pub host: String,
    pub port: Option<u16>,
    pub explicit: bool,
}

/// Every host-like token of `text` (see the module doc for which count).
pub(crate) fn scan(text: &str) -> Vec<Found> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !host_char(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && host_char(bytes[i]) {
            i += 1;
        }
        let token = &text[start..i];
        let host = token.trim_end_matches('.');
        let labels: Vec<&str> = host.split('.').collect();
        if host.is_empty() || !labels.iter().enumerate().all(|(n, l)| label_ok(l, n == 0)) {
            continue;
        }
        // `user@host` (a URL's user information, a mail address): the user is no host.
        if bytes.get(i) == Some(&b'@') {
            continue;
        }
        let before = &text[..start];
        let in_url = before.ends_with("://")
            || (before.ends_with('@')
                && before
                    .rsplit(|c: char| c.is_whitespace() || c == '"' || c == '\'')
                    .next()
                    .is_some_and(|w| w.contains("://")));
        let mut port = None;
        if host.len() == token.len() && bytes.get(i) == Some(&b':') {
            let digits = text[i + 1..].bytes().take_while(u8::is_ascii_digit).count();
            let after = bytes.get(i + 1 + digits).copied();
            if digits > 0 && after.is_none_or(|b| !host_char(b) && b != b':') {
                port = text[i + 1..i + 1 + digits]
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0);
            }
        }
        out.push(Found {
            start,
            end: start + host.len(),
            host: host.to_owned(),
            port,
            explicit: in_url || port.is_some(),
        });
    }
    out
}

/// Whether an env variable (or ConfigMap key) name says it holds an address.
fn address_name(name: &str) -> bool {
    const HINTS: &[&str] = &[
        "HOST", "ADDR", "SERVER", "SERVICE", "SVC", "ENDPOINT", "URL", "URI", "BROKER", "UPSTREAM",
        "BACKEND", "TARGET", "PEER", "REMOTE", "DSN",
    ];
    let upper = name.to_ascii_uppercase();
    HINTS.iter().any(|h| upper.contains(h))
}

/// The hosts in one scalar: explicit ones and Service forms anywhere, plus the whole value
/// when `exact_name` says the value is an address.
fn hosts_in(
    node: NodeRef<'_>,
    exact_name: Option<&str>,
    holder: ObjectId,
    via: NodeRef<'_>,
    what: &str,
    out: &mut Vec<HostRef>,
) {
    let Some(text) = node.scalar_text() else {
        return;
    };
    let source = &node.tree().source()[node.range().start as usize..node.range().end as usize];
    let locate = |host: &str| -> TextRange {
        match source.find(host) {
            Some(at) => {
                let s = node.range().start + at as u32;
                TextRange::new(s, s + host.len() as u32)
            }
            None => node.range(),
        }
    };
    let trimmed = text.trim();
    let exact = exact_name.is_some_and(address_name);
    for f in scan(text) {
        let whole = exact && (f.start, f.end) == whole_span(text, trimmed, &f);
        if !(whole || f.explicit || f.host.contains('.')) {
            continue;
        }
        out.push(HostRef {
            range: locate(&text[f.start..f.end]),
            host: f.host,
            port: f.port,
            explicit: f.explicit,
            exact: whole,
            holder,
            via: via.range(),
            what: what.to_owned(),
        });
    }
}

/// The span `f` would have if it were the whole trimmed value (`host` or `host:port`).
fn whole_span(text: &str, trimmed: &str, f: &Found) -> (usize, usize) {
    let offset = text.len() - text.trim_start().len();
    let host_len = match trimmed.split_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h.len(),
        _ => trimmed.len(),
    };
    if f.start == offset && f.end == offset + host_len {
        (f.start, f.end)
    } else {
        (usize::MAX, usize::MAX)
    }
}

/// Every entry of ConfigMap `cm`'s `data` (only `key`, when given), scanned; `exact_name`
/// is the variable a single key lands in, `as_variables` makes each key its own variable.
#[allow(clippy::too_many_arguments)]
fn config_map(
    cx: &Context<'_>,
    cm: ObjectId,
    key: Option<&str>,
    as_variables: bool,
    exact_name: Option<&str>,
    via: NodeRef<'_>,
    what: &str,
    out: &mut Vec<HostRef>,
) {
    let cm = cx.inventory.get(cm);
    for (k, v) in cm.node.get("data").into_iter().flat_map(|d| d.entries()) {
        let Some(key_text) = k.scalar_text() else {
            continue;
        };
        if key.is_some_and(|want| want != key_text) {
            continue;
        }
        let exact = exact_name.or(as_variables.then_some(key_text));
        let what = format!("{what}, key `{key_text}`");
        hosts_in(v, exact, cm.id, via, &what, out);
    }
}

/// Every host the pod spec of `obj` refers to, in document order.
pub(crate) fn host_refs(cx: &Context<'_>, obj: &Object<'_>) -> Vec<HostRef> {
    let mut out = Vec::new();
    let Some(template) = PodTemplate::of(obj) else {
        return out;
    };
    let ns = obj.namespace;
    for c in template.containers() {
        let cname = c.name();
        for env in c.node.get("env").into_iter().flat_map(|e| e.items()) {
            let name = env.get("name").and_then(|n| n.scalar_text()).unwrap_or("");
            if let Some(value) = env.get("value") {
                let what = format!("env `{name}` of container `{cname}`");
                hosts_in(value, Some(name), obj.id, value, &what, &mut out);
            }
            if let Some(r) = env.path(&["valueFrom", "configMapKeyRef"])
                && let (Some(cm), Some(key)) = (
                    r.get("name").and_then(|n| n.as_str()),
                    r.get("key").and_then(|n| n.as_str()),
                )
            {
                let what = format!("env `{name}` of container `{cname}` from ConfigMap `{cm}`");
                if let Some(target) = cx.inventory.find("ConfigMap", ns, cm) {
                    config_map(
                        cx,
                        target.id,
                        Some(key),
                        false,
                        Some(name),
                        r,
                        &what,
                        &mut out,
                    );
                }
            }
        }
        for key in ["command", "args"] {
            for (i, item) in c
                .node
                .get(key)
                .into_iter()
                .flat_map(|l| l.items())
                .enumerate()
            {
                let what = format!("{key}[{i}] of container `{cname}`");
                hosts_in(item, None, obj.id, item, &what, &mut out);
            }
        }
    }
    // ConfigMaps imported whole (`envFrom`) or mounted (volumes, projected or not), as the
    // graph resolved them.
    for r in cx.graph.references_from(obj.id) {
        let (Some(target), "ConfigMap") = (r.target, r.kind) else {
            continue;
        };
        if !matches!(r.relation, Relation::EnvFrom | Relation::Volume) {
            continue;
        }
        let what = format!("{}: ConfigMap `{}`", r.site, r.name.value);
        // Imported as variables, each key is a name; mounted as files, no value is "whole".
        let as_variables = r.relation == Relation::EnvFrom;
        config_map(
            cx,
            target,
            None,
            as_variables,
            None,
            r.name.node,
            &what,
            &mut out,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What can name a host without the whole-value rule.
    fn hosts(text: &str) -> Vec<(String, Option<u16>, bool)> {
        scan(text)
            .into_iter()
            .filter(|f| f.explicit || f.host.contains('.'))
            .map(|f| (f.host, f.port, f.explicit))
            .collect()
    }

    #[test]
    fn urls_and_ports_are_explicit() {
        assert_eq!(
            hosts("http://payment-service.shop:8080/pay"),
            [("payment-service.shop".to_owned(), Some(8080), true)]
        );
        assert_eq!(
            hosts("redis://:secret@redis:6379/0"),
            [("redis".to_owned(), Some(6379), true)]
        );
        assert_eq!(
            hosts("--upstream=api.prod.svc.cluster.local:9090,"),
            [("api.prod.svc.cluster.local".to_owned(), Some(9090), true)]
        );
        assert_eq!(
            hosts("jdbc:postgresql://db:5432/app"),
            [("db".to_owned(), Some(5432), true)]
        );
        assert_eq!(
            hosts("postgres://billing@postgres.db:5432/billing"),
            [("postgres.db".to_owned(), Some(5432), true)]
        );
    }

    #[test]
    fn versions_addresses_and_identifiers_are_not_hosts() {
        assert!(hosts("redis:7.2").is_empty());
        assert!(hosts("10.0.0.1:80").is_empty());
        assert!(hosts("MY_SVC_HOST Redis").is_empty());
        assert!(
            hosts("at 10:30 in app.py").len() == 1,
            "only app.py, which no Service matches"
        );
    }

    #[test]
    fn service_forms() {
        assert_eq!(service_name("redis", true, "shop"), Some(("shop", "redis")));
        assert_eq!(service_name("redis", false, "shop"), None);
        assert_eq!(
            service_name("redis.cache", false, "shop"),
            Some(("cache", "redis"))
        );
        assert_eq!(
            service_name("api.prod.svc.cluster.local", false, "shop"),
            Some(("prod", "api"))
        );
        assert_eq!(service_name("api.example.com", true, "shop"), None);
        assert!(address_name("PAYMENT_URL"));
        assert!(address_name("redisHost"));
        assert!(!address_name("LOG_LEVEL"));
    }
}
