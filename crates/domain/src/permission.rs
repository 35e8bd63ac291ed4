//! 权限: what a role may do, each named once. The server's extractors name a permission to refuse
//! a caller before the request body is read (403, and never a validation message about data the
//! caller may not touch); the store checks the same permission on every read and write of scoped
//! data (`Actor::require`), so a handler that forgot its extractor still reaches nothing.

use crate::role::Role;

pub trait Permission {
    /// Why a refused caller is refused, in Chinese.
    const DENIED: &'static str;
    fn allows(role: Role) -> bool;
}

macro_rules! permission {
    ($(#[$doc:meta])* $name:ident, $check:expr, $denied:literal) => {
        $(#[$doc])*
        pub struct $name;
        impl Permission for $name {
            const DENIED: &'static str = $denied;
            fn allows(role: Role) -> bool {
                let check: fn(Role) -> bool = $check;
                check(role)
            }
        }
    };
}

permission!(
    /// 工作人员: any account (person or machine), never the public reporter. Reads the shared
    /// registers (risk areas, policies) and the grid of its own scope.
    Staff,
    |r| !r.is_public(),
    "请先登录"
);
permission!(
    /// Exports a list with full ID numbers (导出完整身份证号), each export audited.
    IdNumberExporter,
    Role::exports_id_numbers,
    "只有区级管理员和乡镇/街道干部可以导出完整身份证号"
);
permission!(
    /// Imports and edits the grid tree.
    GridEditor,
    Role::edits_grid,
    "只有区级管理员可以修改网格"
);
permission!(
    /// Lists, creates and changes accounts in its subtree.
    UserManager,
    Role::manages_users,
    "只有区级管理员和乡镇/街道干部可以管理用户"
);
permission!(
    /// Reads and registers residents, moves and data-quality flags.
    ResidentHandler,
    Role::handles_residents,
    "此角色不能查看或登记人员信息"
);
permission!(
    /// Issues tokens for machine accounts and sees and revokes every token in its subtree.
    TokenIssuer,
    Role::manages_tokens,
    "只有区级管理员可以为机器账号签发令牌"
);
permission!(
    /// Reads the audit log (审计日志).
    Auditor,
    Role::reads_audit,
    "只有区级管理员可以查看审计日志"
);
permission!(
    /// Handles arrival reports (来返报备): lists, status, check-ins, the daily list.
    ArrivalHandler,
    Role::handles_residents,
    "此角色不能办理来返报备"
);
permission!(
    /// Changes the risk-area register (风险地区名单).
    RiskAdmin,
    Role::edits_grid,
    "只有区级管理员可以管理风险地区名单"
);
permission!(
    /// Publishes policies (政策).
    PolicyAdmin,
    Role::edits_grid,
    "只有区级管理员可以发布政策"
);
permission!(
    /// Sees push lists (推送核查) of its subtree and the 见底清零 counts.
    PushViewer,
    Role::handles_push_lists,
    "此角色不能查看推送核查"
);
permission!(
    /// Records the outcome of tracing a pushed person.
    PushHandler,
    Role::handles_push_lists,
    "此角色不能核查推送人员"
);
permission!(
    /// Imports push batches and edits the address → grid table: the district command.
    PushImporter,
    Role::imports_push_lists,
    "只有区级管理员可以导入推送名单或修改地址对照表"
);
permission!(
    /// Sees the unassigned queue (待分配) and places its people in a grid.
    PushPlacer,
    Role::places_push_items,
    "此角色不能查看待分配名单"
);
permission!(
    /// Sees checkpoints (卡口), their counts and their alerts.
    CheckpointViewer,
    Role::sees_checkpoints,
    "此角色不能查看卡口"
);
permission!(
    /// Adds, changes and closes checkpoints, and handles their alerts.
    CheckpointManager,
    Role::manages_checkpoints,
    "只有区级管理员和乡镇/街道干部可以管理卡口"
);
permission!(
    /// Posts scans to checkpoints (闸机, and the staff who run a checkpoint by hand).
    ScanPoster,
    Role::posts_scans,
    "此角色不能上传卡口扫码"
);
permission!(
    /// Sets up mass-testing campaigns (全员核酸) and their sampling points.
    TestingManager,
    Role::manages_testing,
    "只有区级管理员和乡镇/街道干部可以组织核酸检测"
);
permission!(
    /// Opens tubes at a sampling point, samples people into them and seals them (采样).
    SampleCollector,
    Role::collects_samples,
    "此角色不能采样装管"
);
permission!(
    /// Records the results of sealed tubes (检测结果).
    ResultRecorder,
    Role::records_results,
    "只有检测机构和区级管理员可以录入检测结果"
);
permission!(
    /// Sees the people of a positive or inconclusive tube to recall (召回名单).
    RecallViewer,
    Role::handles_residents,
    "此角色不能查看召回名单"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_reporter_holds_no_permission() {
        let r = Role::PublicReporter;
        assert!(!Staff::allows(r));
        assert!(!ResidentHandler::allows(r));
        assert!(!ArrivalHandler::allows(r));
        assert!(!PushViewer::allows(r));
        assert!(!CheckpointViewer::allows(r));
        assert!(!ScanPoster::allows(r));
        assert!(!TestingManager::allows(r));
        assert!(!SampleCollector::allows(r));
        assert!(!ResultRecorder::allows(r));
        assert!(!RecallViewer::allows(r));
    }

    #[test]
    fn every_account_is_staff() {
        assert!(Role::ALL.into_iter().all(Staff::allows));
    }
}
