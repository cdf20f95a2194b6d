//! Whether a literal value is a credential: by the well-known shapes of issued keys and tokens,
//! by the name it is given (`DB_PASSWORD`), and by how random it looks.
//!
//! Used twice: output redaction hides every value judged a credential (a false positive only
//! hides a harmless value), and the security rules report literal credentials in pod specs,
//! choosing a severity by [`Confidence`]. Nothing here keeps or returns the value itself.

/// What kind of credential a value looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CredentialKind {
    /// `AKIA…`/`ASIA…`: an AWS access key id.
    AwsAccessKeyId,
    /// 40 characters of base64 under a name such as `AWS_SECRET_ACCESS_KEY`.
    AwsSecretAccessKey,
    /// A PEM block `-----BEGIN … PRIVATE KEY-----` (or with three dashes).
    PrivateKey,
    /// `ghp_…`, `gho_…`, `ghs_…`, `ghu_…`, `ghr_…`, `github_pat_…`.
    GitHubToken,
    /// `glpat-…`.
    GitLabToken,
    /// `xoxb-…`, `xoxp-…`, …
    SlackToken,
    /// `AIza…`: a Google API key.
    GoogleApiKey,
    /// `sk_live_…`, `rk_live_…`.
    StripeKey,
    /// `eyJ….eyJ….…`: a signed JSON Web Token.
    Jwt,
    /// `scheme://user:password@host`: a password inside a URL.
    UrlPassword,
    /// A non-trivial literal under a name that says it is secret (`PASSWORD`, `TOKEN`, …).
    NamedSecret,
    /// A long random-looking literal (high entropy) under any name.
    HighEntropy,
}

impl CredentialKind {
    /// How the kind is named in messages: `an AWS access key id`.
    pub fn describe(self) -> &'static str {
        match self {
            Self::AwsAccessKeyId => "an AWS access key id",
            Self::AwsSecretAccessKey => "an AWS secret access key",
            Self::PrivateKey => "a private key",
            Self::GitHubToken => "a GitHub token",
            Self::GitLabToken => "a GitLab token",
            Self::SlackToken => "a Slack token",
            Self::GoogleApiKey => "a Google API key",
            Self::StripeKey => "a Stripe secret key",
            Self::Jwt => "a JSON Web Token",
            Self::UrlPassword => "a password in a URL",
            Self::NamedSecret => "a literal secret",
            Self::HighEntropy => "a random-looking literal",
        }
    }

    /// How sure the judgement is.
    pub fn confidence(self) -> Confidence {
        match self {
            Self::NamedSecret | Self::UrlPassword => Confidence::Likely,
            Self::HighEntropy => Confidence::Possible,
            _ => Confidence::Certain,
        }
    }
}

/// How sure a judgement is, for choosing a severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Confidence {
    /// Only the randomness of the value speaks for it.
    Possible,
    /// The name says so and the value is not a placeholder, a path, a number or a reference.
    Likely,
    /// The value has the exact shape of an issued key or token.
    Certain,
}

/// A credential found in a value: its kind and the byte range of the secret part within the
/// value (the password of a URL, the whole value otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Credential {
    pub kind: CredentialKind,
    pub start: usize,
    pub end: usize,
}

/// Judges an environment variable (or any named setting): `name` as written, `value` the
/// literal. `None` when nothing suggests a credential.
pub fn credential_in_env(name: &str, value: &str) -> Option<Credential> {
    let whole = |kind| Credential {
        kind,
        start: 0,
        end: value.len(),
    };
    if let Some(found) = credential_in_value(value)
        && found.kind != CredentialKind::HighEntropy
    {
        return Some(found);
    }
    let upper = name.to_ascii_uppercase();
    let trimmed = value.trim();
    if (upper.contains("AWS_SECRET") || upper.contains("SECRET_ACCESS_KEY"))
        && trimmed.len() == 40
        && trimmed
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'+' || b == b'=')
    {
        return Some(whole(CredentialKind::AwsSecretAccessKey));
    }
    if name_says_secret(&upper) && is_secret_like_literal(trimmed) {
        return Some(whole(CredentialKind::NamedSecret));
    }
    is_high_entropy(trimmed).then(|| whole(CredentialKind::HighEntropy))
}

