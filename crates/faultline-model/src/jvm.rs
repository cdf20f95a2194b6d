//! What a container's image, command line and environment say about a JVM: whether it runs
//! one, and the heap limits its flags set.
//!
//! Flags are read from `command` and `args` and from the environment variables the JVM (or, for
//! `JAVA_OPTS`, the usual start scripts) reads, with `$(VAR)` references expanded from the
//! container's `env` the way the kubelet expands them. Every flag keeps the node it is written
//! in, so a finding points at `-Xmx2g` in `args` or in the `JAVA_OPTS` value.

use std::collections::HashMap;

use faultline_syntax::{NodeRef, TextRange};

use crate::pod::Container;

/// Environment variables whose presence means a JVM (or a JVM start script) runs.
const JVM_ENV: &[&str] = &[
    "JAVA_OPTS",
    "JAVA_TOOL_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "_JAVA_OPTIONS",
    "JAVA_HOME",
    "JVM_OPTS",
    "CATALINA_OPTS",
];

/// Image name parts that mean a JVM: JDK/JRE distributions and well-known JVM servers.
const JVM_IMAGE_WORDS: &[&str] = &[
    "openjdk",
    "jdk",
    "jre",
    "java",
    "temurin",
    "corretto",
    "amazoncorretto",
    "zulu",
    "semeru",
    "adoptopenjdk",
    "liberica",
    "sapmachine",
    "dragonwell",
    "tomcat",
    "jetty",
    "wildfly",
    "jboss",
    "keycloak",
    "elasticsearch",
    "logstash",
    "kafka",
    "zookeeper",
    "cassandra",
    "solr",
    "jenkins",
];

/// Why a container is taken for a JVM.
#[derive(Clone, Debug)]
pub struct JvmEvidence<'a> {
    /// For messages, after "recognised by": "its image `eclipse-temurin:21`", "its command
    /// line", "its environment variable `JAVA_OPTS`".
    pub reason: String,
    pub node: NodeRef<'a>,
}

/// Whether the container runs a JVM, judged from (in this order) its image name, its command
/// line (`java`, `-jar`, `-Xmx…`, `-XX:…`) and its environment (`JAVA_OPTS` and the like).
pub fn detect<'a>(container: &Container<'a>) -> Option<JvmEvidence<'a>> {
    if let Some(image) = container.image()
        && let Some(text) = image.as_str()
        && is_jvm_image(text)
    {
        return Some(JvmEvidence {
            reason: format!("its image `{text}`"),
            node: image,
        });
    }
    for item in container.command_line() {
        let text = item.as_str().unwrap_or("");
        if text.split_whitespace().map(unquote).any(|t| {
            is_java_binary(t) || t == "-jar" || t.starts_with("-Xmx") || t.starts_with("-XX:")
        }) {
            return Some(JvmEvidence {
                reason: "its command line".to_owned(),
                node: item,
            });
        }
    }
    container.env().find_map(|var| {
        let name = var.name.value;
        (JVM_ENV.contains(&name) || name.ends_with("_JAVA_OPTS")).then(|| JvmEvidence {
            reason: format!("its environment variable `{name}`"),
            node: var.name.node,
        })
    })
}

/// Whether an image reference names a JDK/JRE or a well-known JVM server: one of its
/// repository or tag words (split at `/ : . - _`, registry host left out) is such a name, or
/// `jdk17`-style.
pub fn is_jvm_image(image: &str) -> bool {
    let image = image.split('@').next().unwrap_or("").to_ascii_lowercase();
    let mut path = image.as_str();
    if let Some((first, rest)) = path.split_once('/')
        && (first.contains('.') || first.contains(':') || first == "localhost")
    {
        path = rest;
    }
    path.split(['/', ':', '.', '-', '_']).any(|word| {
        JVM_IMAGE_WORDS.contains(&word)
            || ["openjdk", "jdk", "jre", "java"].iter().any(|p| {
                word.strip_prefix(p)
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            })
    })
}

fn is_java_binary(token: &str) -> bool {
    token == "java" || token.ends_with("/java")
}

fn unquote(token: &str) -> &str {
    token.trim_matches(|c| c == '"' || c == '\'')
}

