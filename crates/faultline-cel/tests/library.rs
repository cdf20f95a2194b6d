//! The Kubernetes CEL libraries, against the examples of the Kubernetes CEL reference
//! (kubernetes.io/docs/reference/using-api/cel) and the godoc of
//! k8s.io/apiserver/pkg/cel/library.

use faultline_cel::{Program, Value, Vars, to_val};
use faultline_syntax::yaml::parse_yaml;
use std::sync::Arc;

fn eval(expr: &str) -> Result<Value, String> {
    let program = Program::compile(expr).map_err(|e| format!("compile: {e}"))?;
    program.eval(&Vars::new()).map_err(|e| e.message)
}

/// Each expression evaluates to `true`.
#[track_caller]
fn all_true(exprs: &[&str]) {
    for expr in exprs {
        assert_eq!(eval(expr), Ok(Value::Bool(true)), "{expr}");
    }
}

/// Each expression is an evaluation error.
#[track_caller]
fn all_errors(exprs: &[&str]) {
    for expr in exprs {
        let result = eval(expr);
        assert!(
            result.as_ref().is_err_and(|e| !e.starts_with("compile")),
            "{expr}: {result:?}"
        );
    }
}

#[test]
fn lists() {
    all_true(&[
        "['a', 'b', 'c'].isSorted()",
        "![2, 1].isSorted()",
        "[1, 1, 2].isSorted()",
        "[].isSorted()",
        "[1, 2, 3].sum() == 6",
        "[1.5, 2.5].sum() == 4.0",
        "[].sum() == 0",
        "[duration('1s'), duration('2s')].sum() == duration('3s')",
        "[3, 1, 2].min() == 1",
        "[3, 1, 2].max() == 3",
        "['b', 'a'].min() == 'a'",
        "['a', 'b', 'a'].indexOf('a') == 0",
        "['a', 'b', 'a'].lastIndexOf('a') == 2",
        "['a'].indexOf('z') == -1",
        "[1, 2].indexOf(2) == 1",
        // The reference's examples.
        "['x', 'should-be-first'].indexOf('should-be-first') == 1",
        "[{'weight': 0.25}, {'weight': 0.75}].map(x, x.weight).sum() == 1.0",
        "[{'priority': 1}].map(x, x.priority).max() < [{'priority': 5}].map(x, x.priority).min()",
        // The strings extension's indexOf is still there.
        "'abcb'.indexOf('b') == 1 && 'abcb'.lastIndexOf('b') == 3",
    ]);
    all_errors(&["[].min()", "[].max()", "[1, 'a'].isSorted()"]);
    assert_eq!(
        eval("[].min()"),
        Err("Error executing function 'min': min called on empty list".to_owned())
    );
}

#[test]
fn lists_of_yaml_values() {
    let yaml = "ports: [80, 443, 8080]\nnames: [b, a]\n";
    let parsed = parse_yaml(&Arc::from(yaml));
    let mut vars = Vars::new();
    vars.bind("object", to_val(parsed.documents[0].root().unwrap()));
    for expr in [
        "object.ports.isSorted()",
        "object.ports.max() == 8080",
        "object.ports.sum() == 8603",
        "object.ports.indexOf(443) == 1",
        "!object.names.isSorted()",
    ] {
        let program = Program::compile(expr).unwrap();
        assert_eq!(program.eval(&vars), Ok(Value::Bool(true)), "{expr}");
    }
}