/// Judges a value by its shape alone: issued keys and tokens, URL passwords, high entropy.
pub fn credential_in_value(value: &str) -> Option<Credential> {
    let whole = |kind| {
        Some(Credential {
            kind,
            start: 0,
            end: value.len(),
        })
    };
    // `-----BEGIN RSA PRIVATE KEY-----`, and the three-dash form some tools write.
    if value.contains("-BEGIN ") && value.contains("PRIVATE KEY-") {
        return whole(CredentialKind::PrivateKey);
    }
    if let Some(kind) = token_kind(value) {
        return whole(kind);
    }
    if let Some((start, end)) = url_password(value) {
        return Some(Credential {
            kind: CredentialKind::UrlPassword,
            start,
            end,
        });
    }
    if is_high_entropy(value.trim()) {
        return whole(CredentialKind::HighEntropy);
    }
    None
}

/// Issued tokens anywhere in the value (a value may hold `Bearer ghp_…`).
fn token_kind(value: &str) -> Option<CredentialKind> {
    value
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
        .find_map(token_word_kind)
}

fn token_word_kind(w: &str) -> Option<CredentialKind> {
    let alnum = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric());
    let b64url = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    const AWS_PREFIXES: [&str; 10] = [
        "AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "ABIA", "ACCA",
    ];
    if w.len() == 20
        && AWS_PREFIXES.iter().any(|p| w.starts_with(p))
        && w[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Some(CredentialKind::AwsAccessKeyId);
    }
    for p in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
        if let Some(rest) = w.strip_prefix(p)
            && rest.len() >= 30
            && alnum(rest)
        {
            return Some(CredentialKind::GitHubToken);
        }
    }
    if let Some(rest) = w.strip_prefix("github_pat_")
        && rest.len() >= 40
        && b64url(rest)
    {
        return Some(CredentialKind::GitHubToken);
    }
    if let Some(rest) = w.strip_prefix("glpat-")
        && rest.len() >= 20
        && b64url(rest)
    {
        return Some(CredentialKind::GitLabToken);
    }
    for p in ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-"] {
        if let Some(rest) = w.strip_prefix(p)
            && rest.len() >= 10
            && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Some(CredentialKind::SlackToken);
        }
    }
    if let Some(rest) = w.strip_prefix("AIza")
        && rest.len() == 35
        && b64url(rest)
    {
        return Some(CredentialKind::GoogleApiKey);
    }
    for p in ["sk_live_", "rk_live_"] {
        if let Some(rest) = w.strip_prefix(p)
            && rest.len() >= 20
            && alnum(rest)
        {
            return Some(CredentialKind::StripeKey);
        }
    }
    // Checked without collecting the parts: this runs for every word of every env value.
    if w.starts_with("eyJ") {
        let mut parts = w.split('.');
        let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_none()
            && b.starts_with("eyJ")
            && [a, b, c].iter().all(|p| p.len() >= 4 && b64url(p))
        {
            return Some(CredentialKind::Jwt);
        }
    }
    None
}

