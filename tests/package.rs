//! The root package exists only to host the end-to-end test binary (`tests/main.rs`);
//! this empty library is the target cargo requires of every package.