#[test]
fn regex() {
    all_true(&[
        "'abc 123'.find('[0-9]+') == '123'",
        "'abc'.find('[0-9]+') == ''",
        "'1, 2, 3, 4'.findAll('[0-9]+') == ['1', '2', '3', '4']",
        "'1, 2, 3, 4'.findAll('[0-9]+').map(x, int(x)).sum() < 100",
        "'1, 2, 3, 4'.findAll('[0-9]+', 2) == ['1', '2']",
        "'1, 2, 3, 4'.findAll('[0-9]+', 0) == []",
        "'1, 2, 3, 4'.findAll('[0-9]+', -1).size() == 4",
        "'image:v1.2'.matches('^[a-z]+:v[0-9.]+$')",
        // `matches` (the standard library's, compiled to a cached pattern here).
        "matches('abc', '^a') && 'abc'.matches('b') && !'abc'.matches('^b')",
        "['a1', 'b2', 'c'].filter(s, s.matches('[0-9]')) == ['a1', 'b2']",
        "['x', 'y'].all(p, !'abc'.matches(p)) && ['a', 'y'].exists(p, 'abc'.matches(p))",
    ]);
    all_errors(&[
        "'a'.find('(')",
        "'a'.findAll('[')",
        "'a'.matches('(')",
        "dyn(1).matches('a')",
        "matches('a', dyn(1))",
    ]);
    let err = eval("'a'.matches('(')").unwrap_err();
    assert!(err.contains("'(' not a valid regex"), "{err}");
}

#[test]
fn quantity() {
    all_true(&[
        "isQuantity('1.5Gi') && isQuantity('500m') && isQuantity('1e3')",
        "!isQuantity('1.5.5') && !isQuantity('1 Gi') && !isQuantity('1gi')",
        // The reference's examples.
        "quantity('500000G').isInteger()",
        "quantity('50k').asInteger() == 50000",
        "quantity('50k').add(quantity('20k')) == quantity('70k')",
        "quantity('50k').sub(20000) == quantity('30k')",
        "quantity('50k').add(20).sub(quantity('100k')).sub(-50000) == quantity('20')",
        "quantity('200M').compareTo(quantity('0.2G')) == 0",
        "quantity('150Mi').isGreaterThan(quantity('100Mi'))",
        "quantity('50M').isLessThan(quantity('100M'))",
        // More of the semantics.
        "quantity('1Gi') == quantity('1024Mi')",
        "quantity('1Gi') != quantity('1G')",
        "quantity('100m').compareTo(quantity('1')) == -1",
        "quantity('2').compareTo(quantity('1')) == 1",
        "!quantity('500m').isInteger()",
        "quantity('-1').sign() == -1 && quantity('0').sign() == 0 && quantity('1m').sign() == 1",
        "quantity('1.5').asApproximateFloat() == 1.5",
        "!quantity('1E').isInteger() || quantity('1E').asInteger() == 1000000000000000000",
        "!quantity('10E').isInteger()",
        "quantity('1Mi').asInteger() == 1048576",
    ]);
    all_errors(&[
        "quantity('1.5.5')",
        "quantity('500m').asInteger()",
        "quantity('10E').asInteger()",
        "quantity('1').add('2')",
    ]);
}

