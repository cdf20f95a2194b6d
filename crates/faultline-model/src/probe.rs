//! Container probes (`livenessProbe`, `readinessProbe`, `startupProbe`) with the API server's
//! defaults, and what each probe's handler checks.

use faultline_syntax::NodeRef;

use crate::field::{self, Defaulted, Field};
use crate::intorstr::IntOrString;
use crate::pod::Container;

/// Which probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeKind {
    Liveness,
    Readiness,
    Startup,
}

impl ProbeKind {
    pub const ALL: [ProbeKind; 3] = [Self::Liveness, Self::Readiness, Self::Startup];

    /// The container field: `livenessProbe`.
    pub fn field(self) -> &'static str {
        match self {
            Self::Liveness => "livenessProbe",
            Self::Readiness => "readinessProbe",
            Self::Startup => "startupProbe",
        }
    }

    /// For messages: `liveness`.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Liveness => "liveness",
            Self::Readiness => "readiness",
            Self::Startup => "startup",
        }
    }
}

/// A probe's timing fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    InitialDelaySeconds,
    PeriodSeconds,
    TimeoutSeconds,
    FailureThreshold,
    SuccessThreshold,
}

impl Timing {
    pub fn key(self) -> &'static str {
        match self {
            Self::InitialDelaySeconds => "initialDelaySeconds",
            Self::PeriodSeconds => "periodSeconds",
            Self::TimeoutSeconds => "timeoutSeconds",
            Self::FailureThreshold => "failureThreshold",
            Self::SuccessThreshold => "successThreshold",
        }
    }

    /// The value `SetDefaults_Probe` puts in when the field is absent or 0.
    pub fn default_value(self) -> i64 {
        match self {
            Self::InitialDelaySeconds => 0,
            Self::PeriodSeconds => 10,
            Self::TimeoutSeconds => 1,
            Self::FailureThreshold => 3,
            Self::SuccessThreshold => 1,
        }
    }
}

/// One probe of a container.
#[derive(Clone, Copy, Debug)]
pub struct Probe<'a> {
    pub kind: ProbeKind,
    /// The `livenessProbe` key, to point at the probe as a whole.
    pub key: NodeRef<'a>,
    /// The probe mapping.
    pub node: NodeRef<'a>,
}

impl<'a> Probe<'a> {
    /// The container's probe of `kind`, when it is written as a mapping.
    pub fn of(container: &Container<'a>, kind: ProbeKind) -> Option<Self> {
        let (key, node) = container.node.entry(kind.field())?;
        node.is_map().then_some(Self { kind, key, node })
    }

    /// A timing field with the API server's default. `None` when it is written with a type the
    /// API server rejects (a string, a fraction) or is negative (validation rejects it): rules
    /// then leave the probe alone.
    pub fn timing(&self, t: Timing) -> Option<Defaulted<'a, i64>> {
        let Some(node) = self.node.get(t.key()) else {
            return Some(Defaulted::default_value(t.default_value()));
        };
        if node.is_null() {
            return Some(Defaulted::default_value(t.default_value()));
        }
        let value = node.as_i64().filter(|v| *v >= 0)?;
        if value == 0 && t != Timing::InitialDelaySeconds {
            return Some(Defaulted::default_value(t.default_value()));
        }
        Some(Defaulted::written(Field { value, node }))
    }

    /// The handler: the first of `exec`, `httpGet`, `tcpSocket`, `grpc` written as a mapping
    /// (the API server requires exactly one).
    pub fn handler(&self) -> Option<Handler<'a>> {
        [
            ("exec", HandlerKind::Exec),
            ("httpGet", HandlerKind::HttpGet),
            ("tcpSocket", HandlerKind::TcpSocket),
            ("grpc", HandlerKind::Grpc),
        ]
        .into_iter()
        .find_map(|(field, kind)| {
            let (key, node) = self.node.entry(field)?;
            node.is_map().then_some(Handler { kind, key, node })
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandlerKind {
    Exec,
    HttpGet,
    TcpSocket,
    Grpc,
}

impl HandlerKind {
    /// The field name: `httpGet`.
    pub fn field(self) -> &'static str {
        match self {
            Self::Exec => "exec",
            Self::HttpGet => "httpGet",
            Self::TcpSocket => "tcpSocket",
            Self::Grpc => "grpc",
        }
    }
}

/// What a probe runs.
#[derive(Clone, Copy, Debug)]
pub struct Handler<'a> {
    pub kind: HandlerKind,
    pub key: NodeRef<'a>,
    pub node: NodeRef<'a>,
}

