//! Pod logs as evidence: the lines of a `kubectl cluster-info dump` that name a cause.
//!
//! The loader keeps every `logs.txt` as a source without parsing it
//! (`faultline_syntax::load::is_log_path`). Here each one is attributed to its pod and
//! scanned once for lines that name a cause ([`LogCause`]). A log is attributed by the markers
//! kubectl writes around each container's output,
//! `==== START logs for container <c> of pod <ns>/<pod> ====` … `==== END … ====`, and lines
//! outside any marker by the file's place, `<ns>/<pod>/logs.txt`.
//!
//! Only the first line of each cause per pod and container is kept, with a count of all of
//! them, so a log that repeats one exception a million times costs one entry.

use std::collections::BTreeMap;

use faultline_syntax::{FileId, SourceFile, TextRange};

/// What a log line says went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LogCause {
    /// `java.lang.OutOfMemoryError`, `fatal error: runtime: out of memory`,
    /// `JavaScript heap out of memory`.
    OutOfMemory,
    /// `UnknownHostException`, `no such host`, `Temporary failure in name resolution`,
    /// `Name or service not known`, `getaddrinfo ENOTFOUND`.
    DnsFailure,
    /// `connection refused` (`ECONNREFUSED`), with the `host:port` when the line names one.
    ConnectionRefused,
    /// `No space left on device` (`ENOSPC`).
    DiskFull,
    /// A call to the Kubernetes API that timed out (`dial tcp 10.96.0.1:443: i/o timeout`,
    /// `Unable to connect to the server: … timeout`), with the `host:port` when the line
    /// names one: what an egress NetworkPolicy that drops the API server's packets produces.
    ApiServerTimeout,
}

impl LogCause {
    /// What the cause means, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            LogCause::OutOfMemory => "the application ran out of memory",
            LogCause::DnsFailure => "a DNS lookup failed",
            LogCause::ConnectionRefused => "a connection was refused",
            LogCause::DiskFull => "a volume is full",
            LogCause::ApiServerTimeout => "a call to the Kubernetes API timed out",
        }
    }
}

/// The first line of one cause in one container's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEvidence<'a> {
    pub file: FileId,
    /// The line, without its terminator.
    pub range: TextRange,
    /// The line's text, trimmed.
    pub text: &'a str,
    pub cause: LogCause,
    /// The host (DNS failure) or `host:port` (connection refused) the line names.
    pub target: Option<&'a str>,
    /// The container, when the log says which.
    pub container: Option<&'a str>,
    /// How many lines of the same container give the same cause.
    pub count: u32,
}

/// Evidence from every pod log of a run, by namespace and pod name.
#[derive(Debug, Default)]
pub struct PodLogs<'a> {
    /// Namespace → pod → evidence.
    by_pod: BTreeMap<&'a str, BTreeMap<&'a str, Vec<LogEvidence<'a>>>>,
}

impl<'a> PodLogs<'a> {
    /// Scans the log files among `files`.
    pub fn build(files: &'a [SourceFile]) -> Self {
        let mut logs = PodLogs::default();
        for file in files
            .iter()
            .filter(|f| faultline_syntax::load::is_log_path(&f.path))
        {
            logs.scan(file);
        }
        logs
    }

    /// The evidence found in `namespace/pod`'s logs, in line order.
    pub fn of(&self, namespace: &str, pod: &str) -> &[LogEvidence<'a>] {
        self.by_pod
            .get(namespace)
            .and_then(|pods| pods.get(pod))
            .map_or(&[], Vec::as_slice)
    }

    pub fn is_empty(&self) -> bool {
        self.by_pod.is_empty()
    }

