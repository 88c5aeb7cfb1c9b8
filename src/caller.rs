//! Who makes a request: their permissions, the orgs they can access, the entities their token
//! is valid for.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::headers::{EntityId, OrgId};
use crate::permission::{Permission, PermissionSet};

/// The orgs a caller can access (Multi-Org).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OrgAccess {
    /// No org limit: Multi-Org is off, or the caller can access every org.
    All,
    /// Exactly these orgs.
    Only(BTreeSet<OrgId>),
}

impl OrgAccess {
    /// Whether the caller can access `org`.
    #[must_use]
    pub fn allows(&self, org: &OrgId) -> bool {
        match self {
            Self::All => true,
            Self::Only(orgs) => orgs.contains(org),
        }
    }
}

/// The caller of a request.
///
/// # Invariants
///
/// None beyond those of its fields: any set of permissions, any org access and any list of
/// entities is a caller Zuora could see.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Caller {
    /// The caller's Zuora Finance permissions.
    pub permissions: PermissionSet,
    /// The orgs the caller can access.
    pub orgs: OrgAccess,
    /// The entities the caller's token is valid for (Multi-entity). Empty when Multi-entity is
    /// off. With more than one, a request must name one in `Zuora-Entity-Ids`.
    pub entities: Vec<EntityId>,
}

impl Caller {
    /// A caller with these permissions, no org limit and no Multi-entity.
    #[must_use]
    pub fn with_permissions(permissions: PermissionSet) -> Self {
        Self {
            permissions,
            orgs: OrgAccess::All,
            entities: Vec::new(),
        }
    }

    /// A caller with every Finance permission, no org limit and no Multi-entity.
    #[must_use]
    pub fn superuser() -> Self {
        Self::with_permissions(PermissionSet::ALL)
    }

    /// Whether the caller holds `permission`.
    #[must_use]
    pub fn has(&self, permission: Permission) -> bool {
        self.permissions.contains(permission)
    }
}
