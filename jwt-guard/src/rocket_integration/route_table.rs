//! What an app's route table tells of a route, read once at liftoff:
//! which routes a request that reached it can still be forwarded to, and
//! whether a catcher of the app's own can answer a refusal there, for
//! accounting (see `accounting`) to count a request from the route that
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

/// A route's path, segment by segment, read as Rocket reads it.
fn path_of(route: &Route) -> Vec<Segment<'_>> {
    route.uri.origin.path().raw_segments().map(Segment::of).collect()
}

/// The fewest segments of a request that `path` matches, and whether it
/// matches requests of more (its last segment is trailing).
fn lengths(path: &[Segment<'_>]) -> (usize, bool) {
    match path.last() {
        Some(last) if last.trailing => (path.len() - 1, true),
        _ => (path.len(), false),
    }
}

/// Whether a request can match both paths.
fn overlap(a: &[Segment<'_>], b: &[Segment<'_>]) -> bool {
    let ((a_least, a_more), (b_least, b_more)) = (lengths(a), lengths(b));
    let fits = |least, more, length| length == least || (more && length > least);
    // The shortest request that both can match, if any: the rest of the
    // longer is then trailing, and matches anything.
    let length = a_least.max(b_least);
    if !fits(a_least, a_more, length) || !fits(b_least, b_more, length) {
        return false;
    }
    (0..length).all(|at| match (a.get(at), b.get(at)) {
        (Some(one), Some(other)) if !other.dynamic => one.admits(other.text),
        _ => true,
    })
}

/// Whether Rocket can try `next` for a request after `route` forwarded
/// it: a route of the same method and no lower rank (routes are tried by
/// rank), or, after a `HEAD` route, any `GET` route (Rocket answers a
/// `HEAD` request that no `HEAD` route took with its `GET` routes); and
/// in either case a request's path can match both.
pub(super) fn may_follow(next: &Route, route: &Route) -> bool {
    let same_method = next.method == route.method && next.rank >= route.rank && !std::ptr::eq(next, route);
    let head_to_get = route.method == Method::Head && next.method == Method::Get;
    (same_method || head_to_get) && overlap(&path_of(route), &path_of(next))
}

/// Whether one of `catchers` that `foreign` tells from the app's own,
/// for any of `codes` or for every status, can answer a request that
/// `route` matched: its base is a prefix of the request's path (Rocket
/// picks a catcher by status and base).
pub(super) fn foreign_catcher_over<'c>(
    route: &Route,
    catchers: impl IntoIterator<Item = &'c Catcher>,
    codes: &[u16],
    foreign: impl Fn(&Catcher) -> bool,
) -> bool {
    let path = path_of(route);
    let (least, more) = lengths(&path);
    let over = |catcher: &Catcher| {
        let mut base = catcher.base.path().segments();
        (more || base.len() <= least)
            && base.by_ref().enumerate().all(|(at, segment)| path.get(at).is_none_or(|own| own.admits(segment)))
    };
    catchers
        .into_iter()
        .any(|catcher| catcher.code.is_none_or(|code| codes.contains(&code)) && foreign(catcher) && over(catcher))
}

#[cfg(test)]
mod tests;
