//! 来返报备：报备状态及其流转、来源地和旅居史的录入格式、交给政策引擎判断的到达事实，以及
//! 网格员每日清单上的事项。纯逻辑，不做 I/O；存储层负责读取政策和风险地区名单后调用这里。

mod duty;
mod facts;
mod place;
mod status;

pub use duty::Duty;
pub use facts::{facts_for, is_late, FactsInput};
pub use place::{Origin, Place, PlaceError, Stay};
pub use status::{check_transition, ArrivalStatus, TransitionError, UnknownStatus};
