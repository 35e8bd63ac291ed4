use wangge_domain::grid;
use wangge_domain::permission::Permission;
use wangge_domain::role::Role;

/// The root of [`Scope::nothing`]: no node path starts with it (paths are codes, digits).
const NOTHING: &str = "<nothing>";

/// The subtree a caller may see: every node whose path starts with `root_path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    root_path: String,
}

impl Scope {
    pub fn new(root_path: impl Into<String>) -> Self {
        Scope {
            root_path: root_path.into(),
        }
    }

    /// The whole tree, for the CLI run by the operator of the machine.
    pub fn everything() -> Self {
        Scope {
            root_path: String::new(),
        }
    }

    /// Nothing at all: the scope of the public reporter, who reads no record.
    pub fn nothing() -> Self {
        Scope {
            root_path: NOTHING.to_string(),
        }
    }

    pub fn root_path(&self) -> &str {
        &self.root_path
    }

    /// Bounds `[lo, hi)` for `path >= lo AND path < hi`.
    pub fn bounds(&self) -> (String, String) {
        if self.root_path == NOTHING {
            // an empty range: no path is >= and < the same value
            (NOTHING.to_string(), NOTHING.to_string())
        } else if self.root_path.is_empty() {
            // every path starts with a digit, and '~' sorts after all digits
            (String::new(), "~".to_string())
        } else {
            (self.root_path.clone(), grid::subtree_end(&self.root_path))
        }
    }

    pub fn contains(&self, path: &str) -> bool {
        self.root_path != NOTHING && grid::in_subtree(&self.root_path, path)
    }
}

/// Who is making a change: recorded in the audit log, and the scope of what they may touch.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: String,
    pub role: Role,
    pub scope: Scope,
    /// The API token the request came with, recorded in the audit log (`None`: a browser
    /// session or the command line).
    pub token_id: Option<i64>,
}

impl Actor {
    /// The scope in which the actor may do what permission `P` names, or `Forbidden` with the
    /// permission's reason. Every store function over scoped data starts here, with the same
    /// permission the HTTP extractor of its route names.
    pub fn require<P: Permission>(&self) -> crate::Result<&Scope> {
        if P::allows(self.role) {
            Ok(&self.scope)
        } else {
            Err(crate::StoreError::Forbidden(P::DENIED.into()))
        }
    }

    /// Whether the actor holds permission `P`: for what a list shows more of to some roles (the
    /// unassigned queue, others' tokens), never as a refusal — that is [`Actor::require`].
    pub fn may<P: Permission>(&self) -> bool {
        P::allows(self.role)
    }

    /// The operator at the command line (imports, demo set-up): whole tree, no user row.
    pub fn system(name: &str) -> Self {
        Actor {
            user_id: None,
            username: name.to_string(),
            role: Role::DistrictAdmin,
            scope: Scope::everything(),
            token_id: None,
        }
    }

    /// The operator restricted to one subtree: tests and benchmarks that read as someone
    /// placed at a node would.
    pub fn system_within(name: &str, scope: Scope) -> Self {
        Actor {
            scope,
            ..Actor::system(name)
        }
    }

    /// 公众报备: the public form's caller, known by client address. Creates arrival reports
    /// (placed in any community, as the form offers) and reads nothing: its scope is empty.
    pub fn public_reporter(client: &str) -> Self {
        Actor {
            user_id: None,
            username: format!("公众报备 {client}"),
            role: Role::PublicReporter,
            scope: Scope::nothing(),
            token_id: None,
        }
    }
}
