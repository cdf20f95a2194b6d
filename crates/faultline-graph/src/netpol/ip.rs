//! IPv4 ranges for `ipBlock` peers. IPv6 blocks are parsed and validated but take no part in
//! the external-address partition (as in np-guard's netpol-analyzer); pods match them by IP.

use std::net::{IpAddr, Ipv4Addr};

/// An inclusive IPv4 interval.
pub type Interval = (u32, u32);

/// A parsed CIDR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cidr {
    V4(u32, u32),
    /// First and last address of an IPv6 prefix.
    V6(u128, u128),
}

impl Cidr {
    /// Parses `a.b.c.d/n` or an IPv6 prefix. A bare address is an error; host bits beyond
    /// the prefix are cleared (`10.0.0.1/8` is `10.0.0.0/8`, as Go's `net.ParseCIDR` reads it).
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let (addr, len) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}` is not a CIDR: the prefix length (`/n`) is missing"))?;
        let len: u32 = len
            .parse()
            .map_err(|_| format!("`{s}` is not a CIDR: `{len}` is not a prefix length"))?;
        match addr.parse::<IpAddr>() {
            Ok(IpAddr::V4(a)) if len <= 32 => {
                let a = u32::from(a);
                let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
                Ok(Cidr::V4(a & mask, (a & mask) | !mask))
            }
            Ok(IpAddr::V6(a)) if len <= 128 => {
                let a = u128::from(a);
                let mask = if len == 0 {
                    0
                } else {
                    u128::MAX << (128 - len)
                };
                Ok(Cidr::V6(a & mask, (a & mask) | !mask))
            }
            Ok(_) => Err(format!(
                "`{s}` is not a CIDR: prefix length {len} is too long"
            )),
            Err(_) => Err(format!(
                "`{s}` is not a CIDR: `{addr}` is not an IP address"
            )),
        }
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (*self, ip) {
            (Cidr::V4(lo, hi), IpAddr::V4(a)) => (lo..=hi).contains(&u32::from(a)),
            (Cidr::V6(lo, hi), IpAddr::V6(a)) => (lo..=hi).contains(&u128::from(a)),
            _ => false,
        }
    }

    /// Whether `other` lies inside this block.
    pub fn covers(&self, other: &Cidr) -> bool {
        match (*self, *other) {
            (Cidr::V4(lo, hi), Cidr::V4(a, b)) => lo <= a && b <= hi,
            (Cidr::V6(lo, hi), Cidr::V6(a, b)) => lo <= a && b <= hi,
            _ => false,
        }
    }
}

/// `cidr` minus `except`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpBlock {
    pub cidr: Cidr,
    pub except: Vec<Cidr>,
}

impl IpBlock {
    /// A block from its `cidr` and `except` texts (no check that `except` lies inside).
    pub fn parse(cidr: &str, except: &[&str]) -> Result<IpBlock, String> {
        Ok(IpBlock {
            cidr: Cidr::parse(cidr)?,
            except: except
                .iter()
                .map(|e| Cidr::parse(e))
                .collect::<Result<_, _>>()?,
        })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.cidr.contains(ip) && !self.except.iter().any(|e| e.contains(ip))
    }

    /// The IPv4 addresses of the block as disjoint sorted intervals (empty for IPv6).
    pub fn v4_intervals(&self) -> Vec<Interval> {
        let Cidr::V4(lo, hi) = self.cidr else {
            return Vec::new();
        };
        let mut out = vec![(lo, hi)];
        for e in &self.except {
            let Cidr::V4(elo, ehi) = *e else { continue };
            out = out
                .into_iter()
                .flat_map(|(a, b)| {
                    let mut parts = Vec::with_capacity(2);
                    if elo > a {
                        parts.push((a, b.min(elo - 1)));
                    }
                    if ehi < b {
                        parts.push((a.max(ehi + 1), b));
                    }
                    if ehi < a || elo > b {
                        parts = vec![(a, b)];
                    }
                    parts
                })
                .collect();
        }
        out
    }

    /// Whether the IPv4 cell `(lo, hi)` lies inside the block. Cells come from
    /// [`partition`] over every block's boundaries, so a cell is either wholly in or out.
    pub fn contains_cell(&self, cell: Interval) -> bool {
        self.contains(IpAddr::V4(Ipv4Addr::from(cell.0)))
    }
}

/// The coarsest partition of 0.0.0.0–255.255.255.255 into intervals such that every block's
/// IPv4 intervals are unions of cells.
pub fn partition<'b>(blocks: impl IntoIterator<Item = &'b IpBlock>) -> Vec<Interval> {
    // Cut points: the first address of each cell.
    let mut cuts: Vec<u64> = vec![0, 1 << 32];
    for b in blocks {
        for (lo, hi) in b.v4_intervals() {
            cuts.push(u64::from(lo));
            cuts.push(u64::from(hi) + 1);
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2)
        .map(|w| (w[0] as u32, (w[1] - 1) as u32))
        .collect()
}

/// `A.B.C.D-E.F.G.H`, the external-peer form of connection lists.
pub fn format_interval((lo, hi): Interval) -> String {
    format!("{}-{}", Ipv4Addr::from(lo), Ipv4Addr::from(hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(cidr: &str, except: &[&str]) -> IpBlock {
        IpBlock::parse(cidr, except).unwrap()
    }

    #[test]
    fn cidrs_parse_and_normalise() {
        assert_eq!(
            Cidr::parse("10.0.0.1/8").unwrap(),
            Cidr::V4(0x0a00_0000, 0x0aff_ffff)
        );
        assert_eq!(Cidr::parse("0.0.0.0/0").unwrap(), Cidr::V4(0, u32::MAX));
        assert!(Cidr::parse("10.0.0.1").is_err());
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("300.0.0.0/8").is_err());
        assert!(matches!(Cidr::parse("fd00::/8").unwrap(), Cidr::V6(..)));
    }

    #[test]
    fn except_carves_holes_and_the_partition_respects_them() {
        let b = block("10.0.0.0/8", &["10.1.0.0/16"]);
        assert!(b.contains("10.2.3.4".parse().unwrap()));
        assert!(!b.contains("10.1.3.4".parse().unwrap()));
        let cells = partition([&b]);
        let names: Vec<String> = cells.iter().map(|c| format_interval(*c)).collect();
        assert_eq!(
            names,
            [
                "0.0.0.0-9.255.255.255",
                "10.0.0.0-10.0.255.255",
                "10.1.0.0-10.1.255.255",
                "10.2.0.0-10.255.255.255",
                "11.0.0.0-255.255.255.255"
            ]
        );
        let inside: Vec<bool> = cells.iter().map(|c| b.contains_cell(*c)).collect();
        assert_eq!(inside, [false, true, false, true, false]);
    }
}
