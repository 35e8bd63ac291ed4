//! The `wangge` binary's library half: the CLI and the demo district, so integration tests can
//! build the same demo the README's first command serves.

pub mod backup;
pub mod bench;
pub mod cli;
mod cli_policy;
pub mod demo;
mod demo_arrivals;
mod demo_push;
pub mod import_push;
