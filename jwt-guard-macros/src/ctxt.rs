//! One collector for the errors of one macro invocation, as serde_derive's
//! `Ctxt`: parsing, checking and the derives push every problem they find
//! and carry on where they can, and `check` turns the list into one
//! combined error, so that a user fixes every mistake in one compile.

use std::cell::RefCell;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt::Display;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::DeriveInput;

/// The errors of one invocation, gathered as they are found.
pub(crate) struct Ctxt {
    /// The errors so far; `None` once `check` has taken them.
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    /// A collector without errors.
    pub(crate) fn new() -> Self {
        Self { errors: RefCell::new(Some(Vec::new())) }
    }

    /// Records an error at `span`.
    pub(crate) fn error(&self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records an error that covers `tokens`.
    pub(crate) fn error_spanned_by(&self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error that a parser returned.
    pub(crate) fn push(&self, error: syn::Error) {
        self.errors.borrow_mut().as_mut().expect("errors are recorded before `check`").push(error);
    }

    /// Whether an error has been recorded: a check of the whole, whose
    /// parts were written wrong, would only repeat their errors.
    pub(crate) fn has_errors(&self) -> bool {
        self.errors.borrow().as_ref().is_some_and(|errors| !errors.is_empty())
    }

    /// Records that a name written at `second` was first written at
    /// `first`: `message` on the second, and `first_message` on the first,
    /// so that the user sees both places.
    pub(crate) fn duplicate(&self, first: Span, second: Span, message: impl Display, first_message: impl Display) {
        let mut error = syn::Error::new(second, message);
        error.combine(syn::Error::new(first, first_message));
        self.push(error);
    }

    /// Every error recorded, combined into one; `Ok` if there are none.
    pub(crate) fn check(self) -> syn::Result<()> {
        let mut errors = self.errors.take().expect("`check` runs once").into_iter();
        let Some(mut combined) = errors.next() else { return Ok(()) };
        for error in errors {
            combined.combine(error);
        }
        Err(combined)
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !std::thread::panicking() && self.errors.borrow().is_some() {
            panic!("a `Ctxt` was dropped without `check`: its errors would be lost");
        }
    }
}

/// Where each name was first written, to point there when it comes again.
#[derive(Default)]
pub(crate) struct FirstSeen(HashMap<String, Span>);

impl FirstSeen {
    /// Records `name`, written at `span`; returns where it was written
    /// first if this is not the first time.
    pub(crate) fn earlier(&mut self, name: String, span: Span) -> Option<Span> {
        match self.0.entry(name) {
            Entry::Occupied(first) => Some(*first.get()),
            Entry::Vacant(entry) => {
                entry.insert(span);
                None
            }
        }
    }
}

/// Runs a derive on `input`: `expand` reads the item, reports its problems
/// to the `Ctxt`, and writes the code, which is kept if there were none.
pub(crate) fn derive(input: TokenStream, expand: impl FnOnce(&Ctxt, &DeriveInput) -> TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let cx = Ctxt::new();
    let expanded = expand(&cx, &input);
    cx.check().map_or_else(|error| error.to_compile_error(), |()| expanded)
}
