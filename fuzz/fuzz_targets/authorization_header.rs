//! Any `Authorization` header values, and a token in the URI or not: the
//! parser finds a token or refuses the request, and never panics.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (token_in_uri, text) = match text.strip_prefix('?') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let values = text.split('\n');
    let located = jwt_guard::fuzzing::locate(values, token_in_uri, "Bearer");
    if let Ok(token) = located.and_then(|(_, token)| jwt_guard::fuzzing::check_syntax(token)) {
        assert!(!token.is_empty() && !token.contains(' '));
    }
});