/// A maximum heap set by a flag.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HeapSize {
    /// `-Xmx` or `-XX:MaxHeapSize`, in bytes.
    Bytes(u64),
    /// `-XX:MaxRAMPercentage` (or `-XX:MaxRAMFraction=n` as `100 / n`): a share of the
    /// container's memory limit.
    RamPercent(f64),
}

/// A heap flag and where it is written.
#[derive(Clone, Debug)]
pub struct HeapFlag<'a> {
    pub size: HeapSize,
    /// The flag as written: `-Xmx2g`.
    pub flag: String,
    /// The node holding it: an item of `command`/`args`, or an `env` value.
    pub node: NodeRef<'a>,
    /// The flag itself inside `node` when it can be found there verbatim, else `node`'s range.
    pub range: TextRange,
    /// The environment variable whose value holds it, if any.
    pub env: Option<&'a str>,
}

/// The heap limits in effect: for each kind of flag, the one the JVM honours (the last it
/// reads).
#[derive(Clone, Debug, Default)]
pub struct HeapSettings<'a> {
    /// `-Xmx` / `-XX:MaxHeapSize`.
    pub max_heap: Option<HeapFlag<'a>>,
    /// `-XX:MaxRAMPercentage` / `-XX:MaxRAMFraction`; ignored by the JVM when `max_heap` is
    /// set.
    pub max_ram: Option<HeapFlag<'a>>,
}

/// A piece of expanded text and the node it was written in.
#[derive(Clone, Debug)]
struct Segment<'a> {
    text: String,
    node: NodeRef<'a>,
    env: Option<&'a str>,
}

type Vars<'a> = HashMap<&'a str, Vec<Segment<'a>>>;

/// How much text one expansion may produce before further references stay unexpanded.
const MAX_EXPANDED: usize = 64 * 1024;

/// Expands `$(VAR)` references like the kubelet (`$$` is a literal `$`, unknown variables stay
/// as written), keeping for each piece the node it comes from.
fn expand<'a>(
    text: &str,
    node: NodeRef<'a>,
    env: Option<&'a str>,
    vars: &Vars<'a>,
) -> Vec<Segment<'a>> {
    let mut out: Vec<Segment<'a>> = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        literal.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            literal.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(')')
        {
            let name = &inner[..end];
            match vars.get(name).filter(|value| {
                // Variables that double each other grow exponentially; the kubelet would build
                // them, but no JVM flag hides past this much text.
                let len: usize = out.iter().chain(value.iter()).map(|s| s.text.len()).sum();
                len + literal.len() <= MAX_EXPANDED
            }) {
                Some(value) => {
                    if !literal.is_empty() {
                        out.push(Segment {
                            text: std::mem::take(&mut literal),
                            node,
                            env,
                        });
                    }
                    out.extend(value.iter().cloned());
                }
                None => {
                    literal.push_str("$(");
                    literal.push_str(name);
                    literal.push(')');
                }
            }
            rest = &inner[end + 1..];
        } else {
            literal.push('$');
            rest = after;
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        out.push(Segment {
            text: literal,
            node,
            env,
        });
    }
    out
}

/// A whitespace-separated word of expanded text, with the segment it starts in.
struct Token<'s, 'a> {
    text: String,
    segment: &'s Segment<'a>,
}

fn tokens<'s, 'a>(segments: &'s [Segment<'a>]) -> Vec<Token<'s, 'a>> {
    let mut out: Vec<Token<'s, 'a>> = Vec::new();
    let mut current: Option<Token<'s, 'a>> = None;
    for seg in segments {
        for c in seg.text.chars() {
            if c.is_whitespace() {
                out.extend(current.take());
            } else {
                current
                    .get_or_insert_with(|| Token {
                        text: String::new(),
                        segment: seg,
                    })
                    .text
                    .push(c);
            }
        }
    }
    out.extend(current);
    out
}

