//! The helpdesk: who handles a case (assignment, by hand or round-robin within a
//! team), the teams of a shop and of the marketplace, canned replies with
//! variables in French and English ([`macros`]), who else has a case open right
//! now ([`presence`]), and actions on many cases at once ([`bulk`]).
//!
//! A shop's staff work with their shop's teams and macros; the marketplace's staff
//! with the marketplace's (and, on a shop's case, may also hand it to the shop's
//! people). Reading teams and macros is `ReadSettings`; changing them is
//! `ManageTeams` / `ManageMacros` (administrators and integrations); assigning is
//! `AssignCase` (every staff role and integration). Who handles a case is on its
//! timeline (`case_assigned`); the rest is furniture kept beside the cases.

pub mod bulk;
pub mod macros;
pub mod presence;

use crate::access::{allow, own_scope};
use crate::{App, Error};
use amiable_domain::access::{Action, Principal, Reach, Resource};
use amiable_domain::case::{Assignee, Command, HelpdeskCommand};
use amiable_domain::ids::{CaseId, MerchantId, OperatorId};
use amiable_domain::validation::{FieldError, ValidationErrors};
use amiable_store::{CommandOutcome, Team, User};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Most members a team has.
pub const MAX_TEAM_MEMBERS: usize = 100;
/// Longest team name.
pub const MAX_TEAM_NAME: usize = 100;

/// Whose teams and macros: a shop's, or the marketplace's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub operator_id: OperatorId,
    pub merchant_id: Option<MerchantId>,
}

impl Owner {
    fn resource(self) -> Resource {
        match self.merchant_id {
            Some(merchant) => Resource::merchant(self.operator_id, merchant),
            None => Resource::operator(self.operator_id),
        }
    }

    /// Whether `user` works for this owner (a shop's staff, or the marketplace's).
    fn employs(self, user: &User) -> bool {
        user.operator_id == self.operator_id
            && user.merchant_id == self.merchant_id
            && user.disabled_at.is_none()
    }
}

/// A member of a team, or a person a case may be given to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub user_id: String,
    pub name: String,
}

/// A team as the API and the pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamView {
    pub id: String,
    /// The shop it belongs to; absent for the marketplace's own teams.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub merchant_id: Option<MerchantId>,
    pub name: String,
    /// In round-robin order; a member who left shows with their id as name.
    pub members: Vec<Member>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub created_at: Timestamp,
}

/// A team's name and members (staff user ids), as written.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    /// 1 to 100 characters.
    pub name: String,
    /// Staff user ids of the team's owner (the shop's staff, or the marketplace's), in
    /// round-robin order; at most 100.
    #[serde(default)]
    pub members: Vec<String>,
}

/// Where a case goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignTarget {
    /// Nobody in particular (and no team).
    Nobody,
    /// The caller (a staff member), keeping the case's team when they are in it.
    Me,
    /// This person; with a team, as one of its members.
    User {
        user_id: String,
        team_id: Option<String>,
    },
    /// The team's next member in turn (round-robin).
    Team { team_id: String },
    /// The team's queue, nobody in particular.
    Queue { team_id: String },
}

/// Who may handle a case, for the "assign to" control.
#[derive(Debug, Clone, Default)]
pub struct Assignable {
    pub people: Vec<Member>,
    pub teams: Vec<TeamView>,
}

fn member_of(users: &[User], id: &str) -> Member {
    Member {
        user_id: id.to_owned(),
        name: users
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| id.to_owned()),
    }
}

fn team_view(team: Team, users: &[User]) -> TeamView {
    TeamView {
        members: team.members.iter().map(|m| member_of(users, m)).collect(),
        id: team.id,
        merchant_id: team.merchant_id,
        name: team.name,
        created_at: team.created_at,
    }
}

/// A name is 1 to `max` printable characters once trimmed.
pub(crate) fn check_name(value: &str, max: usize) -> bool {
    let trimmed = value.trim();
    !trimmed.is_empty() && trimmed.chars().count() <= max && !trimmed.chars().any(char::is_control)
}

impl App {
    /// Whose teams and macros a request is about: a shop's staff and keys, their shop's;
    /// the marketplace's, its own, or a shop's it names (`merchant_id`).
    pub async fn helpdesk_owner(
        &self,
        principal: &Principal,
        merchant_id: Option<MerchantId>,
    ) -> Result<Owner, Error> {
        let operator_id = principal.operator_id();
        match (principal.reach(), merchant_id) {
            (Reach::Order(..), _) => Err(Error::forbidden()),
            (Reach::Merchant(_, own), Some(named)) if own != named => {
                Err(Error::not_found("merchant"))
            }
            (Reach::Merchant(_, own), _) => Ok(Owner {
                operator_id,
                merchant_id: Some(own),
            }),
            (Reach::Operator(_), Some(named)) => {
                let resource = self.merchant_resource(named).await?;
                if resource.operator_id != operator_id {
                    return Err(Error::not_found("merchant"));
                }
                Ok(Owner {
                    operator_id,
                    merchant_id: Some(named),
                })
            }
            (Reach::Operator(_), None) => Ok(Owner {
                operator_id,
                merchant_id: None,
            }),
        }
    }