    fn scan(&mut self, file: &'a SourceFile) {
        let from_path = pod_of_path(&file.path);
        let mut current: Option<(&'a str, &'a str, Option<&'a str>)> =
            from_path.map(|(ns, pod)| (ns, pod, None));
        let text: &'a str = &file.text;
        for line in 0..file.lines.line_count() {
            let range = file.lines.line_range(text, line);
            let raw = &text[range.start as usize..range.end as usize];
            if let Some(rest) = raw.strip_prefix("==== START logs for container ") {
                current = parse_marker(rest).or(current);
                continue;
            }
            if raw.starts_with("==== END logs for container ") {
                current = from_path.map(|(ns, pod)| (ns, pod, None));
                continue;
            }
            let Some((ns, pod, container)) = current else {
                continue;
            };
            let Some((cause, target)) = classify_line(raw) else {
                continue;
            };
            let found = self.by_pod.entry(ns).or_default().entry(pod).or_default();
            match found
                .iter_mut()
                .find(|e| e.cause == cause && e.container == container)
            {
                Some(e) => e.count += 1,
                None => found.push(LogEvidence {
                    file: file.id,
                    range,
                    text: raw.trim(),
                    cause,
                    target,
                    container,
                    count: 1,
                }),
            }
        }
    }
}

/// `<ns>/<pod>/logs.txt` → `(ns, pod)`.
fn pod_of_path(path: &str) -> Option<(&str, &str)> {
    let mut parts = path.rsplit(['/', '\\']);
    parts.next()?;
    let pod = parts.next().filter(|p| !p.is_empty())?;
    let ns = parts
        .next()
        .filter(|p| !p.is_empty() && *p != "." && *p != "..")?;
    Some((ns, pod))
}

/// `<c> of pod <ns>/<pod> ====` → `(ns, pod, Some(c))`.
fn parse_marker(rest: &str) -> Option<(&str, &str, Option<&str>)> {
    let rest = rest.trim_end().strip_suffix("====")?.trim_end();
    let (container, pod) = rest.split_once(" of pod ")?;
    let (ns, pod) = pod.split_once('/')?;
    Some((ns, pod, Some(container)))
}

/// What a log line names as a cause, and the host or `host:port` it names.
pub fn classify_line(line: &str) -> Option<(LogCause, Option<&str>)> {
    const OOM: [&str; 3] = [
        "outofmemoryerror",
        "runtime: out of memory",
        "javascript heap out of memory",
    ];
    const DNS: [&str; 5] = [
        "unknownhostexception",
        "no such host",
        "temporary failure in name resolution",
        "name or service not known",
        "getaddrinfo enotfound",
    ];
    let lower = line.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| lower.contains(n));
    if has(&OOM) {
        return Some((LogCause::OutOfMemory, None));
    }
    if has(&["no space left on device", "enospc"]) {
        return Some((LogCause::DiskFull, None));
    }
    if has(&DNS) {
        return Some((LogCause::DnsFailure, dns_target(line, &lower)));
    }
    if has(&["connection refused", "econnrefused"]) {
        return Some((LogCause::ConnectionRefused, host_port(line)));
    }
    // A timeout on the way to the API: its Service (`kubernetes.default`, port 443), an API
    // path, or kubectl's and client-go's own words. Dropped packets time out; they are not
    // refused.
    let timeout = has(&[
        "i/o timeout",
        "connection timed out",
        "context deadline exceeded",
    ]);
    let to_api = has(&[
        "kubernetes.default",
        ":443/api",
        "/api/v1/",
        "/apis/",
        "unable to connect to the server",
    ]) || (lower.contains("dial tcp") && lower.contains(":443:"));
    if timeout && to_api {
        return Some((LogCause::ApiServerTimeout, host_port(line)));
    }
    None
}

/// The name that failed to resolve: after `UnknownHostException: `, `lookup `, `ENOTFOUND `.
fn dns_target<'l>(line: &'l str, lower: &str) -> Option<&'l str> {
    for marker in ["unknownhostexception: ", "lookup ", "enotfound "] {
        if let Some(at) = lower.find(marker) {
            let rest = &line[at + marker.len()..];
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, ':' | ',' | ';' | '"' | '\''))
                .unwrap_or(rest.len());
            let name = &rest[..end];
            if !name.is_empty() {
                return Some(name);
            }
        }
    }
    None
}

