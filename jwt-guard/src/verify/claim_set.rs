//! A token's claims object, read in one pass: the registered claims that
//! verification checks, and the scope claims, as their own types; every
//! other member kept as its JSON text, for the roles to be read from by
//! name. No map of all claims is built: a handler that asks for one gets
//! it later, from the same text (see [`crate::token::Payload`]).
//!
//! The object is held to exactly what [`serde_json::Value`] accepts, each
//! member's value counted on its own, and its member names must be
//! distinct (RFC 7519 section 4 allows a parser to reject them, and they
//! are a classic way to fool a second parser).

mod shape;

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::config::ScopeClaim;
use crate::error::TokenProblem;
use crate::token::payload;
use shape::{AnyJson, Loose, Shape, next_name};

/// A member read as its own type, by its name.
#[derive(Clone, Copy)]
enum Typed {
    Iss,
    Sub,
    Jti,
    Sid,
    Exp,
    Nbf,
    Iat,
    Aud,
    Cnf,
    Scope,
    Scp,
    Permissions,
    /// `events`: as an object, the claim of a Security Event Token (RFC
    /// 8417), such as a logout token, which no access token has. Kept
    /// with the other members.
    Events,
}

impl Typed {
    /// The member named `name`, if it is read as its own type; a member
    /// of another name is kept as text.
    fn named(name: &str) -> Option<Self> {
        Some(match name {
            "iss" => Typed::Iss,
            "sub" => Typed::Sub,
            "jti" => Typed::Jti,
            "sid" => Typed::Sid,
            "exp" => Typed::Exp,
            "nbf" => Typed::Nbf,
            "iat" => Typed::Iat,
            "aud" => Typed::Aud,
            "cnf" => Typed::Cnf,
            "scope" => Typed::Scope,
            "scp" => Typed::Scp,
            "permissions" => Typed::Permissions,
            "events" => Typed::Events,
            _ => return None,
        })
    }
}

/// A claims object, read.
#[derive(Debug, Default)]
pub(crate) struct ClaimSet<'a> {
    json: &'a str,
    pub(crate) iss: Claim<Cow<'a, str>>,
    pub(crate) sub: Claim<Cow<'a, str>>,
    pub(crate) jti: Claim<Cow<'a, str>>,
    pub(crate) sid: Claim<Cow<'a, str>>,
    pub(crate) exp: Claim<f64>,
    pub(crate) nbf: Claim<f64>,
    pub(crate) iat: Claim<f64>,
    pub(crate) aud: Claim<Strings<'a>>,
    pub(crate) cnf: Claim<Confirmation<'a>>,
    /// `scope`, `scp` and `permissions`: whichever the issuer reads.
    scope: Claim<Strings<'a>>,
    scp: Claim<Strings<'a>>,
    permissions: Claim<Strings<'a>>,
    /// Every other member: its name, and its value as JSON text.
    others: Vec<(Cow<'a, str>, &'a RawValue)>,
    /// Whether it has an `events` object: a Security Event Token's claims
    /// (RFC 8417 section 2.2), which are never an access token's.
    pub(crate) security_event: bool,
}

/// A registered claim as the token has it.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) enum Claim<T> {
    #[default]
    Absent,
    Present(T),
    /// Present, of another JSON type than its RFC gives it.
    Mistyped,
}

/// A string, or an array of strings: `aud`, and the scopes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Strings<'a> {
    One(Cow<'a, str>),
    Many(Vec<Cow<'a, str>>),
}

/// The confirmation methods of `cnf` (RFC 7800) that bind a token, each a
/// thumbprint string: RFC 9449 section 6.1 and RFC 8705 section 3.1.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Confirmation<'a> {
    pub(crate) jkt: Claim<Cow<'a, str>>,
    pub(crate) x5t_s256: Claim<Cow<'a, str>>,
}

impl<'a> ClaimSet<'a> {
    /// The claims of `json`, a JSON object with distinct member names.
    /// `not_an_object` is the problem when it is not one.
    pub(crate) fn parse(json: &'a str, not_an_object: &'static str) -> Result<Self, TokenProblem> {
        // Read in place: the set is hundreds of bytes, which a value
        // returned through serde's layers would be copied at each.
        let mut claims = ClaimSet { json, ..ClaimSet::default() };
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let read = InPlace(&mut claims).deserialize(&mut deserializer).and_then(|()| deserializer.end());
        if read.is_err() || has_duplicates(&claims.others) {
            return Err(TokenProblem::Malformed(not_an_object));
        }
        Ok(claims)
    }

    /// The JSON text of the claims.
    pub(crate) fn json(&self) -> &'a str {
        self.json
    }

    /// The scope claim an issuer reads.
    pub(crate) fn scopes(&self, claim: ScopeClaim) -> &Claim<Strings<'a>> {
        match claim {
            ScopeClaim::Scope => &self.scope,
            ScopeClaim::Scp => &self.scp,
            ScopeClaim::Permissions => &self.permissions,
        }
    }

    /// Member `name` as a [`Value`], for a claim read as a whole tree.
    pub(crate) fn value(&self, name: &str) -> Option<Value> {
        match self.others.iter().find(|(member, _)| member == name) {
            // Every such value was checked to be one that `Value` reads.
            Some((_, raw)) => serde_json::from_str(raw.get()).ok(),
            // A claim read as its type: read again as a whole, as rarely
            // as a place of roles names one.
            None if Typed::named(name).is_some() => payload::map_of(self.json).remove(name),
            None => None,
        }
    }
}

