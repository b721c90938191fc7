//! The conversation: commands, buttons and inline queries on top of the library's services.

mod callback;

pub use callback::Callback;
