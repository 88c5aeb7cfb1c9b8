//! Who makes a request: their permissions, the orgs they can access, the entities their token
//! is valid for.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::Rejection;
use crate::headers::{EntityId, OrgId, RequestScope};
use crate::permission::{Permission, PermissionSet};

/// The orgs a caller can access (Multi-Org).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "\"all\" or {\"only\": [org ids]}"
)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
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
///
/// # Serialized form
///
/// `{"permissions": [...], "platformPermissions": [...], "orgs": ..., "entities": [...]}`:
/// `permissions` lists Zuora Finance permission names (a Platform name is accepted there too),
/// `platformPermissions` the Platform ones ("API Write Access"). A document with no
/// `platformPermissions` that names no Platform permission at all gets the Platform
/// permissions of an API user ([`PermissionSet::with_platform_defaults`]), so documents
/// written before Platform permissions were modelled keep their meaning; to deny REST writes,
/// give `"platformPermissions": []` (docs/DECISIONS.md, D-21). Written back, both lists are
/// always present.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "CallerRepr", into = "CallerRepr")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Caller {
    /// The caller's Zuora permissions, Finance and Platform.
    pub permissions: PermissionSet,
    /// The orgs the caller can access.
    pub orgs: OrgAccess,
    /// The entities the caller's token is valid for (Multi-entity). Empty when Multi-entity is
    /// off. With more than one, a request must name one in `Zuora-Entity-Ids`.
    pub entities: Vec<EntityId>,
}

/// The serialized form of a [`Caller`].
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, expecting = "a caller")]
struct CallerRepr {
    #[serde(default)]
    permissions: PermissionSet,
    #[serde(default)]
    platform_permissions: Option<PermissionSet>,
    #[serde(default = "all_orgs")]
    orgs: OrgAccess,
    #[serde(default)]
    entities: Vec<EntityId>,
}

const fn all_orgs() -> OrgAccess {
    OrgAccess::All
}

impl From<CallerRepr> for Caller {
    fn from(repr: CallerRepr) -> Self {
        let permissions = match repr.platform_permissions {
            Some(platform) => repr.permissions.union(platform),
            None => repr.permissions.with_platform_defaults(),
        };
        Self {
            permissions,
            orgs: repr.orgs,
            entities: repr.entities,
        }
    }
}

impl From<Caller> for CallerRepr {
    fn from(caller: Caller) -> Self {
        Self {
            permissions: caller.permissions.intersection(PermissionSet::FINANCE),
            platform_permissions: Some(caller.permissions.intersection(PermissionSet::PLATFORM)),
            orgs: caller.orgs,
            entities: caller.entities,
        }
    }
}

impl Caller {
    /// A caller with these permissions, no org limit and no Multi-entity. A set that holds no
    /// Platform permission gets those of an API user, as a caller document does
    /// ([`PermissionSet::with_platform_defaults`]); build a `Caller` from its fields to give
    /// exactly the set you want.
    #[must_use]
    pub fn with_permissions(permissions: PermissionSet) -> Self {
        Self {
            permissions: permissions.with_platform_defaults(),
            orgs: OrgAccess::All,
            entities: Vec::new(),
        }
    }

    /// A caller with every permission, no org limit and no Multi-entity.
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

impl Caller {
    /// Whether an organization label is in the org scope of this caller's request: in its
    /// `Zuora-Org-Ids` when given, else among the orgs the caller can access. The one place
    /// this rule lives (docs/DECISIONS.md, D-6).
    #[must_use]
    pub fn in_org_scope(&self, scope: &RequestScope, label: &OrgId) -> bool {
        match &scope.orgs {
            Some(orgs) => orgs.contains(label),
            None => self.orgs.allows(label),
        }
    }

    /// The entity a request of this caller acts in: the `Zuora-Entity-Ids` header when given
    /// (it must be one of the token's entities), else the token's only entity, else none
    /// (Multi-entity off). The one place this rule lives (docs/DECISIONS.md, D-13).
    ///
    /// # Errors
    ///
    /// [`Rejection::EntityRequired`] when the token is valid for several entities and the
    /// request names none; [`Rejection::EntityNotAccessible`] when it names one the token is
    /// not valid for.
    pub fn entity_for<'a>(
        &'a self,
        requested: Option<&'a EntityId>,
    ) -> Result<Option<&'a EntityId>, Rejection> {
        match (requested, self.entities.as_slice()) {
            (Some(entity), entities) => {
                if entities.contains(entity) {
                    Ok(Some(entity))
                } else {
                    Err(Rejection::EntityNotAccessible {
                        entity: entity.clone(),
                    })
                }
            }
            (None, []) => Ok(None),
            (None, [only]) => Ok(Some(only)),
            (None, entities) => Err(Rejection::EntityRequired {
                entities: entities.len(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::OrgIds;

    fn ids(names: &[String]) -> Vec<OrgId> {
        names.iter().map(|n| OrgId::parse(n).unwrap()).collect()
    }

    proptest::proptest! {
        /// A label is in the org scope when a scan of `Zuora-Org-Ids` finds it, or, without the
        /// header, a scan of the caller's orgs: for lists with repeats, in any order.
        #[test]
        fn in_org_scope_agrees_with_a_scan(
            header in proptest::option::of(proptest::collection::vec("[abc][ab]?", 1..20)),
            accessible in proptest::option::of(proptest::collection::vec("[abc][ab]?", 0..20)),
            labels in proptest::collection::vec("[abcd][ab]?", 0..20),
        ) {
            let header = header.map(|h| ids(&h));
            let accessible = accessible.map(|a| ids(&a));
            let caller = Caller {
                orgs: accessible
                    .clone()
                    .map_or(OrgAccess::All, |a| OrgAccess::Only(a.into_iter().collect())),
                ..Caller::superuser()
            };
            let scope = RequestScope {
                entity: None,
                orgs: header.as_ref().map(|h| {
                    let text: Vec<&str> = h.iter().map(OrgId::as_str).collect();
                    OrgIds::parse(&text.join(",")).unwrap()
                }),
            };
            for label in ids(&labels) {
                let scanned = match (&header, &accessible) {
                    (Some(header), _) => header.contains(&label),
                    (None, Some(accessible)) => accessible.contains(&label),
                    (None, None) => true,
                };
                proptest::prop_assert_eq!(caller.in_org_scope(&scope, &label), scanned, "{}", label);
            }
        }
    }
}
