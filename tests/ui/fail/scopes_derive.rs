use jwt_guard::Scopes;

#[derive(Scopes)]
enum MissingAttribute {
    #[scope("read")]
    Read,
    Write,
}

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
struct NotAnEnum;

fn main() {}