/// The password of `scheme://user:password@host…`, as a byte range of `value`.
fn url_password(value: &str) -> Option<(usize, usize)> {
    let scheme_end = value.find("://")?;
    let scheme = &value[..scheme_end];
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    {
        return None;
    }
    let authority_start = scheme_end + 3;
    let rest = &value[authority_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    let at = authority.rfind('@')?;
    let userinfo = &authority[..at];
    let colon = userinfo.find(':')?;
    let password = &userinfo[colon + 1..];
    if password.is_empty() || is_reference(password) {
        return None;
    }
    let start = authority_start + colon + 1;
    Some((start, start + password.len()))
}

/// Names that say their value is secret. `PWD` alone is the working directory.
fn name_says_secret(upper: &str) -> bool {
    const SECRET_WORDS: [&str; 12] = [
        "PASSWORD",
        "PASSWD",
        "PASSPHRASE",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "ACCESS_KEY",
        "CREDENTIAL",
        "AUTH_KEY",
        "CLIENT_SECRET",
    ];
    // Names of settings about a secret rather than holding one.
    const NOT_A_VALUE: [&str; 20] = [
        "_FILE",
        "_FILENAME",
        // Identifiers that go with a secret but are not one (`OAUTH_CLIENT_ID`).
        "_ID",
        "_USER",
        "_USERNAME",
        "_PATH",
        "_DIR",
        "_URL",
        "_URI",
        "_ENDPOINT",
        "_HOST",
        "_PORT",
        "_NAME",
        "_TTL",
        "_EXPIRY",
        "_LENGTH",
        "_ENABLED",
        "_HEADER",
        "_TYPE",
        "_REF",
    ];
    let says = SECRET_WORDS.iter().any(|w| upper.contains(w)) || upper.ends_with("_PWD");
    says && !NOT_A_VALUE.iter().any(|s| upper.ends_with(s))
}

/// A value that could be a secret: not empty, not a placeholder, boolean, number, path, URL
/// without credentials, or `$(VAR)` reference.
fn is_secret_like_literal(v: &str) -> bool {
    if v.len() < 4 || is_reference(v) {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true"
            | "false"
            | "yes"
            | "no"
            | "none"
            | "null"
            | "nil"
            | "empty"
            | "disabled"
            | "enabled"
    ) {
        return false;
    }
    if v.bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return false;
    }
    if v.starts_with('/') || v.starts_with("./") || v.starts_with("file:") {
        return false;
    }
    if v.contains("://") {
        return url_password(v).is_some();
    }
    // Placeholders a chart or an example leaves for the user (`<password>`,
    // `INSERT_ETCD_DISCOVERY_TOKEN`, `YOUR_API_KEY`, `REPLACE_ME`).
    let upper = v.to_ascii_uppercase();
    let placeholder = (v.starts_with('<') && v.ends_with('>'))
        || v.starts_with("{{")
        || v.starts_with("${")
        || (v == upper
            && ["INSERT_", "YOUR_", "REPLACE_", "REPLACE-", "CHANGE_ME"]
                .iter()
                .any(|p| upper.starts_with(p)));
    !placeholder
}

/// `$(VAR)`, `${VAR}` or `{{ … }}`: a reference resolved elsewhere, not a literal.
fn is_reference(v: &str) -> bool {
    let v = v.trim();
    (v.starts_with("$(") && v.ends_with(')'))
        || (v.starts_with("${") && v.ends_with('}'))
        || (v.starts_with("{{") && v.ends_with("}}"))
}

/// At least 20 characters of one token (no spaces), mixing letters and digits, with at least
/// 4.2 bits of entropy per character: random keys, not words, versions, paths or hashes of
/// one character class.
fn is_high_entropy(v: &str) -> bool {
    if v.len() < 20 || v.len() > 512 || v.contains(char::is_whitespace) || v.contains("://") {
        return false;
    }
    if !v
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+/=_-.".contains(&b))
    {
        return false;
    }
    let (mut upper, mut lower, mut digit) = (false, false, false);
    for b in v.bytes() {
        upper |= b.is_ascii_uppercase();
        lower |= b.is_ascii_lowercase();
        digit |= b.is_ascii_digit();
    }
    // Hex digests and UUIDs are one case plus digits; identifiers seldom mix all three.
    if !(upper && lower && digit) {
        return false;
    }
    shannon_entropy(v) >= 4.2
}

