//! 查看完整身份证号: what every record page and API does with `?reveal=1`. Records carry their
//! ID number as `wangge_store::StoredIdNumber`, which shows masked wherever it is rendered or
//! serialised; the full number comes only from the store's one audited call,
//! `Store::reveal_id_number`, which checks scope and writes the audit entry.

use wangge_store::{Actor, IdNumberOf, StoredIdNumber};

use crate::error::AppError;
use crate::AppState;

/// The number to show: the full one when `reveal` was asked for (audited), masked otherwise.
pub async fn shown(
    state: &AppState,
    actor: &Actor,
    reveal: bool,
    of: IdNumberOf,
    stored: &StoredIdNumber,
) -> Result<String, AppError> {
    if reveal {
        Ok(state.store.reveal_id_number(actor, of).await?)
    } else {
        Ok(stored.masked())
    }
}
