//! A verified token's claims: the JSON text of its payload, kept in one
//! buffer after the token as it was sent; the registered claims that
//! revocations and bindings read on every request, kept where they stand
//! in that text; and the map of all claims, built from the text on first
//! use.

use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::registered::Registered;

/// The claims of a verified token.
pub(crate) struct Payload {
    /// The token as sent, then the JSON text of its claims: one buffer,
    /// kept as decoded, spare capacity and all (shrinking it would copy
    /// it). The claims are a JSON object with distinct member names, each
    /// value one that [`Value`] reads on its own: verification checked it.
    text: String,
    /// Where the claims start in `text`.
    claims_start: usize,
    registered: KeptRegistered,
    map: OnceLock<Map<String, Value>>,
}

/// The claims, never the token: it is a credential, which a log line of
/// a token's `Debug` must not carry.
impl fmt::Debug for Payload {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_struct("Payload").field("claims", &self.json()).finish_non_exhaustive()
    }
}

/// [`Registered`] as a payload keeps it, beside its JSON text.
#[derive(Debug, Default)]
pub(crate) struct KeptRegistered {
    iss: Option<Text>,
    sub: Option<Text>,
    jti: Option<Text>,
    sid: Option<Text>,
    iat: Option<f64>,
    cnf_jkt: Option<Text>,
    cnf_x5t_s256: Option<Text>,
}

/// The scopes of a payload, from its issuer's scope claim.
#[derive(Debug, Default)]
pub(crate) enum KeptScopes {
    /// The token has no scope claim.
    #[default]
    Absent,
    /// A space-delimited list (RFC 6749 section 3.3).
    Delimited(Text),
    /// An array of strings.
    Listed(Box<[Text]>),
}

/// A string of a payload.
#[derive(Debug)]
pub(crate) enum Text {
    /// Where it stands in the JSON text, which has it unescaped: most
    /// strings, kept without a copy.
    Span(Range<usize>),
    /// A string that the JSON text escapes, unescaped.
    Unescaped(Box<str>),
}

impl KeptRegistered {
    /// Keeps `registered`, read from `json`.
    pub(crate) fn of(json: &str, registered: &Registered<'_>) -> Self {
        let keep = |text: Option<&str>| text.map(|text| Text::of(json, text));
        Self {
            iss: keep(registered.iss),
            sub: keep(registered.sub),
            jti: keep(registered.jti),
            sid: keep(registered.sid),
            iat: registered.iat,
            cnf_jkt: keep(registered.cnf_jkt),
            cnf_x5t_s256: keep(registered.cnf_x5t_s256),
        }
    }
}

impl KeptScopes {
    /// Keeps `list`, a space-delimited list read from `json`.
    pub(crate) fn delimited(json: &str, list: &str) -> Self {
        Self::Delimited(Text::of(json, list))
    }

    /// Keeps `items`, an array of strings read from `json`.
    pub(crate) fn listed<'a>(json: &str, items: impl Iterator<Item = &'a str>) -> Self {
        Self::Listed(items.map(|item| Text::of(json, item)).collect())
    }

    /// Each scope, in token order, from `json`, the text they were kept
    /// beside.
    pub(crate) fn iter<'a>(&'a self, json: &'a str) -> impl Iterator<Item = &'a str> {
        let (delimited, listed) = match self {
            KeptScopes::Absent => (None, &[][..]),
            KeptScopes::Delimited(list) => (Some(list.get(json)), &[][..]),
            KeptScopes::Listed(items) => (None, &items[..]),
        };
        let split = delimited.into_iter().flat_map(|list| list.split(' ').filter(|scope| !scope.is_empty()));
        split.chain(listed.iter().map(|item| item.get(json)))
    }
}

impl Text {
    /// `text`, which is a slice of `json` unless JSON escaped it.
    fn of(json: &str, text: &str) -> Self {
        let start = (text.as_ptr() as usize).wrapping_sub(json.as_ptr() as usize);
        let span = start..start.wrapping_add(text.len());
        match json.get(span.clone()) {
            Some(within) if std::ptr::eq(within, text) => Text::Span(span),
            _ => Text::Unescaped(text.into()),
        }
    }

    /// The string kept of `json`, the text it was kept beside.
    fn get<'a>(&'a self, json: &'a str) -> &'a str {
        match self {
            Text::Span(span) => json.get(span.clone()).unwrap_or_default(),
            Text::Unescaped(text) => text,
        }
    }

