//! `mtest!`: like ripgrep's `rgtest!`, each test body gets a fresh [`crate::util::Dir`]
//! and a [`crate::util::TestCommand`] for `mandi` that lives in it.

/// Declares a test that receives a temp dir and a `mandi` command rooted in it.
macro_rules! mtest {
    ($name:ident, |$dir:ident, $cmd:ident| $body:block) => {
        #[test]
        fn $name() {
            #[allow(unused_variables, unused_mut)]
            let ($dir, mut $cmd) = crate::util::setup(stringify!($name));
            $body
        }
    };
}

/// Asserts two strings are equal, printing both in full blocks when they are not.
#[allow(unused_macros)]
macro_rules! eqnice {
    ($expected:expr, $got:expr) => {{
        let expected: &str = &$expected;
        let got: &str = &$got;
        if expected != got {
            panic!("\nexpected:\n{expected}\n~~~~~~~~\ngot:\n{got}\n~~~~~~~~\n");
        }
    }};
}
