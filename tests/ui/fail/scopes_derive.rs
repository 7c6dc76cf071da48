use jwt_guard::Scopes;

#[derive(Scopes)]
enum MissingAttribute {
    #[scope("read")]
    Read,
    Write,
}

#[derive(Scopes)]
enum Nothing {}

#[derive(Scopes)]
enum Duplicate {
    #[scope("read")]
    Read,
    #[scope("read")]
    AlsoRead,
}

#[derive(Scopes)]
enum BadCharacters {
    #[scope("read reports")]
    Read,
}

#[derive(Scopes)]
enum TwoAttributes {
    #[scope("admin")]
    #[scope("admin", implies("read"))]
    Admin,
    #[scope("read")]
    Read,
}

#[derive(Scopes)]
enum ImpliesNothing {
    #[scope("admin", implies())]
    Admin,
}

#[derive(Scopes)]
struct NotAnEnum;

fn main() {}
