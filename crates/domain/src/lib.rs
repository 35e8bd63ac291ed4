//! wangge domain: the rules of the work, with no I/O.
//!
//! Storage, HTTP, UI and CLI depend on this crate; it depends on none of them.

pub mod arrival;
pub mod audit;
pub mod calendar;
pub mod checkpoint;
pub mod grid;
pub mod limits;
pub mod permission;
pub mod policy;
pub mod pushlist;
pub mod region;
pub mod role;
pub mod search;
pub mod testing;
pub mod validate;
pub mod workorder;