    /// The staff of an owner (enabled accounts), by name.
    async fn staff_of(&self, owner: Owner) -> Result<Vec<User>, Error> {
        let mut users: Vec<User> = self
            .store()
            .users(owner.operator_id, owner.merchant_id)
            .await?
            .into_iter()
            .filter(|u| owner.employs(u))
            .collect();
        users.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(users)
    }

    // ------------------------------------------------------------------ teams

    /// The teams of the owner the caller names (see [`App::helpdesk_owner`]).
    pub async fn teams(
        &self,
        principal: &Principal,
        merchant_id: Option<MerchantId>,
    ) -> Result<Vec<TeamView>, Error> {
        crate::access::allow_role(principal, Action::ReadSettings)?;
        let owner = self.helpdesk_owner(principal, merchant_id).await?;
        allow(
            principal,
            Action::ReadSettings,
            &owner.resource(),
            "merchant",
        )?;
        let users = self.store().users(owner.operator_id, None).await?;
        Ok(self
            .store()
            .teams(owner.operator_id, owner.merchant_id)
            .await?
            .into_iter()
            .map(|t| team_view(t, &users))
            .collect())
    }

    /// The people an owner's team may hold, for the team editor.
    pub async fn team_candidates(
        &self,
        principal: &Principal,
        merchant_id: Option<MerchantId>,
    ) -> Result<Vec<Member>, Error> {
        crate::access::allow_role(principal, Action::ReadSettings)?;
        let owner = self.helpdesk_owner(principal, merchant_id).await?;
        allow(
            principal,
            Action::ReadSettings,
            &owner.resource(),
            "merchant",
        )?;
        Ok(self
            .staff_of(owner)
            .await?
            .into_iter()
            .map(|u| Member {
                user_id: u.id,
                name: u.name,
            })
            .collect())
    }

    /// Checks a team's name and members against its owner's staff.
    async fn check_team(&self, owner: Owner, input: &TeamInput) -> Result<String, Error> {
        let mut errors = ValidationErrors::default();
        if !check_name(&input.name, MAX_TEAM_NAME) {
            errors.push(
                FieldError::new(
                    "name",
                    "team.name_invalid",
                    "a team's name is 1 to 100 printable characters",
                )
                .with("max", MAX_TEAM_NAME as i64),
            );
        }
        if input.members.len() > MAX_TEAM_MEMBERS {
            errors.push(
                FieldError::new(
                    "members",
                    "team.too_many_members",
                    "a team has at most 100 members",
                )
                .with("max", MAX_TEAM_MEMBERS as i64),
            );
        } else {
            let staff = self.staff_of(owner).await?;
            for (index, member) in input.members.iter().enumerate() {
                let field = format!("members[{index}]");
                if !staff.iter().any(|u| u.id == *member) {
                    errors.push(FieldError::new(
                        field,
                        "team.member_unknown",
                        "no such staff member here",
                    ));
                } else if input.members[..index].contains(member) {
                    errors.push(FieldError::new(
                        field,
                        "team.member_duplicate",
                        "this person is already in the team",
                    ));
                }
            }
        }
        match errors.0.len() {
            0 => Ok(input.name.trim().to_owned()),
            1 => Err(Error::field(errors.0.remove(0))),
            _ => Err(Error::validation(errors)),
        }
    }

    pub async fn create_team(
        &self,
        principal: &Principal,
        merchant_id: Option<MerchantId>,
        input: &TeamInput,
    ) -> Result<TeamView, Error> {
        crate::access::allow_role(principal, Action::ManageTeams)?;
        let owner = self.helpdesk_owner(principal, merchant_id).await?;
        allow(
            principal,
            Action::ManageTeams,
            &owner.resource(),
            "merchant",
        )?;
        let name = self.check_team(owner, input).await?;
        let team = Team {
            id: format!("team_{}", uuid::Uuid::new_v4().simple()),
            operator_id: owner.operator_id,
            merchant_id: owner.merchant_id,
            name,
            members: input.members.clone(),
            created_at: Timestamp::now(),
        };
        self.store().create_team(&team).await?;
        let users = self.store().users(owner.operator_id, None).await?;
        Ok(team_view(team, &users))
    }

