//! API tokens: the caller's own, and for a district admin those of every account in their
//! subtree. Listing never shows a secret; revoking takes effect at once on this server. The
//! error responses every route shares are added to the document by `api::openapi`.

use crate::params::ApiId;
use axum::extract::State;
use axum::Json;
use wangge_store::TokenInfo;

use crate::auth::ApiUser;
use crate::error::ApiResult;
use crate::AppState;

/// Tokens the caller sees, newest first: name, owner, created, expires, last used, revoked.
#[utoipa::path(get, path = "/tokens", tag = "users", responses((status = 200, body = Vec<TokenInfo>)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<TokenInfo>>> {
    Ok(Json(state.store.list_api_tokens(&user.actor()).await?))
}

/// Revokes a token the caller sees (a token may revoke itself); revoking a revoked token
/// changes nothing. The answer is the token as it now is.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "users", params(("id" = i64, Path)), responses((status = 200, body = TokenInfo)))]
pub async fn revoke(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<Json<TokenInfo>> {
    let token = state.store.revoke_api_token(&user.actor(), id).await?;
    state.caches.tokens.clear();
    Ok(Json(token))
}