#[test]
fn url() {
    all_true(&[
        // The godoc's examples.
        "isURL('https://user:pass@example.com:80/path?query=val#fragment')",
        "isURL('/absolute-path')",
        "!isURL('https://a:b:c/')",
        "!isURL('../relative-path')",
        "url('/path').getScheme() == ''",
        "url('https://example.com/').getScheme() == 'https'",
        "url('https://example.com:80/').getHost() == 'example.com:80'",
        "url('https://example.com/').getHost() == 'example.com'",
        "url('https://[::1]:80/').getHost() == '[::1]:80'",
        "url('https://[::1]/').getHost() == '[::1]'",
        "url('/path').getHost() == ''",
        "url('https://example.com:80/').getHostname() == 'example.com'",
        "url('https://127.0.0.1:80/').getHostname() == '127.0.0.1'",
        "url('https://[::1]:80/').getHostname() == '::1'",
        "url('/path').getHostname() == ''",
        "url('https://example.com:80/').getPort() == '80'",
        "url('https://example.com/').getPort() == ''",
        "url('/path').getPort() == ''",
        "url('https://example.com/path').getEscapedPath() == '/path'",
        "url('https://example.com/path with spaces/').getEscapedPath() == '/path%20with%20spaces/'",
        "url('https://example.com').getEscapedPath() == ''",
        "url('https://example.com/path?k1=a&k2=b&k2=c').getQuery() == {'k1': ['a'], 'k2': ['b', 'c']}",
        "url('https://example.com/path?key with spaces=value with spaces').getQuery() == {'key with spaces': ['value with spaces']}",
        "url('https://example.com/path?').getQuery() == {}",
        "url('https://example.com/path').getQuery() == {}",
        // Escapes and the fragment.
        "url('https://example.com/a%2Fb').getEscapedPath() == '/a%2Fb'",
        "url('https://example.com/p#frag?x=1').getQuery() == {}",
        "url('HTTPS://example.com/').getScheme() == 'https'",
        "url('https://example.com/?a=1+2&b=%41').getQuery() == {'a': ['1 2'], 'b': ['A']}",
        "isURL('mailto:someone@example.com')",
        "!isURL('')",
        "!isURL('example.com')",
        "!isURL('https://exa mple.com/')",
        "!isURL('https://example.com/%zz')",
        "!isURL('1http://example.com/') ",
    ]);
    all_errors(&["url('../relative')", "url('https://a:b:c/')"]);
}

#[test]
fn ip_and_cidr() {
    all_true(&[
        // The godoc's examples.
        "isIP('127.0.0.1') && isIP('::1')",
        "!isIP('127.0.0.256') && !isIP(':::1')",
        "!isIP('127.0.0.1/24') && !isIP('fe80::1%eth0')",
        "!isIP('::ffff:127.0.0.1')",
        "ip.isCanonical('127.0.0.1') && ip.isCanonical('2001:db8::abcd')",
        "!ip.isCanonical('2001:DB8::ABCD') && !ip.isCanonical('2001:db8:0:0:0:0:0:abcd')",
        "ip('127.0.0.1').family() == 4 && ip('::1').family() == 6",
        "ip('0.0.0.0').isUnspecified() && ip('::').isUnspecified() && !ip('127.0.0.1').isUnspecified()",
        "ip('127.0.0.1').isLoopback() && ip('::1').isLoopback() && !ip('10.0.0.1').isLoopback()",
        "ip('224.0.0.1').isLinkLocalMulticast() && ip('ff02::1').isLinkLocalMulticast() && !ip('224.0.1.1').isLinkLocalMulticast()",
        "ip('169.254.169.254').isLinkLocalUnicast() && ip('fe80::1').isLinkLocalUnicast() && !ip('fec0::1').isLinkLocalUnicast()",
        "ip('192.168.0.1').isGlobalUnicast() && ip('2001:db8::1').isGlobalUnicast()",
        "!ip('255.255.255.255').isGlobalUnicast() && !ip('224.0.0.1').isGlobalUnicast() && !ip('::').isGlobalUnicast()",
        "string(ip('2001:DB8::1')) == '2001:db8::1'",
        "ip('127.0.0.1') == ip('127.0.0.1') && ip('127.0.0.1') != ip('127.0.0.2')",
        "isCIDR('192.168.0.0/16') && isCIDR('::1/128')",
        "!isCIDR('192.168.0.0/33') && !isCIDR('192.168.0.0') && !isCIDR('192.168.0.0/016')",
        "cidr('192.168.0.0/24').containsIP(ip('192.168.0.1'))",
        "!cidr('192.168.0.0/24').containsIP(ip('192.168.1.1'))",
        "cidr('192.168.0.0/24').containsIP('192.168.0.1')",
        "!cidr('192.168.0.0/24').containsIP('::1')",
        "cidr('192.168.0.0/24').containsCIDR(cidr('192.168.0.0/25'))",
        "cidr('192.168.0.0/24').containsCIDR('192.168.0.128/25')",
        "!cidr('192.168.0.0/24').containsCIDR(cidr('192.168.0.0/23'))",
        "cidr('192.168.0.0/24').containsCIDR('192.168.0.0/24')",
        "cidr('192.168.0.1/24').ip() == ip('192.168.0.1')",
        "cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24')",
        "string(cidr('192.168.0.1/24').masked()) == '192.168.0.0/24'",
        "cidr('::1/128').prefixLength() == 128",
        "cidr('2001:db8::/32').containsIP('2001:db8:1::1')",
        "cidr('0.0.0.0/0').containsIP('8.8.8.8')",
    ]);
    all_errors(&[
        "ip('1.2.3')",
        "ip('fe80::1%eth0')",
        "cidr('1.2.3.4')",
        "ip.isCanonical('x')",
        "cidr('10.0.0.0/8').containsIP('x')",
    ]);
}

