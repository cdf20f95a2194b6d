//! The Kubernetes IP and CIDR libraries (`ip.go`, `cidr.go`): `ip()`, `isIP()`,
//! `ip.isCanonical()`, `cidr()`, `isCIDR()` and the methods of `net.IP` and `net.CIDR`, with
//! Go's `net/netip` semantics. As in Kubernetes, zones (`fe80::1%eth0`) and IPv4-mapped IPv6
//! addresses (`::ffff:1.2.3.4`) are refused.

use super::{arg, error, opaque_val};
use cel::common::types::{CelBool, CelInt, CelString, Type};
use cel::common::value::CowVal;
use cel::{DeclarationError, Env, ExecutionError};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A `net.IP`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Ip(IpAddr);

/// A `net.CIDR`: the address as written and the prefix length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Cidr {
    addr: IpAddr,
    bits: u8,
}

static IP_TYPE: Type = Type::new_unspecified_type("net.IP");
static CIDR_TYPE: Type = Type::new_unspecified_type("net.CIDR");

opaque_val!(Ip, IP_TYPE);
opaque_val!(Cidr, CIDR_TYPE);

pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    use cel::common::types::STRING_TYPE;
    let ip = || IP_TYPE.to_owned();
    let cidr = || CIDR_TYPE.to_owned();
    env.add_overload("ip", "string_to_ip", vec![STRING_TYPE], to_ip)?;
    env.add_overload("isIP", "is_ip", vec![STRING_TYPE], is_ip)?;
    env.add_overload(
        "ip.isCanonical",
        "ip_is_canonical",
        vec![STRING_TYPE],
        is_canonical,
    )?;
    env.add_overload("string", "ip_to_string", vec![ip()], ip_to_string)?;
    env.add_member_overload("family", "ip_family", ip(), vec![], family)?;
    env.add_member_overload("isUnspecified", "ip_is_unspecified", ip(), vec![], |a| {
        predicate("isUnspecified", a, |ip| ip.is_unspecified())
    })?;
    env.add_member_overload("isLoopback", "ip_is_loopback", ip(), vec![], |a| {
        predicate("isLoopback", a, |ip| ip.is_loopback())
    })?;
    env.add_member_overload(
        "isLinkLocalMulticast",
        "ip_is_link_local_multicast",
        ip(),
        vec![],
        |a| predicate("isLinkLocalMulticast", a, is_link_local_multicast),
    )?;
    env.add_member_overload(
        "isLinkLocalUnicast",
        "ip_is_link_local_unicast",
        ip(),
        vec![],
        |a| predicate("isLinkLocalUnicast", a, is_link_local_unicast),
    )?;
    env.add_member_overload(
        "isGlobalUnicast",
        "ip_is_global_unicast",
        ip(),
        vec![],
        |a| predicate("isGlobalUnicast", a, is_global_unicast),
    )?;

    env.add_overload("cidr", "string_to_cidr", vec![STRING_TYPE], to_cidr)?;
    env.add_overload("isCIDR", "is_cidr", vec![STRING_TYPE], is_cidr)?;
    env.add_overload("string", "cidr_to_string", vec![cidr()], cidr_to_string)?;
    env.add_member_overload(
        "containsIP",
        "cidr_contains_ip_ip",
        cidr(),
        vec![ip()],
        contains_ip,
    )?;
    env.add_member_overload(
        "containsIP",
        "cidr_contains_ip_string",
        cidr(),
        vec![STRING_TYPE],
        contains_ip,
    )?;
    env.add_member_overload(
        "containsCIDR",
        "cidr_contains_cidr",
        cidr(),
        vec![cidr()],
        contains_cidr,
    )?;
    env.add_member_overload(
        "containsCIDR",
        "cidr_contains_cidr_string",
        cidr(),
        vec![STRING_TYPE],
        contains_cidr,
    )?;
    env.add_member_overload("ip", "cidr_ip", cidr(), vec![], cidr_ip)?;
    env.add_member_overload("masked", "cidr_masked", cidr(), vec![], masked)?;
    env.add_member_overload(
        "prefixLength",
        "cidr_prefix_length",
        cidr(),
        vec![],
        prefix_length,
    )?;
    Ok(())
}

/// `parseIPAddr`: `netip.ParseAddr`, without zones or IPv4-mapped IPv6 addresses.
fn parse_ip(raw: &str) -> Result<IpAddr, String> {
    if raw.contains('%') {
        return Err(format!("IP address {raw:?} with zone value is not allowed"));
    }
    let addr: IpAddr = raw.parse().map_err(|e| {
        format!("IP Address {raw:?} parse error during conversion from string: {e}")
    })?;
    if let IpAddr::V6(v6) = addr
        && v6.to_ipv4_mapped().is_some()
    {
        return Err(format!("IPv4-mapped IPv6 address {raw:?} is not allowed"));
    }
    Ok(addr)
}

/// `netip.ParsePrefix`, without zones or IPv4-mapped IPv6 addresses.
fn parse_cidr(raw: &str) -> Result<Cidr, String> {
    let fail = |why: &str| {
        format!("network address parse error during conversion from string: {raw:?}: {why}")
    };
    let Some((addr, bits)) = raw.rsplit_once('/') else {
        return Err(fail("no '/'"));
    };
    if addr.contains('%') {
        return Err(fail("IPv6 zones cannot be present in a prefix"));
    }
    let addr: IpAddr = addr.parse().map_err(|e| fail(&format!("{e}")))?;
    if let IpAddr::V6(v6) = addr
        && v6.to_ipv4_mapped().is_some()
    {
        return Err(format!("IPv4-mapped IPv6 address {raw:?} is not allowed"));
    }
    let max = if addr.is_ipv4() { 32 } else { 128 };
    // Decimal digits only, no sign, no leading zero (`netip.ParsePrefix`).
    let valid = !bits.is_empty()
        && bits.bytes().all(|b| b.is_ascii_digit())
        && (bits == "0" || !bits.starts_with('0'));
    let bits = bits
        .parse::<u8>()
        .ok()
        .filter(|&b| valid && b <= max)
        .ok_or_else(|| fail("bad bits after slash"))?;
    Ok(Cidr { addr, bits })
}

