//! The extractors that name a permission (`wangge_domain::permission`, the same one the store
//! checks): they run before the request body is read, so a caller without the right role gets
//! 403 whatever they send, and never a validation message about data they may not touch.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use wangge_store::User;

use crate::auth::{ApiUser, PageUser};
use crate::error::{AppError, PageError};
use crate::AppState;

pub use wangge_domain::permission::*;

/// An API caller whose role has permission `P`.
pub struct Allowed<P>(pub User, pub PhantomData<P>);

impl<P: Permission> FromRequestParts<AppState> for Allowed<P> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ApiUser(user) = ApiUser::from_request_parts(parts, state).await?;
        if P::allows(user.role) {
            Ok(Allowed(user, PhantomData))
        } else {
            Err(AppError::Forbidden(P::DENIED.into()))
        }
    }
}

/// A page visitor whose role has permission `P`.
pub struct PageAllowed<P>(pub PageUser, pub PhantomData<P>);

impl<P: Permission> FromRequestParts<AppState> for PageAllowed<P> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let user = PageUser::from_request_parts(parts, state).await?;
        if P::allows(user.user.role) {
            Ok(PageAllowed(user, PhantomData))
        } else {
            Err(AppError::Forbidden(P::DENIED.into()).into())
        }
    }
}
