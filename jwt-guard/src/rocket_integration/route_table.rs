//! What an app's route table tells of a route, read once at liftoff:
//! which routes a request that reached it can still be forwarded to, and
//! whether a catcher of the app's own can answer a refusal there, for
//! `accounting` to count a request from the route that
//! answers it where it can.
//!
//! Rocket's matching is private; these answers follow its rules (Rocket
//! 0.5's `router/collider.rs` and `router/router.rs`) and err one way
//! only: formats and queries are not read, so two routes may be taken to
//! share requests that they never share, never the reverse.

use rocket::http::{Method, RawStr};
use rocket::{Catcher, Route};

/// One segment of a route's path as Rocket reads it for matching.
#[derive(Debug)]
struct Segment<'a> {
    /// The text of a static segment, as written: Rocket compares it to a
    /// request's decoded segment.
    text: &'a str,
    /// `<name>` or `<name..>`: any text.
    dynamic: bool,
    /// `<name..>`: any number of segments, none included.
    trailing: bool,
}

impl<'a> Segment<'a> {
    fn of(raw: &'a RawStr) -> Self {
        let text = raw.as_str();
        let dynamic = text.starts_with('<') && text.ends_with('>');
        Segment { text, dynamic, trailing: dynamic && text.ends_with("..>") }
    }

    /// Whether a request's segment can be both this one and the static
    /// `other`.
    fn admits(&self, other: &str) -> bool {
        self.dynamic || self.text == other
    }
}

/// A mounted route and its path, read once, as Rocket reads it.
#[derive(Debug)]
pub(super) struct RoutePath<'r> {
    pub(super) route: &'r Route,
    /// The segments up to the first trailing one, which matches the rest
    /// of a request's path (Rocket stops comparing there, wherever it
    /// is).
    segments: Vec<Segment<'r>>,
}

impl<'r> RoutePath<'r> {
    pub(super) fn of(route: &'r Route) -> Self {
        let mut segments = Vec::new();
        for segment in route.uri.origin.path().raw_segments().map(Segment::of) {
            let trailing = segment.trailing;
            segments.push(segment);
            if trailing {
                break;
            }
        }
        RoutePath { route, segments }
    }

    /// The fewest segments of a request that the path matches, and
    /// whether it matches requests of more (it ends with a trailing
    /// segment).
    fn lengths(&self) -> (usize, bool) {
        match self.segments.last() {
            Some(last) if last.trailing => (self.segments.len() - 1, true),
            _ => (self.segments.len(), false),
        }
    }

    /// Whether a request can match both paths.
    fn overlaps(&self, other: &RoutePath<'_>) -> bool {
        let ((own_least, own_more), (other_least, other_more)) = (self.lengths(), other.lengths());
        let fits = |least, more, length| length == least || (more && length > least);
        // The shortest request that both can match, if any: the rest of
        // the longer is then trailing, and matches anything.
        let length = own_least.max(other_least);
        if !fits(own_least, own_more, length) || !fits(other_least, other_more, length) {
            return false;
        }
        (0..length).all(|at| match (self.segments.get(at), other.segments.get(at)) {
            (Some(own), Some(theirs)) if !theirs.dynamic => own.admits(theirs.text),
            _ => true,
        })
    }

    /// Whether Rocket can try `next` for a request after this route
    /// forwarded it: a route of the same method and no lower rank (routes
    /// are tried by rank), or, after a `HEAD` route, any `GET` route
    /// (Rocket answers a `HEAD` request that no `HEAD` route took with
    /// its `GET` routes); and in either case a request's path can match
    /// both.
    pub(super) fn may_be_followed_by(&self, next: &RoutePath<'_>) -> bool {
        let (route, next_route) = (self.route, next.route);
        let same_method =
            next_route.method == route.method && next_route.rank >= route.rank && !std::ptr::eq(next_route, route);
        let head_to_get = route.method == Method::Head && next_route.method == Method::Get;
        (same_method || head_to_get) && self.overlaps(next)
    }

    /// Whether one of `catchers`, for any of `codes` or for every status,
    /// can answer a request that this route matched: its base is a prefix
    /// of the request's path (Rocket picks a catcher by status and base).
    pub(super) fn caught_by_any(&self, catchers: &[&Catcher], codes: &[u16]) -> bool {
        let (least, more) = self.lengths();
        let over = |catcher: &Catcher| {
            let base = catcher.base.path().segments();
            (more || base.len() <= least)
                && base.enumerate().all(|(at, segment)| self.segments.get(at).is_none_or(|own| own.admits(segment)))
        };
        catchers.iter().any(|catcher| catcher.code.is_none_or(|code| codes.contains(&code)) && over(catcher))
    }
}

#[cfg(test)]
mod tests;
