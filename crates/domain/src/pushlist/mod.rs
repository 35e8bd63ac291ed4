//! 大数据推送核查：上级推送的人员名单，逐人落到网格核查，直到见底清零。
//!
//! 这里只有规则，没有 I/O：表头识别、逐行校验、编码判别、按住址分配网格、核查状态机。
//! 读文件、写数据库在 store 里，所以这些规则可以单独做属性测试。

pub mod address;
pub mod columns;
pub mod datetime;
pub mod encoding;
pub mod row;
pub mod state;

pub use address::{AddressMatcher, MatchNode};
pub use columns::{Column, ColumnMap, HeaderError};
pub use datetime::{parse_arrival, DateError};
pub use encoding::{decode_field, detect_encoding, EncodingError, TextEncoding};
pub use row::{validate_row, Cell, FieldError, PushRow};
pub use state::{PushState, TransitionError, Verification};
