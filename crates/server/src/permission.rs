//! What a role may do, checked by extractors that run before the request body is read: a
//! caller without the right role gets 403 whatever they send, and never a validation message
//! about data they may not touch.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use wangge_domain::role::Role;
use wangge_store::User;

use crate::auth::{ApiUser, PageUser};
use crate::error::{AppError, PageError};
use crate::AppState;

pub trait Permission {
    /// Why a refused caller is refused, in Chinese.
    const DENIED: &'static str;
    fn allows(role: Role) -> bool;
}

macro_rules! permission {
    ($name:ident, $check:ident, $denied:literal) => {
        pub struct $name;
        impl Permission for $name {
            const DENIED: &'static str = $denied;
            fn allows(role: Role) -> bool {
                role.$check()
            }
        }
    };
}

permission!(GridEditor, edits_grid, "只有区级管理员可以修改网格");
permission!(
    UserManager,
    manages_users,
    "只有区级管理员和乡镇/街道干部可以管理用户"
);
permission!(
    ResidentHandler,
    handles_residents,
    "此角色不能查看或登记人员信息"
);
permission!(
    TokenIssuer,
    manages_tokens,
    "只有区级管理员可以为机器账号签发令牌"
);
permission!(Auditor, reads_audit, "只有区级管理员可以查看审计日志");
permission!(ArrivalHandler, handles_residents, "此角色不能办理来返报备");
permission!(RiskAdmin, edits_grid, "只有区级管理员可以管理风险地区名单");
permission!(PolicyAdmin, edits_grid, "只有区级管理员可以发布政策");
permission!(PushViewer, handles_push_lists, "此角色不能查看推送核查");
permission!(CheckpointViewer, sees_checkpoints, "此角色不能查看卡口");
permission!(PushHandler, handles_push_lists, "此角色不能核查推送人员");
permission!(
    PushImporter,
    imports_push_lists,
    "只有区级管理员可以导入推送名单或修改地址对照表"
);
permission!(
    CheckpointManager,
    manages_checkpoints,
    "只有区级管理员和乡镇/街道干部可以管理卡口"
);

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