fn string<'b, 'v>(s: String) -> Result<CowVal<'b, 'v>, ExecutionError> {
    Ok(CowVal::owned(CelString::from(s)))
}

fn boolean<'b, 'v>(b: bool) -> Result<CowVal<'b, 'v>, ExecutionError> {
    Ok(CowVal::owned(CelBool::from(b)))
}

fn to_ip<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let s = arg::<CelString>("ip", &args, 0)?.inner();
    parse_ip(s)
        .map(|ip| CowVal::owned(Ip(ip)))
        .map_err(|e| error("ip", e))
}

fn is_ip<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    boolean(parse_ip(arg::<CelString>("isIP", &args, 0)?.inner()).is_ok())
}

/// Whether the string is the address's canonical form (`netip.Addr.String`): an error
/// for a string that is not an address.
fn is_canonical<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let s = arg::<CelString>("ip.isCanonical", &args, 0)?.inner();
    let ip = parse_ip(s).map_err(|e| error("ip.isCanonical", e))?;
    boolean(ip.to_string() == s)
}

fn ip_to_string<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    string(arg::<Ip>("string", &args, 0)?.0.to_string())
}

fn family<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let family = if arg::<Ip>("family", &args, 0)?.0.is_ipv4() {
        4
    } else {
        6
    };
    Ok(CowVal::owned(CelInt::from(family)))
}

fn predicate<'b, 'v>(
    function: &str,
    args: Vec<CowVal<'b, 'v>>,
    test: fn(&IpAddr) -> bool,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    boolean(test(&arg::<Ip>(function, &args, 0)?.0))
}

/// 224.0.0.0/24 and ff02::/16.
fn is_link_local_multicast(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.octets()[..3] == [224, 0, 0],
        IpAddr::V6(v6) => v6.segments()[0] == 0xff02,
    }
}

/// 169.254.0.0/16 and fe80::/10.
fn is_link_local_unicast(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.octets()[..2] == [169, 254],
        IpAddr::V6(v6) => v6.segments()[0] & 0xffc0 == 0xfe80,
    }
}

/// `netip.Addr.IsGlobalUnicast`: anything but unspecified, the IPv4 broadcast address,
/// loopback, multicast and link-local unicast (private and ULA addresses count as global).
fn is_global_unicast(ip: &IpAddr) -> bool {
    if let IpAddr::V4(v4) = ip
        && *v4 == Ipv4Addr::BROADCAST
    {
        return false;
    }
    !ip.is_unspecified() && !ip.is_loopback() && !ip.is_multicast() && !is_link_local_unicast(ip)
}

fn to_cidr<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let s = arg::<CelString>("cidr", &args, 0)?.inner();
    parse_cidr(s)
        .map(CowVal::owned)
        .map_err(|e| error("cidr", e))
}

fn is_cidr<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    boolean(parse_cidr(arg::<CelString>("isCIDR", &args, 0)?.inner()).is_ok())
}

fn cidr_to_string<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let c = arg::<Cidr>("string", &args, 0)?;
    string(format!("{}/{}", c.addr, c.bits))
}

/// The address with the bits after the first `bits` cleared.
fn mask(addr: IpAddr, bits: u8) -> IpAddr {
    match addr {
        IpAddr::V4(v4) => {
            let m = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(v4) & m))
        }
        IpAddr::V6(v6) => {
            let m = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & m))
        }
    }
}

impl Cidr {
    fn contains(&self, ip: IpAddr) -> bool {
        self.addr.is_ipv4() == ip.is_ipv4() && mask(ip, self.bits) == mask(self.addr, self.bits)
    }
}

fn contains_ip<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let c = arg::<Cidr>("containsIP", &args, 0)?;
    let ip = match args.get(1).and_then(|a| a.downcast_ref::<CelString>()) {
        Some(s) => parse_ip(s.inner()).map_err(|e| error("containsIP", e))?,
        None => arg::<Ip>("containsIP", &args, 1)?.0,
    };
    boolean(c.contains(ip))
}

fn contains_cidr<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let c = arg::<Cidr>("containsCIDR", &args, 0)?;
    let other = match args.get(1).and_then(|a| a.downcast_ref::<CelString>()) {
        Some(s) => parse_cidr(s.inner()).map_err(|e| error("containsCIDR", e))?,
        None => arg::<Cidr>("containsCIDR", &args, 1)?.clone(),
    };
    boolean(other.bits >= c.bits && c.contains(other.addr))
}

fn cidr_ip<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    Ok(CowVal::owned(Ip(arg::<Cidr>("ip", &args, 0)?.addr)))
}

fn masked<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let c = arg::<Cidr>("masked", &args, 0)?;
    Ok(CowVal::owned(Cidr {
        addr: mask(c.addr, c.bits),
        bits: c.bits,
    }))
}

fn prefix_length<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    Ok(CowVal::owned(CelInt::from(i64::from(
        arg::<Cidr>("prefixLength", &args, 0)?.bits,
    ))))
}