/// `-Xmx2g` → bytes. JVM sizes are a decimal number with an optional binary suffix
/// `k`/`m`/`g`/`t` (either case).
pub fn parse_jvm_size(s: &str) -> Option<u64> {
    let (digits, shift) = match s.as_bytes().last()?.to_ascii_lowercase() {
        b'k' => (&s[..s.len() - 1], 10),
        b'm' => (&s[..s.len() - 1], 20),
        b'g' => (&s[..s.len() - 1], 30),
        b't' => (&s[..s.len() - 1], 40),
        _ => (s, 0),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok()?.checked_mul(1u64 << shift)
}

/// The heap flag a word sets, if any. A `NAME=` prefix and quotes around the flag (as in a
/// shell line `JAVA_OPTS="-Xmx2g"`) are looked through.
fn heap_flag(word: &str) -> Option<(HeapSize, &str)> {
    let mut w = unquote(word);
    if let Some((name, value)) = w.split_once('=')
        && !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.starts_with('-')
    {
        w = unquote(value);
    }
    let w = w.trim_end_matches(';');
    if let Some(size) = w.strip_prefix("-Xmx") {
        return Some((HeapSize::Bytes(parse_jvm_size(size)?), w));
    }
    if let Some(size) = w.strip_prefix("-XX:MaxHeapSize=") {
        return Some((HeapSize::Bytes(parse_jvm_size(size)?), w));
    }
    if let Some(pct) = w.strip_prefix("-XX:MaxRAMPercentage=") {
        let pct: f64 = pct
            .parse()
            .ok()
            .filter(|p: &f64| p.is_finite() && *p >= 0.0)?;
        return Some((HeapSize::RamPercent(pct), w));
    }
    if let Some(n) = w.strip_prefix("-XX:MaxRAMFraction=") {
        let n: u32 = n.parse().ok().filter(|n| *n > 0)?;
        return Some((HeapSize::RamPercent(100.0 / f64::from(n)), w));
    }
    None
}

/// Options of the `java` launcher that take the next word as their value.
const JAVA_OPTIONS_WITH_VALUE: &[&str] = &[
    "-cp",
    "-classpath",
    "--class-path",
    "-p",
    "--module-path",
    "--add-modules",
];

/// The heap flags among `words`. When `command_line` is set and a `java` binary appears, only
/// words in the launcher's option position count (`java -jar app.jar -Xmx1g` passes `-Xmx1g`
/// to the application); without a `java` word every flag counts (the image's entrypoint starts
/// the JVM).
fn scan<'s, 'a>(words: &[Token<'s, 'a>], command_line: bool, settings: &mut HeapSettings<'a>) {
    let has_java = command_line && words.iter().any(|w| is_java_binary(unquote(&w.text)));
    let mut in_options = !has_java;
    let mut skip_next = false;
    let mut ends_options_after_skip = false;
    for word in words {
        let text = unquote(&word.text);
        if skip_next {
            skip_next = false;
            if ends_options_after_skip {
                in_options = false;
            }
            continue;
        }
        if has_java {
            if is_java_binary(text) {
                in_options = true;
                continue;
            }
            if matches!(text, ";" | "&&" | "||" | "|" | "&") {
                in_options = false;
                continue;
            }
            if !in_options {
                continue;
            }
            if text == "-jar" {
                skip_next = true;
                ends_options_after_skip = true;
                continue;
            }
            if JAVA_OPTIONS_WITH_VALUE.contains(&text) {
                skip_next = true;
                ends_options_after_skip = false;
                continue;
            }
            if !text.starts_with('-') {
                in_options = false;
                continue;
            }
        }
        if let Some((size, flag)) = heap_flag(&word.text) {
            let seg = word.segment;
            let found = HeapFlag {
                size,
                flag: flag.to_owned(),
                node: seg.node,
                range: narrow(seg.node, flag),
                env: seg.env,
            };
            match size {
                HeapSize::Bytes(_) => settings.max_heap = Some(found),
                HeapSize::RamPercent(_) => settings.max_ram = Some(found),
            }
        }
        if text.ends_with(';') {
            in_options = !has_java;
        }
    }
}

/// The range of `needle` inside the scalar `node` when it is written there exactly once and
/// verbatim, else the node's range.
fn narrow(node: NodeRef<'_>, needle: &str) -> TextRange {
    let range = node.range();
    let source = node.tree().source();
    let Some(written) = source.get(range.start as usize..range.end as usize) else {
        return range;
    };
    let value = node.scalar_text().unwrap_or("");
    if written.matches(needle).count() == 1
        && value.matches(needle).count() == 1
        && let Some(at) = written.find(needle)
    {
        let start = range.start + at as u32;
        return TextRange::new(start, start + needle.len() as u32);
    }
    range
}

/// The heap limits the container's JVM flags set. Sources are read in the order the JVM
/// applies them, the last flag of a kind winning: `JAVA_TOOL_OPTIONS`, `JDK_JAVA_OPTIONS`,
/// `JAVA_OPTS` (which start scripts put on the command line), `command` and `args`, and
/// finally `_JAVA_OPTIONS`, which overrides the command line.
pub fn heap_settings<'a>(container: &Container<'a>) -> HeapSettings<'a> {
    // Every flag comes from an env value or a command-line item: without `-X` in any of them
    // there is nothing to expand or scan (the common case, kept free of allocation).
    let mentions_flag = |s: &str| s.contains("-X");
    if !container
        .env()
        .filter_map(|v| v.value)
        .any(|v| mentions_flag(v.value))
        && !container
            .command_line()
            .any(|item| item.as_str().is_some_and(mentions_flag))
    {
        return HeapSettings::default();
    }
    let mut vars: Vars<'a> = HashMap::new();
    for var in container.env() {
        let name = var.name.value;
        match var.value {
            Some(value) => {
                let segments = expand(value.value, value.node, Some(name), &vars);
                vars.insert(name, segments);
            }
            None => {
                vars.remove(name);
            }
        }
    }
    let mut settings = HeapSettings::default();
    let env_words = |name: &str| vars.get(name).map(|s| tokens(s)).unwrap_or_default();
    for name in ["JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "JAVA_OPTS"] {
        scan(&env_words(name), false, &mut settings);
    }
    let command: Vec<Segment<'a>> = container
        .command_line()
        .flat_map(|item| {
            let mut segs = expand(item.as_str().unwrap_or(""), item, None, &vars);
            // Items are separate words even when they do not end in whitespace.
            segs.push(Segment {
                text: " ".to_owned(),
                node: item,
                env: None,
            });
            segs
        })
        .collect();
    scan(&tokens(&command), true, &mut settings);
    scan(&env_words("_JAVA_OPTIONS"), false, &mut settings);
    settings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jvm_sizes_are_binary_and_case_insensitive() {
        assert_eq!(parse_jvm_size("2g"), Some(2 << 30));
        assert_eq!(parse_jvm_size("2G"), Some(2 << 30));
        assert_eq!(parse_jvm_size("1536m"), Some(1536 << 20));
        assert_eq!(parse_jvm_size("512K"), Some(512 << 10));
        assert_eq!(parse_jvm_size("1t"), Some(1 << 40));
        assert_eq!(parse_jvm_size("1048576"), Some(1 << 20));
        for bad in ["", "g", "1.5g", "2gb", "-1g", "2x", "99999999999999999999t"] {
            assert_eq!(parse_jvm_size(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn heap_flags_are_recognised() {
        assert_eq!(
            heap_flag("-Xmx2g").map(|f| f.0),
            Some(HeapSize::Bytes(2 << 30))
        );
        assert_eq!(
            heap_flag("-XX:MaxHeapSize=512m").map(|f| f.0),
            Some(HeapSize::Bytes(512 << 20))
        );
        assert_eq!(
            heap_flag("-XX:MaxRAMPercentage=75.0").map(|f| f.0),
            Some(HeapSize::RamPercent(75.0))
        );
        assert_eq!(
            heap_flag("-XX:MaxRAMFraction=2").map(|f| f.0),
            Some(HeapSize::RamPercent(50.0))
        );
        assert_eq!(heap_flag("JAVA_OPTS=\"-Xmx1g").map(|f| f.1), Some("-Xmx1g"));
        assert_eq!(heap_flag("-Xms2g"), None);
        assert_eq!(heap_flag("-Xmx"), None);
    }

    #[test]
    fn jvm_images() {
        for yes in [
            "eclipse-temurin:21-jre",
            "openjdk:17",
            "amazoncorretto:17-alpine",
            "registry.example.com/team/app-jdk:1.0",
            "maven:3.9-eclipse-temurin-21",
            "jenkins/jenkins:lts-jdk17",
            "azul/zulu-openjdk:17",
            "docker.elastic.co/elasticsearch/elasticsearch:8.13.0",
            "bitnami/kafka:3.7",
        ] {
            assert!(is_jvm_image(yes), "{yes}");
        }
        for no in [
            "nginx:1.27",
            "redis:7",
            "node:20",
            "java.example.com/app:1",
            "registry.example.com/javascript-app:1",
            "golang:1.22",
        ] {
            assert!(!is_jvm_image(no), "{no}");
        }
    }
}