fn shannon_entropy(v: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in v.bytes() {
        counts[b as usize] += 1;
    }
    let n = v.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(name: &str, value: &str) -> Option<CredentialKind> {
        credential_in_env(name, value).map(|c| c.kind)
    }

    #[test]
    fn issued_keys_are_certain_whatever_the_name() {
        use CredentialKind::*;
        assert_eq!(kind("X", "AKIAIOSFODNN7EXAMPLE"), Some(AwsAccessKeyId));
        assert_eq!(
            kind(
                "AWS_SECRET_ACCESS_KEY",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
            ),
            Some(AwsSecretAccessKey)
        );
        assert_eq!(
            kind(
                "K",
                "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"
            ),
            Some(PrivateKey)
        );
        assert_eq!(
            kind(
                "the_good_stuff",
                "---BEGIN OPENSSH PRIVATE KEY---\nxxxxx\n---END  OPENSSH PRIVATE KEY---\n"
            ),
            Some(PrivateKey)
        );
        assert_eq!(
            kind("AUTH", "Bearer ghp_0123456789abcdefghijABCDEFGHIJ012345"),
            Some(GitHubToken)
        );
        assert_eq!(kind("T", "glpat-abcdefghij0123456789"), Some(GitLabToken));
        assert_eq!(kind("T", "xoxb-1234567890-abcdefABCDEF"), Some(SlackToken));
        assert_eq!(
            kind("G", "AIzaSyA-1234567890abcdefghijklmnopqrstu"),
            Some(GoogleApiKey)
        );
        assert_eq!(
            kind("S", "sk_live_0123456789abcdefghijABCD"),
            Some(StripeKey)
        );
        assert_eq!(
            kind("J", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcdEFGH1234"),
            Some(Jwt)
        );
        assert_eq!(AwsAccessKeyId.confidence(), Confidence::Certain);
    }

    #[test]
    fn a_url_password_is_the_part_between_colon_and_at() {
        let v = "postgres://app:s3cr3t-pw@db:5432/orders";
        let c = credential_in_env("DATABASE_URL", v).unwrap();
        assert_eq!(c.kind, CredentialKind::UrlPassword);
        assert_eq!(&v[c.start..c.end], "s3cr3t-pw");
        assert_eq!(
            credential_in_env("DATABASE_URL", "postgres://db:5432/x"),
            None
        );
        assert_eq!(
            credential_in_env("URL", "redis://:$(REDIS_PASSWORD)@redis:6379"),
            None
        );
    }

    #[test]
    fn names_count_only_with_a_real_literal() {
        assert_eq!(
            kind("DB_PASSWORD", "hunter22"),
            Some(CredentialKind::NamedSecret)
        );
        assert_eq!(
            kind("api_key", "abcd1234"),
            Some(CredentialKind::NamedSecret)
        );
        assert_eq!(
            kind("REDIS_PWD", "p4ssw0rd"),
            Some(CredentialKind::NamedSecret)
        );
        for (name, value) in [
            ("PWD", "/home/app"),
            ("DB_PASSWORD", ""),
            ("DB_PASSWORD", "$(FROM_SECRET)"),
            ("DB_PASSWORD_FILE", "/run/secrets/db"),
            ("TOKEN_TTL", "3600"),
            ("SECRET_NAME", "db-credentials"),
            ("TOKEN_URL", "https://auth.example.com/token"),
            (
                "UAA_TOKEN_INTROSPECTION_CLIENT_ID",
                "clientid-token-introspection",
            ),
            ("HANA_USER_PASSWORD_SECRET_FILENAME", "password"),
            ("ENABLE_TOKEN", "true"),
            ("PASSWORD", "<your password here>"),
            ("ETCD_DISCOVERY_TOKEN", "INSERT_ETCD_DISCOVERY_TOKEN"),
            ("API_KEY", "YOUR_API_KEY"),
            ("LOG_LEVEL", "debug"),
        ] {
            assert_eq!(kind(name, value), None, "{name}={value}");
        }
    }

    #[test]
    fn entropy_needs_length_and_mixed_classes() {
        assert_eq!(
            kind("X", "Zk9qT2xBb3Z6Q2JmR1d4TmVpQ3Q"),
            Some(CredentialKind::HighEntropy)
        );
        assert_eq!(
            CredentialKind::HighEntropy.confidence(),
            Confidence::Possible
        );
        for v in [
            "sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
            "9b2f5b1e-7a3c-4e6d-8f21-0c4b6a7d9e10",
            "registry.example.com/team/app:1.2.3",
            "org.apache.kafka.common.security.plain.PlainLoginModule",
            "-Xmx512m -XX:MaxRAMPercentage=75.0",
        ] {
            assert_eq!(kind("X", v), None, "{v}");
        }
    }
}