    /// The string that `text` keeps of `json`, if any.
    fn read<'a>(text: &'a Option<Text>, json: &'a str) -> Option<&'a str> {
        text.as_ref().map(|text| text.get(json))
    }
}

impl Payload {
    /// The claims in `text` from `claims_start` on, a checked claims
    /// object after the token, whose registered claims are `registered`.
    pub(crate) fn new(text: String, claims_start: usize, registered: KeptRegistered) -> Self {
        Self { text, claims_start, registered, map: OnceLock::new() }
    }

    /// The token as sent.
    pub(crate) fn token(&self) -> &str {
        self.text.get(..self.claims_start).unwrap_or_default()
    }

    /// Whether the token is bound by `cnf.jkt`, and by
    /// `cnf["x5t#S256"]`, without reading either back.
    pub(crate) fn confirmation_methods(&self) -> (bool, bool) {
        (self.registered.cnf_jkt.is_some(), self.registered.cnf_x5t_s256.is_some())
    }

    /// The registered claims, read where they were kept.
    pub(crate) fn registered(&self) -> Registered<'_> {
        let (json, kept) = (self.json(), &self.registered);
        Registered {
            iss: Text::read(&kept.iss, json),
            sub: Text::read(&kept.sub, json),
            jti: Text::read(&kept.jti, json),
            sid: Text::read(&kept.sid, json),
            iat: kept.iat,
            cnf_jkt: Text::read(&kept.cnf_jkt, json),
            cnf_x5t_s256: Text::read(&kept.cnf_x5t_s256, json),
        }
    }

    /// `sub`, read alone: reading every registered claim costs several
    /// times as much, on every request that asks.
    pub(crate) fn subject(&self) -> Option<&str> {
        Text::read(&self.registered.sub, self.json())
    }

    /// `cnf.jkt`, read alone.
    pub(crate) fn dpop_thumbprint(&self) -> Option<&str> {
        Text::read(&self.registered.cnf_jkt, self.json())
    }

    /// `cnf["x5t#S256"]`, read alone.
    pub(crate) fn certificate_thumbprint(&self) -> Option<&str> {
        Text::read(&self.registered.cnf_x5t_s256, self.json())
    }

    /// The JSON text of the claims.
    pub(crate) fn json(&self) -> &str {
        self.text.get(self.claims_start..).unwrap_or_default()
    }

    /// Every claim, read from the text the first time it is asked for.
    pub(crate) fn map(&self) -> &Map<String, Value> {
        self.map.get_or_init(|| map_of(self.json()))
    }
}

/// The members of `json`, a claims object that verification checked, as a
/// map. Each value is read on its own, as it was checked: nesting counts
/// from the value, not from the object around it. Nothing checked is
/// dropped.
pub(crate) fn map_of(json: &str) -> Map<String, Value> {
    let members = serde_json::from_str::<RawMembers<'_>>(json).map(|members| members.0).unwrap_or_default();
    let read = |(name, raw): (String, &RawValue)| Some((name, serde_json::from_str(raw.get()).ok()?));
    members.into_iter().filter_map(read).collect()
}

/// The members of an object, each value as its JSON text.
struct RawMembers<'a>(Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for RawMembers<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;

        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = RawMembers<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<Self::Value, A::Error> {
                let mut all = Vec::new();
                while let Some(member) = members.next_entry()? {
                    all.push(member);
                }
                Ok(RawMembers(all))
            }
        }

        deserializer.deserialize_map(MembersVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_claims_read_back_as_verified_whether_slices_of_the_text_or_not() {
        let json = String::from(r#"{"sub":"ada","iss":"https:\/\/id.test\/","jti":""}"#);
        let unescaped = String::from("https://id.test/");
        let registered = Registered {
            sub: Some(&json[8..11]),
            iss: Some(&unescaped),
            jti: Some(&json[46..46]),
            iat: Some(7.5),
            ..Default::default()
        };
        let kept = KeptRegistered::of(&json, &registered);
        assert!(matches!(
            (&kept.sub, &kept.iss, &kept.jti),
            (Some(Text::Span(_)), Some(Text::Unescaped(_)), Some(Text::Span(_)))
        ));
        // The spans stand for places in the claims, wherever they are.
        let payload = Payload::new(format!("a.token.{json}"), "a.token.".len(), kept);
        assert_eq!((payload.registered(), payload.token(), payload.json()), (registered, "a.token.", &*json));
    }
}
