//! What an init container waits for, read from its command line: the loops and tools people
//! write to hold a pod until a dependency is up.
//!
//! - name lookups and port checks: `nslookup HOST`, `host`, `dig`, `getent hosts`, `ping`,
//!   `nc -z HOST PORT`, `ncat`, `telnet`;
//! - database clients' host flags: `pg_isready -h HOST`, `mysqladmin ping -h HOST`,
//!   `redis-cli -h HOST`, `psql`, `mysql`, `mongosh --host`;
//! - wait scripts: `wait-for-it HOST:PORT`, `wait-for HOST:PORT`, `dockerize -wait
//!   tcp://HOST:PORT`; URLs after `curl`/`wget`;
//! - `kubectl wait … job/NAME`, `kubectl rollout status deployment/NAME` (with `-n NS`);
//! - the `k8s-wait-for` image (`groundnuty/k8s-wait-for`), whose arguments are `job NAME`,
//!   `job-wr NAME`, `service NAME` or `pod NAME` (label selectors `-l…` are not names).
//!
//! Only names are returned, with the scalar they are written in; what they resolve to is for
//! the caller.

use faultline_syntax::NodeRef;

use crate::pod::Container;

/// What an init container waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A host name (to resolve, connect to or fetch from).
    Host(String),
    /// A Kubernetes object by kind (`Job`, `Service`, `Deployment`, `StatefulSet`,
    /// `DaemonSet`) and name, with the namespace `-n` names.
    Object {
        kind: &'static str,
        name: String,
        namespace: Option<String>,
    },
}

/// One thing an init container waits for, and where it is written.
#[derive(Clone, Debug)]
pub struct Wait<'a> {
    pub node: NodeRef<'a>,
    pub target: Target,
}

fn is_sep(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            ';' | '|' | '&' | '(' | ')' | '\'' | '"' | '`' | '$' | '{' | '}' | '<' | '>' | '!'
        )
}

/// A host name as written: DNS characters with at least one letter, not an IP, not a flag,
/// not `localhost`.
fn host_like(token: &str) -> Option<&str> {
    let t = token.trim_end_matches(['.', ',']);
    let ok = !t.is_empty()
        && !t.starts_with('-')
        && t.bytes().any(|b| b.is_ascii_lowercase())
        && t.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && !t.starts_with('.')
        && t != "localhost"
        && t != "hosts";
    ok.then_some(t)
}

/// `HOST` of `HOST:PORT`, `scheme://[user@]HOST[:PORT][/…]`.
fn host_of_address(token: &str) -> Option<&str> {
    let rest = token.split_once("://").map_or(token, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let end = rest.find([':', '/', '?']).unwrap_or(rest.len());
    host_like(&rest[..end])
}

fn kind_of(word: &str) -> Option<&'static str> {
    Some(match word {
        "job" | "jobs" | "job.batch" | "jobs.batch" => "Job",
        "deployment" | "deployments" | "deploy" | "deployment.apps" => "Deployment",
        "statefulset" | "statefulsets" | "sts" | "statefulset.apps" => "StatefulSet",
        "daemonset" | "daemonsets" | "ds" | "daemonset.apps" => "DaemonSet",
        "service" | "services" | "svc" => "Service",
        _ => return None,
    })
}

