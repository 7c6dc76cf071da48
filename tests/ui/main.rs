//! Compile-time checks of policies: each file under `ui/fail` must fail to
//! compile with the error in its `.stderr`, and each under `ui/pass` must
//! compile.

#[test]
fn policies_are_checked_at_compile_time() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/fail/*.rs");
    cases.pass("ui/pass/*.rs");
}
