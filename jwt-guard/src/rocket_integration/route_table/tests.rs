use rocket::http::{Method, Status};
use rocket::{Catcher, Request, Response, Route, catcher, route};

use super::*;

fn answer<'r>(request: &'r Request<'_>, _: rocket::Data<'r>) -> route::BoxFuture<'r> {
    route::Outcome::from(request, "ok").pin()
}

fn catch<'r>(_: Status, _: &'r Request<'_>) -> catcher::BoxFuture<'r> {
    Box::pin(async { Ok(Response::new()) })
}

fn get(path: &str) -> Route {
    Route::new(Method::Get, path, answer)
}

fn ranked(rank: isize, method: Method, path: &str) -> Route {
    Route::ranked(rank, method, path, answer)
}

/// A catcher for `code` (any status: `None`) at `base`.
fn catcher(code: Option<u16>, base: &str) -> Catcher {
    Catcher::new(code, catch).map_base(|_| base.to_owned()).unwrap()
}

/// Whether a request that reached `table[0]` is answered there: no route
/// of `table` can follow it, and none of `catchers`, none of them the
/// app's own, can answer a refusal there.
fn alone(table: &[Route], catchers: &[Catcher]) -> bool {
    !table.iter().any(|next| may_follow(next, &table[0]))
        && !foreign_catcher_over(&table[0], catchers, &[401, 403], |_| true)
}

#[test]
fn a_route_that_no_other_can_share_a_request_with_answers_alone() {
    assert!(alone(&[get("/reports"), get("/public"), get("/reports/<id>"), get("/a/<b>/c")], &[]));
    assert!(alone(&[get("/reports/<id>/pdf"), get("/reports/<id>/csv"), get("/reports/<id>")], &[]));
    assert!(!alone(&[get("/a/<b>"), Route::new(Method::Post, "/a/<b>", answer), get("/<c..>")], &[]));
    assert!(alone(&[get("/a/<b>"), Route::new(Method::Post, "/a/<b>", answer)], &[]));
}

#[test]
fn a_route_of_the_same_method_and_no_lower_rank_that_shares_a_request_follows() {
    // A dynamic segment of the next route, ranked after a static one.
    assert!(!alone(&[get("/reports"), get("/<name>")], &[]));
    assert!(!alone(&[get("/reports/<id>"), ranked(2, Method::Get, "/reports/<name>")], &[]));
    // The same rank: which is tried first is not read.
    assert!(!alone(&[ranked(2, Method::Get, "/a/<b>"), ranked(2, Method::Get, "/<a>/b")], &[]));
    // Tried before, not after.
    assert!(alone(&[ranked(2, Method::Get, "/reports/<name>"), ranked(1, Method::Get, "/reports/<id>")], &[]));
    // Trailing segments match any number of segments, none included.
    assert!(!alone(&[get("/files/a/b"), ranked(5, Method::Get, "/files/<path..>")], &[]));
    assert!(!alone(&[get("/files"), ranked(5, Method::Get, "/files/<path..>")], &[]));
    assert!(alone(&[get("/files/a/b"), ranked(5, Method::Get, "/images/<path..>")], &[]));
    assert!(alone(&[get("/a/b"), ranked(5, Method::Get, "/a/b/c/<rest..>")], &[]));
    // A `HEAD` request that no `HEAD` route takes goes on to the `GET`
    // routes, whatever their rank.
    assert!(!alone(&[ranked(5, Method::Head, "/reports"), ranked(1, Method::Get, "/reports")], &[]));
    assert!(alone(&[ranked(1, Method::Get, "/reports"), ranked(5, Method::Head, "/reports")], &[]));
}

#[test]
fn a_foreign_catcher_for_a_refusals_status_or_any_whose_base_can_prefix_the_path_catches() {
    let table = [get("/web/<page>"), get("/api/reports")];
    for (catchers, caught) in [
        (vec![catcher(Some(401), "/")], true),
        (vec![catcher(None, "/web")], true),
        (vec![catcher(Some(403), "/web/dashboard")], true),
        (vec![catcher(Some(401), "/api")], false),
        (vec![catcher(Some(404), "/"), catcher(Some(500), "/web")], false),
        (vec![catcher(Some(401), "/web/dashboard/more")], false),
    ] {
        assert_eq!(!alone(&table, &catchers), caught, "{catchers:?}");
    }
    let trailing = [get("/web/<path..>")];
    assert!(!alone(&trailing, &[catcher(Some(401), "/web/dashboard/more")]));
    let own = [catcher(Some(401), "/")];
    assert!(!foreign_catcher_over(&table[0], &own, &[401], |_| false), "the app's own catchers keep the status");
}