    /// A team the caller may `action` on; out of reach, it does not exist.
    async fn team_for(
        &self,
        principal: &Principal,
        id: &str,
        action: Action,
    ) -> Result<(Team, Owner), Error> {
        crate::access::allow_role(principal, action)?;
        let team = self
            .store()
            .team(id)
            .await?
            .ok_or_else(|| Error::not_found("team"))?;
        let owner = Owner {
            operator_id: team.operator_id,
            merchant_id: team.merchant_id,
        };
        allow(principal, action, &owner.resource(), "team")?;
        Ok((team, owner))
    }

    pub async fn team(&self, principal: &Principal, id: &str) -> Result<TeamView, Error> {
        let (team, owner) = self.team_for(principal, id, Action::ReadSettings).await?;
        let users = self.store().users(owner.operator_id, None).await?;
        Ok(team_view(team, &users))
    }

    pub async fn update_team(
        &self,
        principal: &Principal,
        id: &str,
        input: &TeamInput,
    ) -> Result<TeamView, Error> {
        let (team, owner) = self.team_for(principal, id, Action::ManageTeams).await?;
        let name = self.check_team(owner, input).await?;
        if !self
            .store()
            .update_team(&team.id, &name, &input.members)
            .await?
        {
            return Err(Error::not_found("team"));
        }
        let users = self.store().users(owner.operator_id, None).await?;
        Ok(team_view(
            Team {
                name,
                members: input.members.clone(),
                ..team
            },
            &users,
        ))
    }

    pub async fn delete_team(&self, principal: &Principal, id: &str) -> Result<(), Error> {
        let (team, _) = self.team_for(principal, id, Action::ManageTeams).await?;
        if !self.store().delete_team(&team.id).await? {
            return Err(Error::not_found("team"));
        }
        Ok(())
    }

    /// The ids of the teams the caller belongs to (their shop's, or the marketplace's).
    pub async fn my_teams(&self, principal: &Principal) -> Result<Vec<String>, Error> {
        let Principal::Staff { user_id, .. } = principal else {
            return Ok(Vec::new());
        };
        let owner = self.helpdesk_owner(principal, None).await?;
        Ok(self
            .store()
            .teams(owner.operator_id, owner.merchant_id)
            .await?
            .into_iter()
            .filter(|t| t.members.contains(user_id))
            .map(|t| t.id)
            .collect())
    }

    // ------------------------------------------------------------- assignment

    /// The next member of a team in turn (round-robin), named: for the automation
    /// rules, which act for nobody. `None` when the team is gone or has nobody who
    /// still works there.
    pub async fn next_in_team(
        &self,
        operator_id: OperatorId,
        team_id: &str,
    ) -> Result<Option<Assignee>, Error> {
        let Some(team) = self
            .store()
            .team(team_id)
            .await?
            .filter(|t| t.operator_id == operator_id)
        else {
            return Ok(None);
        };
        let owner = Owner {
            operator_id,
            merchant_id: team.merchant_id,
        };
        // A member who left is skipped: at most one full turn.
        for _ in 0..team.members.len().max(1) {
            let Some(user_id) = self.store().team_pick(operator_id, team_id).await? else {
                return Ok(None);
            };
            if let Some(user) = self.store().user(&user_id).await?
                && owner.employs(&user)
            {
                return Ok(Some(Assignee {
                    user_id: Some(user.id),
                    name: Some(user.name),
                    team_id: Some(team.id),
                }));
            }
        }
        Ok(None)
    }

    /// The owners whose people and teams may take a case, for this caller: the
    /// case's shop, and for the marketplace's staff the marketplace too.
    fn owners_for(principal: &Principal, case: &Resource) -> Vec<Owner> {
        let shop = Owner {
            operator_id: case.operator_id,
            merchant_id: case.merchant_id,
        };
        match own_scope(principal).merchant_id {
            Some(_) => vec![shop],
            None => vec![
                shop,
                Owner {
                    operator_id: case.operator_id,
                    merchant_id: None,
                },
            ],
        }
    }

    /// Who the caller may give a case to: people and teams.
    pub async fn assignable(
        &self,
        principal: &Principal,
        case_id: CaseId,
    ) -> Result<Assignable, Error> {
        let case = self
            .allow_on_case(principal, Action::AssignCase, case_id)
            .await?;
        let users = self.store().users(case.operator_id, None).await?;
        let mut out = Assignable::default();
        for owner in Self::owners_for(principal, &case) {
            out.people
                .extend(users.iter().filter(|u| owner.employs(u)).map(|u| Member {
                    user_id: u.id.clone(),
                    name: u.name.clone(),
                }));
            out.teams.extend(
                self.store()
                    .teams(owner.operator_id, owner.merchant_id)
                    .await?
                    .into_iter()
                    .map(|t| team_view(t, &users)),
            );
        }
        Ok(out)
    }