/// The targets named in one shell text, command by command (`;`, `|`, `&`, newlines and
/// parentheses end a command).
pub fn scan_text(text: &str) -> Vec<Target> {
    let mut out = Vec::new();
    for command in text.split([';', '|', '&', '\n', '(', ')']) {
        for t in scan_command(command) {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

fn scan_command(text: &str) -> Vec<Target> {
    let tokens: Vec<&str> = text.split(is_sep).filter(|t| !t.is_empty()).collect();
    let mut out = Vec::new();
    let mut push = |t: Target| {
        if !out.contains(&t) {
            out.push(t);
        }
    };
    let mut i = 0;
    while i < tokens.len() {
        let word = tokens[i].rsplit('/').next().unwrap_or(tokens[i]);
        let next = |n: usize| tokens.iter().skip(i + 1).take(n);
        match word {
            "nslookup" | "host" | "dig" | "ping" | "nc" | "ncat" | "netcat" | "telnet" => {
                if let Some(h) =
                    next(4).find_map(|t| host_like(t).filter(|h| h.contains(char::is_alphabetic)))
                {
                    push(Target::Host(h.to_owned()));
                }
            }
            "getent" if tokens.get(i + 1) == Some(&"hosts") => {
                if let Some(h) = tokens.get(i + 2).and_then(|t| host_like(t)) {
                    push(Target::Host(h.to_owned()));
                }
            }
            "pg_isready" | "mysqladmin" | "redis-cli" | "psql" | "mysql" | "mongosh" | "mongo" => {
                for (k, t) in next(12).enumerate() {
                    let value = match *t {
                        "-h" | "--host" => tokens.get(i + 2 + k).copied(),
                        t => t
                            .strip_prefix("--host=")
                            .or_else(|| t.strip_prefix("-h="))
                            .or_else(|| {
                                t.strip_prefix("-h")
                                    .filter(|v| !v.is_empty() && !v.starts_with('-'))
                            }),
                    };
                    if let Some(h) = value.and_then(host_of_address) {
                        push(Target::Host(h.to_owned()));
                        break;
                    }
                }
            }
            "wait-for-it" | "wait-for-it.sh" | "wait-for" | "wait-for.sh" | "waitforit"
            | "dockerize" => {
                for t in next(8) {
                    if t.contains(':')
                        && let Some(h) = host_of_address(t)
                    {
                        push(Target::Host(h.to_owned()));
                    }
                }
            }
            "curl" | "wget" => {
                if let Some(h) = next(16)
                    .filter(|t| t.starts_with("http://") || t.starts_with("https://"))
                    .find_map(|t| host_of_address(t))
                {
                    push(Target::Host(h.to_owned()));
                }
            }
            "kubectl" => {
                let rest: Vec<&str> = next(16).copied().collect();
                let waits = rest.first().is_some_and(|w| *w == "wait")
                    || rest.starts_with(&["rollout", "status"]);
                if waits {
                    let namespace = rest.iter().enumerate().find_map(|(k, t)| match *t {
                        "-n" | "--namespace" => rest.get(k + 1).map(|s| (*s).to_owned()),
                        t => t.strip_prefix("--namespace=").map(str::to_owned),
                    });
                    for (k, t) in rest.iter().enumerate() {
                        if let Some((kind, name)) = t.split_once('/')
                            && let Some(kind) = kind_of(kind)
                            && host_like(name).is_some()
                        {
                            push(Target::Object {
                                kind,
                                name: name.to_owned(),
                                namespace: namespace.clone(),
                            });
                        } else if let Some(kind) = kind_of(t)
                            && let Some(name) = rest.get(k + 1).and_then(|n| host_like(n))
                        {
                            push(Target::Object {
                                kind,
                                name: name.to_owned(),
                                namespace: namespace.clone(),
                            });
                        }
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Whether an image is `k8s-wait-for` (`groundnuty/k8s-wait-for:v2.0`).
fn is_k8s_wait_for(image: &str) -> bool {
    let repo = image.split(['@']).next().unwrap_or("");
    let last = repo.rsplit('/').next().unwrap_or("");
    last.split(':').next() == Some("k8s-wait-for")
}

/// What an init container waits for, each at the scalar that names it.
pub fn waits<'a>(container: &Container<'a>) -> Vec<Wait<'a>> {
    let mut out: Vec<Wait<'a>> = Vec::new();
    let args: Vec<NodeRef<'a>> = container.command_line().collect();
    if container
        .image()
        .and_then(|i| i.as_str())
        .is_some_and(is_k8s_wait_for)
    {
        let words: Vec<&str> = args.iter().filter_map(|a| a.as_str()).collect();
        for (k, w) in words.iter().enumerate() {
            let kind = match *w {
                "job" | "job-wr" => "Job",
                "service" => "Service",
                _ => continue,
            };
            if let Some(name) = words.get(k + 1).and_then(|n| host_like(n)) {
                out.push(Wait {
                    node: args[k + 1],
                    target: Target::Object {
                        kind,
                        name: name.to_owned(),
                        namespace: None,
                    },
                });
            }
        }
        return out;
    }
    // An exec-form command line is one command: its items are read together, and each
    // target is placed at the first item that names it.
    let joined: Vec<&str> = args.iter().filter_map(|a| a.as_str()).collect();
    for target in scan_text(&joined.join(" ")) {
        let name = match &target {
            Target::Host(h) => h.as_str(),
            Target::Object { name, .. } => name.as_str(),
        };
        let Some(node) = args
            .iter()
            .find(|a| a.as_str().is_some_and(|t| t.contains(name)))
            .or(args.first())
        else {
            continue;
        };
        out.push(Wait {
            node: *node,
            target,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(h: &str) -> Target {
        Target::Host(h.to_owned())
    }

    fn job(n: &str, ns: Option<&str>) -> Target {
        Target::Object {
            kind: "Job",
            name: n.to_owned(),
            namespace: ns.map(str::to_owned),
        }
    }

    #[test]
    fn loops_and_tools() {
        assert_eq!(
            scan_text("until nslookup postgres.shop; do sleep 2; done"),
            [host("postgres.shop")]
        );
        assert_eq!(
            scan_text("until nc -z -w 2 redis 6379; do sleep 1; done"),
            [host("redis")]
        );
        assert_eq!(
            scan_text("while ! getent hosts mysql-0.mysql; do sleep 1; done"),
            [host("mysql-0.mysql")]
        );
        assert_eq!(
            scan_text("until pg_isready -h db.shop.svc.cluster.local -p 5432; do sleep 1; done"),
            [host("db.shop.svc.cluster.local")]
        );
        assert_eq!(
            scan_text("/wait-for-it.sh kafka:9092 -t 60"),
            [host("kafka")]
        );
        assert_eq!(
            scan_text("dockerize -wait tcp://rabbitmq:5672 -timeout 60s"),
            [host("rabbitmq")]
        );
        assert_eq!(
            scan_text("until curl -fsS http://config-server:8888/health; do sleep 5; done"),
            [host("config-server")]
        );
        assert_eq!(scan_text("ping -c 1 10.0.0.1"), []);
        assert_eq!(scan_text("nslookup localhost"), []);
        assert_eq!(
            scan_text(
                "kubectl wait --for=condition=complete job/db-migrate -n shop --timeout=600s"
            ),
            [job("db-migrate", Some("shop"))]
        );
        assert_eq!(
            scan_text("kubectl rollout status deployment api"),
            [Target::Object {
                kind: "Deployment",
                name: "api".to_owned(),
                namespace: None
            }]
        );
        assert_eq!(scan_text("echo nslookup"), []);
        assert_eq!(
            scan_text("until nc -z localhost 8080; do sleep 1; done; nslookup db"),
            [host("db")]
        );
    }

    #[test]
    fn exec_form_and_the_k8s_wait_for_image() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  initContainers:\n    - name: a\n      image: groundnuty/k8s-wait-for:v2.0\n      args: [job-wr, db-migrate]\n    - name: b\n      image: ghcr.io/groundnuty/k8s-wait-for:no-root-v2.0\n      args: [pod, -lapp=db]\n    - name: c\n      image: bitnami/kubectl\n      command: [kubectl, wait, --for=condition=complete, job/seed, -n, data]\n  containers: [{name: app, image: app:1}]\n";
        let parsed = vec![faultline_syntax::yaml::parse_yaml(&std::sync::Arc::from(
            text,
        ))];
        let inv = crate::Inventory::build(&parsed, &crate::ModelOptions::default());
        let t = crate::pod::PodTemplate::of(&inv.objects[0]).unwrap();
        let found: Vec<(Vec<Target>, Vec<&str>)> = t
            .containers()
            .map(|c| {
                let w = waits(&c);
                (
                    w.iter().map(|w| w.target.clone()).collect(),
                    w.iter().filter_map(|w| w.node.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            found[0],
            (vec![job("db-migrate", None)], vec!["db-migrate"])
        );
        assert_eq!(found[1], (vec![], vec![]), "label selectors are not names");
        assert_eq!(
            found[2],
            (vec![job("seed", Some("data"))], vec!["job/seed"])
        );
        assert!(found[3].0.is_empty());
    }
}
