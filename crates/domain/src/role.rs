//! Roles (角色) and what each may do. Scope (which records) is the grid subtree of the user's
//! node; the role says which kinds of action are allowed inside that scope.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 区级管理员
    DistrictAdmin,
    /// 乡镇/街道干部
    TownshipOfficer,
    /// 社区/网格员
    GridWorker,
    /// 部门经办人
    DepartmentHandler,
    /// 企业联系人
    EnterpriseContact,
    /// 卡口操作员
    CheckpointOperator,
    /// 检测机构操作员
    LabOperator,
    /// 公众报备: whoever fills in the public arrival form. Not a role of any account (it is
    /// not in [`Role::ALL`], so no stored role parses to it): it may create reports and read
    /// nothing.
    #[serde(skip_deserializing)]
    PublicReporter,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::DistrictAdmin,
        Role::TownshipOfficer,
        Role::GridWorker,
        Role::DepartmentHandler,
        Role::EnterpriseContact,
        Role::CheckpointOperator,
        Role::LabOperator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::DistrictAdmin => "district_admin",
            Role::TownshipOfficer => "township_officer",
            Role::GridWorker => "grid_worker",
            Role::DepartmentHandler => "department_handler",
            Role::EnterpriseContact => "enterprise_contact",
            Role::CheckpointOperator => "checkpoint_operator",
            Role::LabOperator => "lab_operator",
            Role::PublicReporter => "public_reporter",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::DistrictAdmin => "区级管理员",
            Role::TownshipOfficer => "乡镇/街道干部",
            Role::GridWorker => "社区/网格员",
            Role::DepartmentHandler => "部门经办人",
            Role::EnterpriseContact => "企业联系人",
            Role::CheckpointOperator => "卡口操作员",
            Role::LabOperator => "检测机构操作员",
            Role::PublicReporter => "公众报备",
        }
    }

    /// May list and create user accounts inside their subtree.
    pub fn manages_users(self) -> bool {
        matches!(self, Role::DistrictAdmin | Role::TownshipOfficer)
    }

    /// May read the audit log (审计日志).
    pub fn reads_audit(self) -> bool {
        matches!(self, Role::DistrictAdmin)
    }

    /// May import or edit the grid tree.
    pub fn edits_grid(self) -> bool {
        matches!(self, Role::DistrictAdmin)
    }

    /// May export a list with full ID numbers (导出完整身份证号), audited: the district and the
    /// townships, who hand lists to other departments; grid workers reveal one record at a time.
    pub fn exports_id_numbers(self) -> bool {
        matches!(self, Role::DistrictAdmin | Role::TownshipOfficer)
    }

    /// May read and change people records (residents) inside their subtree.
    pub fn handles_residents(self) -> bool {
        matches!(
            self,
            Role::DistrictAdmin | Role::TownshipOfficer | Role::GridWorker
        )
    }

    /// May trace pushed persons (推送核查) of their subtree and see the 见底清零 counts.
    pub fn handles_push_lists(self) -> bool {
        self.handles_residents()
    }

    /// May import push batches and edit the address → grid table: the district command.
    pub fn imports_push_lists(self) -> bool {
        matches!(self, Role::DistrictAdmin)
    }

    /// May see the unassigned queue (待分配) of push lists and place its people in a grid.
    pub fn places_push_items(self) -> bool {
        matches!(self, Role::DistrictAdmin | Role::TownshipOfficer)
    }

    /// May add, change and close checkpoints (卡口) in their subtree.
    pub fn manages_checkpoints(self) -> bool {
        matches!(self, Role::DistrictAdmin | Role::TownshipOfficer)
    }

    /// May post scans to checkpoints of their subtree.
    pub fn posts_scans(self) -> bool {
        matches!(
            self,
            Role::CheckpointOperator | Role::DistrictAdmin | Role::TownshipOfficer
        )
    }

    /// May see checkpoints, their counts and their alerts in their subtree.
    pub fn sees_checkpoints(self) -> bool {
        self.handles_residents() || self == Role::CheckpointOperator
    }

    /// May set up mass-testing campaigns (全员核酸) and their sampling points in their subtree.
    pub fn manages_testing(self) -> bool {
        matches!(self, Role::DistrictAdmin | Role::TownshipOfficer)
    }

    /// May open tubes at sampling points of their subtree, sample people into them and seal them.
    pub fn collects_samples(self) -> bool {
        self.handles_residents()
    }

    /// May record tube results (检测结果): the labs, and the district for a lab's paper list.
    pub fn records_results(self) -> bool {
        matches!(self, Role::LabOperator | Role::DistrictAdmin)
    }

    /// A machine account (卡口闸机, 检测机构系统): the only kind of account that may hold API
    /// tokens. Every other role is a person's account and signs in with a password only.
    pub fn is_machine(self) -> bool {
        matches!(self, Role::CheckpointOperator | Role::LabOperator)
    }

    /// May issue API tokens for the machine accounts of their subtree, and see and revoke the
    /// tokens of every account there. Everyone sees and revokes their own tokens.
    pub fn manages_tokens(self) -> bool {
        matches!(self, Role::DistrictAdmin)
    }

    /// Which roles this role may give to accounts it creates: never one above itself.
    /// Whether this is the public reporter, who creates arrival reports and reads nothing.
    pub fn is_public(self) -> bool {
        self == Role::PublicReporter
    }

    pub fn may_assign(self, other: Role) -> bool {
        if other == Role::PublicReporter {
            return false;
        }
        match self {
            Role::DistrictAdmin => true,
            Role::TownshipOfficer => other != Role::DistrictAdmin,
            _ => false,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("未知角色“{0}”")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

impl TryFrom<String> for Role {
    type Error = UnknownRole;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("root".parse::<Role>().is_err());
        assert!(
            "public_reporter".parse::<Role>().is_err(),
            "no account can hold the public reporter's role"
        );
    }

    #[test]
    fn township_cannot_create_district_admin() {
        assert!(!Role::TownshipOfficer.may_assign(Role::DistrictAdmin));
        assert!(Role::TownshipOfficer.may_assign(Role::GridWorker));
        assert!(!Role::GridWorker.may_assign(Role::GridWorker));
        assert!(!Role::DistrictAdmin.may_assign(Role::PublicReporter));
    }

    #[test]
    fn only_machines_hold_tokens_and_only_district_admins_issue_them() {
        let machines: Vec<Role> = Role::ALL.into_iter().filter(|r| r.is_machine()).collect();
        assert_eq!(machines, [Role::CheckpointOperator, Role::LabOperator]);
        let issuers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.manages_tokens())
            .collect();
        assert_eq!(issuers, [Role::DistrictAdmin]);
    }
}