#[test]
fn optional_values_and_has_on_nested_fields() {
    let yaml = "spec:\n  replicas: 3\n  template: {}\nempty: {}\n";
    let parsed = parse_yaml(&Arc::from(yaml));
    let mut vars = Vars::new();
    vars.bind("object", to_val(parsed.documents[0].root().unwrap()));
    let check = |expr: &str, expected: Result<Value, ()>| {
        let program = Program::compile(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
        assert_eq!(program.eval(&vars).map_err(|_| ()), expected, "{expr}");
    };
    let yes = Ok(Value::Bool(true));
    check("has(object.spec.replicas)", yes.clone());
    check("!has(object.spec.paused)", yes.clone());
    check("!has(object.spec.template.spec)", yes.clone());
    // has() on a field of a missing field is an error, as in cel-go.
    check("has(object.status.replicas)", Err(()));
    check("object.?spec.?replicas.orValue(1) == 3", yes.clone());
    check("object.?status.?replicas.orValue(1) == 1", yes.clone());
    check("!object.?status.replicas.hasValue()", yes.clone());
    check("object.?spec.replicas.value() == 3", yes.clone());
    check("object.spec[?'replicas'] == optional.of(3)", yes.clone());
    check("object.?empty.?x == optional.none()", yes.clone());
    check(
        "optional.ofNonZeroValue('') == optional.none()",
        yes.clone(),
    );
    check(
        "[1, ?optional.none(), ?optional.of(2)] == [1, 2]",
        yes.clone(),
    );
    check("{'a': 1, ?'b': optional.none()} == {'a': 1}", yes.clone());
    check("object.?status.replicas.value()", Err(()));
}

#[test]
fn sets() {
    all_true(&[
        // cel-go's examples.
        "sets.contains([], [])",
        "sets.contains([1, 2, 3, 4], [2, 3])",
        "sets.contains([1, 2.0, 3u], [1.0, 2u, 3])",
        "!sets.contains([1, 2], [2, 3])",
        "sets.equivalent([], [])",
        "sets.equivalent([1], [1, 1])",
        "sets.equivalent([1], [1u, 1.0])",
        "sets.equivalent([1, 2, 3], [3u, 2.0, 1])",
        "!sets.equivalent([2, 1], [1])",
        "sets.intersects([1], [1])",
        "sets.intersects([1], [1, 1])",
        "sets.intersects([[1], [2, 3]], [[1, 2], [2, 3.0]])",
        "!sets.intersects([1], [])",
        "!sets.intersects([1, 2], [3, 4])",
    ]);
}

#[test]
fn semver() {
    all_true(&[
        // The godoc's examples.
        "isSemver('1.0.0') && isSemver('0.1.0-alpha.1')",
        "!isSemver('200K') && !isSemver('Three') && !isSemver('Mi') && !isSemver('hello')",
        "!isSemver('v1.0') && isSemver('v1.0', true)",
        "isSemver('1.0', true) && isSemver('01.01.01', true)",
        "semver('v1.0.0', true) == semver('1.0.0')",
        "semver('1.0', true) == semver('1.0.0')",
        "semver('01.01.01', true) == semver('1.1.1')",
        "semver('1.2.3').major() == 1 && semver('1.2.3').minor() == 2 && semver('1.2.3').patch() == 3",
        "semver('1.2.3').compareTo(semver('1.2.3')) == 0",
        "semver('1.2.3').compareTo(semver('2.0.0')) == -1",
        "semver('1.2.3').compareTo(semver('0.1.2')) == 1",
        "semver('1.2.3').isLessThan(semver('1.10.0'))",
        "semver('2.0.0').isGreaterThan(semver('1.99.99'))",
        // semver.org's precedence.
        "semver('1.0.0-alpha').isLessThan(semver('1.0.0-alpha.1'))",
        "semver('1.0.0-alpha.1').isLessThan(semver('1.0.0-alpha.beta'))",
        "semver('1.0.0-beta.2').isLessThan(semver('1.0.0-beta.11'))",
        "semver('1.0.0-rc.1').isLessThan(semver('1.0.0'))",
        "semver('1.0.0+build.1') == semver('1.0.0+build.2')",
        "!isSemver('01.0.0') && !isSemver('1.0') && !isSemver('1.0.0-01') && !isSemver('1.0.0-')",
        "!isSemver('1.0', false) && !isSemver('1.0-rc', true)",
    ]);
    all_errors(&["semver('1.0')", "semver('x.y.z')"]);
}

#[test]
fn format() {
    all_true(&[
        // The godoc's examples, all valid.
        "!format.dns1123Label().validate('my-label-name').hasValue()",
        "!format.dns1123Subdomain().validate('apiextensions.k8s.io').hasValue()",
        "!format.dns1035Label().validate('my-label-name').hasValue()",
        "!format.qualifiedName().validate('apiextensions.k8s.io/v1beta1').hasValue()",
        "!format.dns1123LabelPrefix().validate('my-label-prefix-').hasValue()",
        "!format.dns1123SubdomainPrefix().validate('mysubdomain.prefix.-').hasValue()",
        "!format.dns1035LabelPrefix().validate('my-label-prefix-').hasValue()",
        "!format.uri().validate('http://example.com').hasValue()",
        "!format.uuid().validate('123e4567-e89b-12d3-a456-426614174000').hasValue()",
        "!format.byte().validate('aGVsbG8=').hasValue()",
        "!format.date().validate('2021-01-01').hasValue()",
        "!format.datetime().validate('2021-01-01T00:00:00Z').hasValue()",
        "!format.labelValue().validate('').hasValue() && !format.labelValue().validate('My_Value-1').hasValue()",
        // Invalid strings and their messages.
        "format.dns1123Label().validate('My_Name').value() == [\"a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')\"]",
        "format.dns1123Label().validate('a'.replace('a', 'abcdefghij') + 'abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd').value()[0] == 'must be no more than 63 characters'",
        "format.dns1035Label().validate('1abc').hasValue() && format.dns1123Label().validate('1abc') == optional.none()",
        "format.dns1123Label().validate('my-label-').hasValue()",
        "format.qualifiedName().validate('/name').value() == ['prefix part must be non-empty']",
        "format.qualifiedName().validate('a/b/c').value().size() == 1",
        "format.labelValue().validate('-x').hasValue()",
        "format.uri().validate('../relative').value()[0].startsWith('parse \"../relative\": ')",
        "format.uuid().validate('123').value() == ['does not match the UUID format']",
        "format.byte().validate('a').value() == ['invalid base64']",
        "format.date().validate('2021-02-30').value() == ['invalid date']",
        "format.datetime().validate('2021-01-01 00:00:00').value() == ['invalid datetime']",
        // format.named
        "format.named('dns1123Label').hasValue() && !format.named('nope').hasValue()",
        "format.named('labelValue').value().validate('ok') == optional.none()",
    ]);
}
