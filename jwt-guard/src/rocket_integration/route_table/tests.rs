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

/// Whether a request that reached `table[0]` ends there: no route of
/// `table` can follow it, and none of `catchers` can answer a refusal
/// there.
fn ends_there(table: &[Route], catchers: &[Catcher]) -> bool {
    let paths: Vec<RoutePath<'_>> = table.iter().map(RoutePath::of).collect();
    let catchers: Vec<&Catcher> = catchers.iter().collect();
    !paths.iter().any(|next| paths[0].may_be_followed_by(next)) && !paths[0].caught_by_any(&catchers, &[401, 403])
}

#[test]
fn a_request_ends_at_a_route_that_no_other_can_share_it_with() {
    assert!(ends_there(&[get("/reports"), get("/public"), get("/reports/<id>"), get("/a/<b>/c")], &[]));
    assert!(ends_there(&[get("/reports/<id>/pdf"), get("/reports/<id>/csv"), get("/reports/<id>")], &[]));
    assert!(!ends_there(&[get("/a/<b>"), Route::new(Method::Post, "/a/<b>", answer), get("/<c..>")], &[]));
    assert!(ends_there(&[get("/a/<b>"), Route::new(Method::Post, "/a/<b>", answer)], &[]));
}

#[test]
fn a_route_of_the_same_method_and_no_lower_rank_that_shares_a_request_follows() {
    // A dynamic segment of the next route, ranked after a static one.
    assert!(!ends_there(&[get("/reports"), get("/<name>")], &[]));
    assert!(!ends_there(&[get("/reports/<id>"), ranked(2, Method::Get, "/reports/<name>")], &[]));
    // The same rank: which is tried first is not read.
    assert!(!ends_there(&[ranked(2, Method::Get, "/a/<b>"), ranked(2, Method::Get, "/<a>/b")], &[]));
    // Tried before, not after.
    assert!(ends_there(&[ranked(2, Method::Get, "/reports/<name>"), ranked(1, Method::Get, "/reports/<id>")], &[]));
    // Trailing segments match any number of segments, none included.
    assert!(!ends_there(&[get("/files/a/b"), ranked(5, Method::Get, "/files/<path..>")], &[]));
    assert!(!ends_there(&[get("/files"), ranked(5, Method::Get, "/files/<path..>")], &[]));
    assert!(ends_there(&[get("/files/a/b"), ranked(5, Method::Get, "/images/<path..>")], &[]));
    assert!(ends_there(&[get("/a/b"), ranked(5, Method::Get, "/a/b/c/<rest..>")], &[]));
    // Rocket stops comparing at a trailing segment, wherever it is (a
    // route made by hand can have one before the last).
    assert!(!ends_there(&[get("/x/c"), ranked(5, Method::Get, "/<a..>/b")], &[]));
    // A `HEAD` request that no `HEAD` route takes goes on to the `GET`
    // routes, whatever their rank.
    assert!(!ends_there(&[ranked(5, Method::Head, "/reports"), ranked(1, Method::Get, "/reports")], &[]));
    assert!(ends_there(&[ranked(1, Method::Get, "/reports"), ranked(5, Method::Head, "/reports")], &[]));
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
        assert_eq!(!ends_there(&table, &catchers), caught, "{catchers:?}");
    }
    let trailing = [get("/web/<path..>")];
    assert!(!ends_there(&trailing, &[catcher(Some(401), "/web/dashboard/more")]));
    let only_404 = catcher(Some(404), "/");
    assert!(!RoutePath::of(&table[0]).caught_by_any(&[&only_404], &[401]), "a catcher of other statuses");
}