    /// Who `target` names on this case, checked against the caller's reach.
    async fn assignee_for(
        &self,
        principal: &Principal,
        case: &Resource,
        case_id: CaseId,
        target: &AssignTarget,
    ) -> Result<Option<Assignee>, Error> {
        let owners = Self::owners_for(principal, case);
        let team_of = |team_id: &str| {
            let team_id = team_id.to_owned();
            let owners = owners.clone();
            async move {
                self.store()
                    .team(&team_id)
                    .await?
                    .filter(|t| {
                        owners.iter().any(|o| {
                            o.operator_id == t.operator_id && o.merchant_id == t.merchant_id
                        })
                    })
                    .ok_or_else(|| {
                        Error::invalid_field(
                            "team_id",
                            "assignment.team_unknown",
                            "no such team for this case",
                        )
                    })
            }
        };
        // Taking a case keeps its team when the person is one of its members.
        let keep_team = |user_id: String| async move {
            let team_id = match self.store().case(case_id).await? {
                Some(record) => record.state.assignee.and_then(|a| a.team_id),
                None => None,
            };
            let kept = match team_id {
                Some(team_id) => self
                    .store()
                    .team(&team_id)
                    .await?
                    .filter(|t| t.members.contains(&user_id))
                    .map(|t| t.id),
                None => None,
            };
            Ok::<_, Error>(kept)
        };
        let person = |user_id: String| {
            let owners = owners.clone();
            async move {
                self.store()
                    .user(&user_id)
                    .await?
                    .filter(|u| owners.iter().any(|o| o.employs(u)))
                    .ok_or_else(|| {
                        Error::invalid_field(
                            "user_id",
                            "assignment.user_unknown",
                            "no such person for this case",
                        )
                    })
            }
        };
        Ok(match target {
            AssignTarget::Nobody => None,
            AssignTarget::Me => {
                let Principal::Staff { user_id, .. } = principal else {
                    return Err(Error::invalid_field(
                        "to",
                        "assignment.not_a_person",
                        "an API key is not a person: name who takes the case",
                    ));
                };
                let user = person(user_id.clone()).await.map_err(|_| {
                    Error::invalid_field(
                        "to",
                        "assignment.not_a_person",
                        "you cannot take this case",
                    )
                })?;
                Some(Assignee {
                    team_id: keep_team(user.id.clone()).await?,
                    user_id: Some(user.id),
                    name: Some(user.name),
                })
            }
            AssignTarget::User { user_id, team_id } => {
                let user = person(user_id.clone()).await?;
                let team_id = match team_id {
                    Some(team_id) => {
                        let team = team_of(team_id).await?;
                        if !team.members.contains(&user.id) {
                            return Err(Error::invalid_field(
                                "user_id",
                                "assignment.not_in_team",
                                "this person is not a member of the team",
                            ));
                        }
                        Some(team.id)
                    }
                    None => keep_team(user.id.clone()).await?,
                };
                Some(Assignee {
                    user_id: Some(user.id),
                    name: Some(user.name),
                    team_id,
                })
            }
            AssignTarget::Team { team_id } => {
                let team = team_of(team_id).await?;
                match self.next_in_team(team.operator_id, &team.id).await? {
                    Some(assignee) => Some(assignee),
                    None => {
                        return Err(Error::invalid_field(
                            "team_id",
                            "assignment.team_empty",
                            "the team has nobody to take the case",
                        ));
                    }
                }
            }
            AssignTarget::Queue { team_id } => {
                let team = team_of(team_id).await?;
                Some(Assignee {
                    user_id: None,
                    name: Some(team.name),
                    team_id: Some(team.id),
                })
            }
        })
    }

    /// Gives a case to someone, a team, or nobody (the `case_assigned` event).
    pub async fn assign(
        &self,
        principal: &Principal,
        case_id: CaseId,
        expected_version: Option<i64>,
        target: AssignTarget,
    ) -> Result<CommandOutcome, Error> {
        let case = self
            .allow_on_case(principal, Action::AssignCase, case_id)
            .await?;
        let assignee = self
            .assignee_for(principal, &case, case_id, &target)
            .await?;
        self.execute_for(
            principal,
            case_id,
            Action::AssignCase,
            expected_version,
            Command::Helpdesk(HelpdeskCommand::Assign { assignee }),
        )
        .await
    }
}