/// A probe port once named ports are resolved against the container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResolvedPort {
    Number(i64),
    /// A name the container does not declare (the probe can never connect).
    Unresolved(String),
}

/// What a handler checks, in a form where equal means "the same check": named ports resolved,
/// defaults filled in (`path` `/`, `scheme` `HTTP`, `service` empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check<'a> {
    Exec(Vec<&'a str>),
    Http {
        scheme: String,
        host: &'a str,
        port: ResolvedPort,
        path: &'a str,
        headers: Vec<(&'a str, &'a str)>,
    },
    Tcp {
        host: &'a str,
        port: ResolvedPort,
    },
    Grpc {
        port: ResolvedPort,
        service: &'a str,
    },
}

impl<'a> Handler<'a> {
    /// The port of `httpGet`, `tcpSocket` or `grpc`, as written.
    pub fn port(&self) -> Option<Field<'a, IntOrString>> {
        match self.kind {
            HandlerKind::Exec => None,
            _ => field::int_or_str(Some(self.node), "port"),
        }
    }

    /// `host` of `httpGet` or `tcpSocket`, when written and not empty: the probe then goes to
    /// that address rather than the pod's.
    pub fn host(&self) -> Option<Field<'a, &'a str>> {
        match self.kind {
            HandlerKind::HttpGet | HandlerKind::TcpSocket => {
                field::str(Some(self.node), "host").filter(|h| !h.value.is_empty())
            }
            _ => None,
        }
    }

    /// The check the handler makes, or `None` when a field it needs has a type the API server
    /// rejects.
    pub fn check(&self, container: &Container<'a>) -> Option<Check<'a>> {
        let text = |key: &str| -> Option<&'a str> {
            match self.node.get(key) {
                None => Some(""),
                Some(n) if n.is_null() => Some(""),
                Some(n) => n.as_str(),
            }
        };
        let port = || Some(resolve_port(&self.port()?.value, container));
        Some(match self.kind {
            HandlerKind::Exec => Check::Exec(
                self.node
                    .get("command")
                    .into_iter()
                    .flat_map(|c| c.items())
                    .map(|i| i.scalar_text())
                    .collect::<Option<_>>()?,
            ),
            HandlerKind::HttpGet => Check::Http {
                scheme: match text("scheme")? {
                    "" => "HTTP".to_owned(),
                    s => s.to_ascii_uppercase(),
                },
                host: text("host")?,
                port: port()?,
                path: match text("path")? {
                    "" => "/",
                    p => p,
                },
                headers: self
                    .node
                    .get("httpHeaders")
                    .into_iter()
                    .flat_map(|h| h.items())
                    .map(|h| {
                        Some((
                            h.get("name")?.scalar_text()?,
                            h.get("value")?.scalar_text()?,
                        ))
                    })
                    .collect::<Option<_>>()?,
            },
            HandlerKind::TcpSocket => Check::Tcp {
                host: text("host")?,
                port: port()?,
            },
            HandlerKind::Grpc => Check::Grpc {
                port: port()?,
                service: text("service")?,
            },
        })
    }
}

/// A probe port as the kubelet resolves it: a number as is, a name through the container's
/// `ports` (falling back to a number written as a string, as the kubelet does).
pub fn resolve_port(port: &IntOrString, container: &Container<'_>) -> ResolvedPort {
    match port {
        IntOrString::Int(n) => ResolvedPort::Number(*n),
        IntOrString::Str(name) => match container.port_named(name).and_then(|p| p.number) {
            Some(n) => ResolvedPort::Number(n.value),
            None => match name.parse() {
                Ok(n) => ResolvedPort::Number(n),
                Err(_) => ResolvedPort::Unresolved(name.clone()),
            },
        },
    }
}
