//! 查看完整身份证号: what every record page and API does with `?reveal=1`. Records carry their
//! ID number as `wangge_store::StoredIdNumber`, which shows masked wherever it is rendered or
//! serialised; the full number comes only from the store's one audited call,
//! `Store::reveal_id_number`, which checks scope, writes the audit entry and hands back the
//! number revealed. The record itself is then rendered or serialised as it is.

use wangge_store::{Actor, IdNumberOf, StoredIdNumber};

use crate::error::AppError;
use crate::AppState;

/// When `reveal` was asked for, replaces the record's number by the revealed one (audited);
/// otherwise leaves it masked.
pub async fn if_asked(
    state: &AppState,
    actor: &Actor,
    reveal: bool,
    of: IdNumberOf,
    id_number: &mut StoredIdNumber,
) -> Result<(), AppError> {
    if reveal {
        *id_number = state.store.reveal_id_number(actor, of).await?;
    }
    Ok(())
}
