//! "Did you mean ...?": the closest of the known names to a misspelt one.

/// The candidate closest to `name`, if one is close enough to be a typo.
pub(crate) fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(similarity, _)| *similarity > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn typos_find_their_word_and_strangers_find_none() {
        let options = ["scope", "scopes", "any_scope", "claim", "issuer"];
        assert_eq!(closest("scop", options), Some("scope"));
        assert_eq!(closest("isuer", options), Some("issuer"));
        assert_eq!(closest("audience", options), None);
        assert_eq!(closest("zzz", options), None);
    }
}