impl<T> Claim<T> {
    /// The claim, if present; `name` when it is mistyped.
    pub(crate) fn get(&self, name: &'static str) -> Result<Option<&T>, TokenProblem> {
        match self {
            Claim::Absent => Ok(None),
            Claim::Present(value) => Ok(Some(value)),
            Claim::Mistyped => Err(TokenProblem::MistypedClaim(name)),
        }
    }
}

impl Strings<'_> {
    /// Each string.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        let (one, many) = match self {
            Strings::One(one) => (Some(&**one), &[][..]),
            Strings::Many(many) => (None, &many[..]),
        };
        one.into_iter().chain(many.iter().map(|text| &**text))
    }
}

/// Whether two members have the same name: pairwise for the usual few,
/// sorted for more.
fn has_duplicates(members: &[(Cow<'_, str>, &RawValue)]) -> bool {
    const FEW: usize = 16;
    if members.len() <= FEW {
        return members
            .iter()
            .enumerate()
            .any(|(at, (name, _))| members[at + 1..].iter().any(|(other, _)| other == name));
    }
    let mut names: Vec<&str> = members.iter().map(|(name, _)| &**name).collect();
    names.sort_unstable();
    names.windows(2).any(|pair| pair[0] == pair[1])
}

/// Whether a value that [`RawValue`] accepted is one that [`Value`] reads
/// too, as far as its text alone shows: a string without escapes is.
/// `RawValue` only skips its value: it accepts a lone surrogate escape, a
/// number beyond `f64` and any nesting, which `Value` refuses, so such a
/// value is parsed again.
fn reads_as_value(raw: &str) -> bool {
    raw.starts_with('"') && !raw.contains('\\')
}

/// Keeps the next value as the text of the member `name`, once it is
/// known to be JSON that [`Value`] reads, and returns that text.
fn keep_other<'a, 'de: 'a, A: MapAccess<'de>>(
    claims: &mut ClaimSet<'a>,
    name: Cow<'de, str>,
    members: &mut A,
) -> Result<&'de str, A::Error> {
    let value = members.next_value::<&'de RawValue>()?;
    if !reads_as_value(value.get()) {
        serde_json::from_str::<AnyJson>(value.get()).map_err(de::Error::custom)?;
    }
    claims.others.push((name, value));
    Ok(value.get())
}

/// Reads the next value into `slot`, which a name given twice finds full.
fn read_into<'de, T: Shape<'de>, A: MapAccess<'de>>(slot: &mut Claim<T>, members: &mut A) -> Result<(), A::Error> {
    if !matches!(slot, Claim::Absent) {
        return Err(de::Error::custom("a member is given twice"));
    }
    *slot = members.next_value::<Loose<T>>()?.0.map_or(Claim::Mistyped, Claim::Present);
    Ok(())
}

/// Reads a claims object into the set it holds.
struct InPlace<'s, 'de>(&'s mut ClaimSet<'de>);

impl<'de> DeserializeSeed<'de> for InPlace<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for InPlace<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<(), A::Error> {
        let claims = self.0;
        while let Some(name) = next_name(&mut members)? {
            match Typed::named(&name) {
                Some(Typed::Iss) => read_into(&mut claims.iss, &mut members)?,
                Some(Typed::Sub) => read_into(&mut claims.sub, &mut members)?,
                Some(Typed::Jti) => read_into(&mut claims.jti, &mut members)?,
                Some(Typed::Sid) => read_into(&mut claims.sid, &mut members)?,
                Some(Typed::Exp) => read_into(&mut claims.exp, &mut members)?,
                Some(Typed::Nbf) => read_into(&mut claims.nbf, &mut members)?,
                Some(Typed::Iat) => read_into(&mut claims.iat, &mut members)?,
                Some(Typed::Aud) => read_into(&mut claims.aud, &mut members)?,
                Some(Typed::Cnf) => read_into(&mut claims.cnf, &mut members)?,
                Some(Typed::Scope) => read_into(&mut claims.scope, &mut members)?,
                Some(Typed::Scp) => read_into(&mut claims.scp, &mut members)?,
                Some(Typed::Permissions) => read_into(&mut claims.permissions, &mut members)?,
                Some(Typed::Events) => claims.security_event = keep_other(claims, name, &mut members)?.starts_with('{'),
                None => {
                    keep_other(claims, name, &mut members)?;
                }
            }
        }
        Ok(())
    }
}

impl<'de> Shape<'de> for Strings<'de> {
    fn from_text(text: Cow<'de, str>) -> Option<Self> {
        Some(Strings::One(text))
    }

    fn from_seq<A: SeqAccess<'de>>(mut items: A) -> Result<Option<Self>, A::Error> {
        let (mut strings, mut all_strings) = (Vec::new(), true);
        while let Some(Loose(item)) = items.next_element::<Loose<Cow<'de, str>>>()? {
            match item {
                Some(text) => strings.push(text),
                None => all_strings = false,
            }
        }
        Ok(all_strings.then_some(Strings::Many(strings)))
    }
}

impl<'de> Shape<'de> for Confirmation<'de> {
    fn from_map<A: MapAccess<'de>>(mut members: A) -> Result<Option<Self>, A::Error> {
        let mut confirmation = Confirmation::default();
        while let Some(name) = next_name(&mut members)? {
            match &*name {
                "jkt" => read_into(&mut confirmation.jkt, &mut members)?,
                "x5t#S256" => read_into(&mut confirmation.x5t_s256, &mut members)?,
                _ => {
                    members.next_value::<AnyJson>()?;
                }
            }
        }
        Ok(Some(confirmation))
    }
}

#[cfg(test)]
mod tests;
