//! `wangge policy …`: check a policy file, explain the plan for an arrival, register a version.

use std::path::Path;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::Args;
use wangge_domain::policy::{check, default_policies, in_force, ArrivalFacts, Policy, RiskLevel};

#[derive(Args)]
pub struct ExplainArgs {
    /// Policy file (TOML); without it, the built-in policy in force on the arrival date
    #[arg(long)]
    policy: Option<std::path::PathBuf>,
    /// Arrival date, YYYY-MM-DD
    #[arg(long)]
    arrival: NaiveDate,
    /// Risk level of the origin: none, low, medium or high
    #[arg(long, default_value = "none")]
    origin_risk: RiskLevel,
    /// Days already spent in centralised quarantine at the port of entry (makes the arrival
    /// an overseas one)
    #[arg(long)]
    overseas_quarantined_days: Option<u16>,
    /// Stayed within the policy's window in a city containing a medium/high-risk area
    #[arg(long)]
    risk_city_stay: bool,
    /// Comes from another province
    #[arg(long)]
    other_province: bool,
    /// Works in one of the key industries
    #[arg(long)]
    key_industry: bool,
    /// Print JSON instead of Chinese text
    #[arg(long)]
    json: bool,
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("无法读取 {}：{e}", path.display()))
}

/// Prints the report; fails when the file is invalid.
pub fn check_file(path: &Path) -> Result<ExitCode, String> {
    let report = check(&read(path)?);
    print!("{report}");
    Ok(if report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub fn explain(args: &ExplainArgs) -> Result<ExitCode, String> {
    let loaded: Vec<Policy> = match &args.policy {
        Some(path) => match Policy::from_toml(&read(path)?) {
            Ok(p) => vec![p],
            Err(report) => {
                eprint!("{report}");
                return Ok(ExitCode::FAILURE);
            }
        },
        None => default_policies(),
    };
    let policy = match (&args.policy, in_force(&loaded, args.arrival)) {
        (_, Some(p)) => p,
        (Some(_), None) => {
            let p = loaded.first().ok_or("政策文件为空")?;
            eprintln!(
                "注意：政策 {} 自 {} 起施行，抵达日期 {} 不在其有效期内，仍按该政策计算",
                p.id(),
                p.effective_from(),
                args.arrival
            );
            p
        }
        (None, None) => return Err(format!("没有在 {} 生效的内置政策", args.arrival)),
    };
    let facts = ArrivalFacts {
        arrival: args.arrival,
        origin_risk: args.origin_risk,
        overseas_quarantined_days: args.overseas_quarantined_days,
        risk_city_stay: args.risk_city_stay,
        other_province: args.other_province,
        key_industry: args.key_industry,
    };
    let plan = policy.plan(&facts).map_err(|e| e.to_string())?;
    let record = plan.to_record();
    if args.json {
        let text = serde_json::to_string_pretty(&record).map_err(|e| e.to_string())?;
        println!("{text}");
    } else {
        print!("{}", record.to_text());
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads a policy file for `policy load`, refusing an invalid one with its report.
pub fn read_valid(path: &Path) -> Result<Result<String, ExitCode>, String> {
    let src = read(path)?;
    let report = check(&src);
    if report.is_valid() {
        Ok(Ok(src))
    } else {
        eprint!("{report}");
        Ok(Err(ExitCode::FAILURE))
    }
}