/// The first `host:port` token of a line (`10.0.0.7:6379`, `redis.cache:6379`).
fn host_port(line: &str) -> Option<&str> {
    line.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '"' | '\'' | ',' | '[' | ']'))
        .map(|t| t.trim_end_matches([':', '.', ';']))
        .find(|t| {
            let Some((host, port)) = t.rsplit_once(':') else {
                return false;
            };
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                && !port.is_empty()
                && port.len() <= 5
                && port.chars().all(|c| c.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_that_name_a_cause() {
        let cases = [
            (
                "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space",
                Some((LogCause::OutOfMemory, None)),
            ),
            (
                "java.net.UnknownHostException: redis.cache: Name or service not known",
                Some((LogCause::DnsFailure, Some("redis.cache"))),
            ),
            (
                "dial tcp: lookup redis.cache on 10.96.0.10:53: no such host",
                Some((LogCause::DnsFailure, Some("redis.cache"))),
            ),
            (
                "socket.gaierror: [Errno -3] Temporary failure in name resolution",
                Some((LogCause::DnsFailure, None)),
            ),
            (
                "dial tcp 10.0.0.7:6379: connect: connection refused",
                Some((LogCause::ConnectionRefused, Some("10.0.0.7:6379"))),
            ),
            (
                "Error: connect ECONNREFUSED 127.0.0.1:5432",
                Some((LogCause::ConnectionRefused, Some("127.0.0.1:5432"))),
            ),
            (
                "java.net.ConnectException: Connection refused",
                Some((LogCause::ConnectionRefused, None)),
            ),
            (
                "write /data/wal/000001: no space left on device",
                Some((LogCause::DiskFull, None)),
            ),
            (
                "E1207 failed to list *v1.Pod: Get \"https://10.96.0.1:443/api/v1/pods?limit=500\": dial tcp 10.96.0.1:443: i/o timeout",
                Some((LogCause::ApiServerTimeout, Some("10.96.0.1:443"))),
            ),
            (
                "Unable to connect to the server: dial tcp 10.96.0.1:443: connect: connection timed out",
                Some((LogCause::ApiServerTimeout, Some("10.96.0.1:443"))),
            ),
            // A timeout to another service is not the API's.
            ("dial tcp 10.0.0.7:6379: i/o timeout", None),
            ("Started PaymentApplication in 12.3 seconds", None),
            ("", None),
        ];
        for (line, want) in cases {
            assert_eq!(classify_line(line), want, "{line}");
        }
    }

    #[test]
    fn attributes_lines_by_marker_or_path_and_keeps_the_first_of_each_cause() {
        let text = "boot\n==== START logs for container app of pod shop/pay-1 ====\nINFO started\njava.net.UnknownHostException: redis.cache\njava.net.UnknownHostException: redis.cache\n==== END logs for container app of pod shop/pay-1 ====\n==== START logs for container side of pod shop/pay-1 ====\nwrite: No space left on device\n==== END logs for container side of pod shop/pay-1 ====\njava.lang.OutOfMemoryError: Java heap space\n";
        let files = vec![SourceFile::new(FileId(3), "dump/shop/pay-1/logs.txt", text)];
        let logs = PodLogs::build(&files);
        let found = logs.of("shop", "pay-1");
        let summary: Vec<_> = found
            .iter()
            .map(|e| {
                (
                    e.cause,
                    e.container,
                    e.count,
                    files[0].line_col(e.range.start).line,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (LogCause::DnsFailure, Some("app"), 2, 4),
                (LogCause::DiskFull, Some("side"), 1, 8),
                (LogCause::OutOfMemory, None, 1, 10),
            ]
        );
        assert_eq!(found[0].text, "java.net.UnknownHostException: redis.cache");
        assert!(logs.of("shop", "other").is_empty());
        assert_eq!(pod_of_path("logs.txt"), None);
        assert_eq!(pod_of_path("a\\b\\logs.txt"), Some(("a", "b")));
    }
}
