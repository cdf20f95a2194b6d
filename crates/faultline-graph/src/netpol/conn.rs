//! Sets of allowed connections: per protocol, a set of port ranges.

use std::fmt;

/// The protocols a NetworkPolicy port can name, in the order connection lists print them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    Sctp,
    Tcp,
    Udp,
}

impl Protocol {
    pub const ALL: [Protocol; 3] = [Protocol::Sctp, Protocol::Tcp, Protocol::Udp];

    /// Parses `TCP`, `UDP` or `SCTP` as the API spells them (case-sensitive, as the API is).
    pub fn parse(s: &str) -> Option<Protocol> {
        match s {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Sctp => "SCTP",
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Ports 1–65535 as sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PortSet(Vec<(u16, u16)>);

pub const MIN_PORT: u16 = 1;
pub const MAX_PORT: u16 = 65535;

impl PortSet {
    pub fn all() -> Self {
        PortSet(vec![(MIN_PORT, MAX_PORT)])
    }

    /// The ports `lo..=hi`, clamped to 1–65535; empty when the range is.
    pub fn range(lo: u32, hi: u32) -> Self {
        let lo = lo.max(u32::from(MIN_PORT));
        let hi = hi.min(u32::from(MAX_PORT));
        if lo > hi {
            return PortSet::default();
        }
        PortSet(vec![(lo as u16, hi as u16)])
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn is_all(&self) -> bool {
        self.0 == [(MIN_PORT, MAX_PORT)]
    }

    pub fn ranges(&self) -> &[(u16, u16)] {
        &self.0
    }

    pub fn contains(&self, port: u16) -> bool {
        self.0.iter().any(|(lo, hi)| (*lo..=*hi).contains(&port))
    }

    pub fn union(&self, other: &PortSet) -> PortSet {
        let mut all: Vec<(u16, u16)> = self.0.iter().chain(&other.0).copied().collect();
        all.sort_unstable();
        let mut out: Vec<(u16, u16)> = Vec::with_capacity(all.len());
        for (lo, hi) in all {
            match out.last_mut() {
                Some(last) if u32::from(lo) <= u32::from(last.1) + 1 => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        PortSet(out)
    }

    pub fn intersect(&self, other: &PortSet) -> PortSet {
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while i < self.0.len() && j < other.0.len() {
            let (a, b) = (self.0[i], other.0[j]);
            let lo = a.0.max(b.0);
            let hi = a.1.min(b.1);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a.1 < b.1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        PortSet(out)
    }

    /// Ports in `self` and not in `other`.
    pub fn minus(&self, other: &PortSet) -> PortSet {
        let mut out = Vec::new();
        for &(lo, hi) in &self.0 {
            let mut start = u32::from(lo);
            for &(olo, ohi) in &other.0 {
                if u32::from(ohi) < start || olo > hi {
                    continue;
                }
                if u32::from(olo) > start {
                    out.push((start as u16, olo - 1));
                }
                start = u32::from(ohi) + 1;
            }
            if start <= u32::from(hi) {
                out.push((start as u16, hi));
            }
        }
        PortSet(out)
    }
}

impl fmt::Display for PortSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (lo, hi)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if lo == hi {
                write!(f, "{lo}")?;
            } else {
                write!(f, "{lo}-{hi}")?;
            }
        }
        Ok(())
    }
}

/// Allowed connections: a port set per protocol.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConnSet([PortSet; 3]);

impl ConnSet {
    /// Every port of every protocol: what an unisolated pod accepts.
    pub fn all() -> Self {
        ConnSet([PortSet::all(), PortSet::all(), PortSet::all()])
    }

    pub fn empty() -> Self {
        ConnSet::default()
    }

    /// `ports` of one protocol.
    pub fn of(protocol: Protocol, ports: PortSet) -> Self {
        let mut c = ConnSet::default();
        c.0[protocol.index()] = ports;
        c
    }

    pub fn ports(&self, protocol: Protocol) -> &PortSet {
        &self.0[protocol.index()]
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(PortSet::is_empty)
    }

    pub fn is_all(&self) -> bool {
        self.0.iter().all(PortSet::is_all)
    }

    pub fn allows(&self, protocol: Protocol, port: u16) -> bool {
        self.ports(protocol).contains(port)
    }

    pub fn add(&mut self, other: &ConnSet) {
        for p in 0..3 {
            if !other.0[p].is_empty() {
                self.0[p] = self.0[p].union(&other.0[p]);
            }
        }
    }

    pub fn union(&self, other: &ConnSet) -> ConnSet {
        let mut out = self.clone();
        out.add(other);
        out
    }

    pub fn intersect(&self, other: &ConnSet) -> ConnSet {
        ConnSet(std::array::from_fn(|p| self.0[p].intersect(&other.0[p])))
    }

    pub fn minus(&self, other: &ConnSet) -> ConnSet {
        ConnSet(std::array::from_fn(|p| self.0[p].minus(&other.0[p])))
    }

    /// Parses the connection-list form [`Display`] prints (`All Connections`,
    /// `TCP 8080,UDP 53`, `No Connections`), as np-guard's netpol-analyzer writes it.
    pub fn parse(s: &str) -> Result<ConnSet, String> {
        let s = s.trim();
        match s {
            "All Connections" => return Ok(ConnSet::all()),
            "No Connections" | "" => return Ok(ConnSet::empty()),
            _ => {}
        }
        let mut out = ConnSet::empty();
        let mut current = None;
        for token in s.split(',') {
            let token = token.trim();
            let ports = match token.split_once(' ') {
                Some((proto, rest)) => {
                    current = Some(
                        Protocol::parse(proto)
                            .ok_or_else(|| format!("unknown protocol `{proto}`"))?,
                    );
                    rest
                }
                None => token,
            };
            let protocol = current.ok_or_else(|| format!("`{token}` has no protocol"))?;
            let (lo, hi) = ports.split_once('-').unwrap_or((ports, ports));
            let number = |p: &str| {
                p.trim()
                    .parse::<u32>()
                    .map_err(|_| format!("`{p}` is not a port"))
            };
            let set = PortSet::range(number(lo)?, number(hi)?);
            out.add(&ConnSet::of(protocol, set));
        }
        Ok(out)
    }
}

/// `All Connections`, `No Connections`, or `PROTO ranges` groups in protocol order
/// (`SCTP` < `TCP` < `UDP`): the connection-list form of np-guard's netpol-analyzer.
impl fmt::Display for ConnSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("All Connections");
        }
        if self.is_empty() {
            return f.write_str("No Connections");
        }
        let mut first = true;
        for protocol in Protocol::ALL {
            let ports = self.ports(protocol);
            if ports.is_empty() {
                continue;
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            write!(f, "{protocol} {ports}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_netpol_analyzer() {
        let mut c = ConnSet::of(Protocol::Tcp, PortSet::range(10053, 10054));
        c.add(&ConnSet::of(Protocol::Udp, PortSet::range(10053, 10053)));
        assert_eq!(c.to_string(), "TCP 10053-10054,UDP 10053");
        assert_eq!(ConnSet::all().to_string(), "All Connections");
        assert_eq!(ConnSet::empty().to_string(), "No Connections");
        let mut d = ConnSet::all();
        d = d.minus(&ConnSet::of(Protocol::Udp, PortSet::range(5353, 5353)));
        assert_eq!(
            d.to_string(),
            "SCTP 1-65535,TCP 1-65535,UDP 1-5352,5354-65535"
        );
    }

    #[test]
    fn parse_round_trips() {
        for s in [
            "All Connections",
            "TCP 8080",
            "TCP 8000,8090",
            "TCP 10053-10054,UDP 10053",
            "SCTP 1-65535,TCP 1-65535,UDP 1-5352,5354-65535",
        ] {
            assert_eq!(ConnSet::parse(s).unwrap().to_string(), s);
        }
        assert!(ConnSet::parse("ICMP 1").is_err());
    }

    #[test]
    fn set_algebra() {
        let a = PortSet::range(1, 100).union(&PortSet::range(200, 300));
        let b = PortSet::range(50, 250);
        assert_eq!(a.intersect(&b).to_string(), "50-100,200-250");
        assert_eq!(a.minus(&b).to_string(), "1-49,251-300");
        assert_eq!(a.union(&b).to_string(), "1-300");
        assert_eq!(
            PortSet::range(5, 5)
                .union(&PortSet::range(6, 9))
                .to_string(),
            "5-9"
        );
        assert!(PortSet::range(10, 1).is_empty());
        assert!(PortSet::all().minus(&PortSet::all()).is_empty());
    }
}
