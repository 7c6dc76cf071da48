use jwt_guard::Scopes;

#[derive(Scopes)]
enum Misspelt {
    #[scope("files:read")]
    Read,
    #[scope("files:write", implies = "files:raed")]
    Write,
}

#[derive(Scopes)]
enum Cycle {
    #[scope("a", implies = "b")]
    A,
    #[scope("b", implies("c"))]
    B,
    #[scope("c", implies = "a")]
    C,
}

#[derive(Scopes)]
enum NotImplies {
    #[scope("a", includes = "b")]
    A,
    #[scope("b")]
    B,
}

#[derive(Scopes)]
enum ThroughWildcard {
    #[scope("files:read", implies = "files:admin")]
    Read,
    #[scope("files:admin", implies = "*")]
    Admin,
}

fn main() {}
