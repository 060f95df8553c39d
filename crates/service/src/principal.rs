//! Who is calling: a signed-in user (`Actor`) or a project API key. An API key acts in its
//! bound organization only, with the key's role; everywhere else it sees nothing, and the
//! operations that belong to a person (switching, accepting invitations, leaving, signing
//! out) refuse it. An organization token (`OrgToken`) is like an API key that can only
//! read: its organization answers with the `VIEWER` role, so every role-gated command
//! refuses it, and person-only commands refuse it like a key.

use roster_domain::project::API_KEY_PREFIX;
use roster_domain::{Action, ApiKey, Membership, Organization, OrganizationView, Role, TokenHash};
use roster_persistence::organizations::OrganizationKey;
use roster_persistence::{callers, organizations};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::Roster;
use crate::error::{Error, Result};
use crate::org_tokens::OrgTokenGrant;
use crate::sessions::{Actor, SESSION_PREFIX};

/// An authenticated caller.
#[derive(Debug, Clone)]
pub enum Principal {
    User(Actor),
    ApiKey(ApiKey),
    OrgToken(OrgTokenGrant),
}

impl Principal {
    /// The signed-in user, or `UserOnly` for an API key.
    ///
    /// # Errors
    /// `Error::UserOnly` when an API key calls a person's operation.
    pub fn as_user(&self) -> Result<&Actor> {
        match self {
            Principal::User(actor) => Ok(actor),
            Principal::ApiKey(_) | Principal::OrgToken(_) => Err(Error::UserOnly),
        }
    }

    /// The user's id, when a user is calling.
    #[must_use]
    pub fn user_id(&self) -> Option<Uuid> {
        match self {
            Principal::User(actor) => Some(actor.user.id),
            Principal::ApiKey(_) | Principal::OrgToken(_) => None,
        }
    }

    /// The caller's email (users) for mails and logs.
    #[must_use]
    pub fn email(&self) -> Option<&str> {
        match self {
            Principal::User(actor) => Some(&actor.user.email),
            Principal::ApiKey(_) | Principal::OrgToken(_) => None,
        }
    }
}

/// An API key's own organization as the key sees it: a virtual membership, whose id is the
/// key's, with the key's role.
fn key_view(api_key: &ApiKey, organization: Organization) -> OrganizationView {
    OrganizationView {
        organization,
        membership: Membership {
            id: api_key.id,
            organization_id: api_key.organization_id,
            user_id: Uuid::nil(),
            role: api_key.role,
            joined_at: api_key.created_at,
        },
    }
}

/// Checks that `role` may perform `action` (the action -> minimum-role table in
/// `roster_domain::Action::min_role`), or `FORBIDDEN` naming the role needed. Every use case
/// asks through here.
pub(crate) fn require(role: Role, action: Action) -> Result<()> {
    if role.may(action) {
        Ok(())
    } else {
        Err(Error::Forbidden {
            required_role: action.min_role(),
        })
    }
}

impl Roster {
    /// The caller behind `bearer` and the organization `key` as they see it, for a request
    /// whose first question is about one organization: for a session, one statement
    /// resolves session, user, membership and organization together; for an API key, key
    /// and organization (plus, at most once a minute, noting the key's use); an
    /// organization token is checked, then the organization read.
    ///
    /// # Errors
    /// `Internal` on database failure; an unknown or expired token is `(None, None)`.
    pub async fn authenticate_for_organization(
        &self,
        bearer: &str,
        key: OrganizationKey<'_>,
    ) -> Result<(Option<Principal>, Option<OrganizationView>)> {
        if bearer.starts_with(SESSION_PREFIX) {
            let now = self.clock.now();
            let found =
                callers::session_with_organization(&self.db, &TokenHash::of(bearer), now, key)
                    .await?;
            return Ok(match found {
                Some(caller) => {
                    let actor = Actor {
                        user: caller.user,
                        session_id: caller.session_id,
                    };
                    (Some(Principal::User(actor)), caller.view)
                }
                None => (None, None),
            });
        }
        if bearer.starts_with(API_KEY_PREFIX) {
            let Some(caller) =
                callers::api_key_with_organization(&self.db, &TokenHash::of(bearer), key).await?
            else {
                return Ok((None, None));
            };
            self.note_key_used(&caller.key).await?;
            let view = caller
                .organization
                .map(|organization| key_view(&caller.key, organization));
            return Ok((Some(Principal::ApiKey(caller.key)), view));
        }
        let Some(principal) = self.authenticate(bearer).await? else {
            return Ok((None, None));
        };
        let view = self.view_as(&self.db, &principal, key).await?;
        Ok((Some(principal), view))
    }

    /// The organization `key` as `principal` sees it: through the user's membership, or,
    /// for an API key, only its bound organization with the key's role (a virtual
    /// membership whose id is the key's). `None` looks the same as a missing organization.
    pub(crate) async fn view_as<C: ConnectionTrait>(
        &self,
        db: &C,
        principal: &Principal,
        key: OrganizationKey<'_>,
    ) -> Result<Option<OrganizationView>> {
        match principal {
            Principal::User(actor) => {
                Ok(organizations::find_for_member(db, key, actor.user.id).await?)
            }
            Principal::ApiKey(api_key) => {
                let Some(organization) = organizations::find(db, key).await? else {
                    return Ok(None);
                };
                if organization.id != api_key.organization_id {
                    return Ok(None);
                }
                Ok(Some(key_view(api_key, organization)))
            }
            Principal::OrgToken(grant) => {
                let Some(organization) = organizations::find(db, key).await? else {
                    return Ok(None);
                };
                if organization.id != grant.organization_id {
                    return Ok(None);
                }
                Ok(Some(OrganizationView {
                    membership: Membership {
                        id: Uuid::nil(),
                        organization_id: organization.id,
                        user_id: Uuid::nil(),
                        // Read-only whatever role the token states.
                        role: Role::Viewer,
                        joined_at: organization.created_at,
                    },
                    organization,
                }))
            }
        }
    }

    /// Like `locked_view`, for an object (`what`) of that organization: an object of an
    /// organization the caller cannot see answers exactly like a missing one.
    pub(crate) async fn locked_view_of<C: ConnectionTrait>(
        &self,
        db: &C,
        principal: &Principal,
        organization_id: Uuid,
        what: &'static str,
    ) -> Result<OrganizationView> {
        self.locked_view(db, principal, organization_id)
            .await
            .map_err(|err| match err {
                Error::NotFound(_) => Error::NotFound(what),
                other => other,
            })
    }

    /// The answer for an id that does not exist, given after the same statements an object
    /// of a foreign organization costs (a lock and a read of an organization, here none),
    /// so neither the answer nor its timing tells a missing id from someone else's.
    pub(crate) async fn missing<C: ConnectionTrait>(
        &self,
        db: &C,
        principal: &Principal,
        what: &'static str,
    ) -> Error {
        match self.locked_view_of(db, principal, Uuid::nil(), what).await {
            Err(err @ Error::Internal(_)) => err,
            Err(_) | Ok(_) => Error::NotFound(what),
        }
    }

    /// Takes the organization's lock, then reads it as `principal` sees it.
    pub(crate) async fn locked_view<C: ConnectionTrait>(
        &self,
        db: &C,
        principal: &Principal,
        organization_id: Uuid,
    ) -> Result<OrganizationView> {
        organizations::lock(db, organization_id).await?;
        self.view_as(db, principal, OrganizationKey::Id(organization_id))
            .await?
            .ok_or(Error::NotFound("organization"))
    }
}
