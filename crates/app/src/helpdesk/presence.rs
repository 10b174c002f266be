//! Who else has a case open, and whether they are writing: a warning before two
//! people answer the same buyer, not a conflict after the second one sent.
//!
//! While a staff member has a case open, their page sends a heartbeat every few
//! seconds (`typing` when the reply has had input in the last seconds); each
//! heartbeat answers who else was seen on the case in the last [`PRESENT_FOR`].

use crate::{App, Error};
use amiable_domain::access::{Action, Principal};
use amiable_domain::ids::CaseId;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// How long a heartbeat keeps someone present (pages beat every 5 s).
pub const PRESENT_FOR: SignedDuration = SignedDuration::from_secs(20);
/// How long a heartbeat saying "typing" keeps them writing.
pub const TYPING_FOR: SignedDuration = SignedDuration::from_secs(12);

/// Someone else on the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Present {
    pub user_id: String,
    pub name: String,
    /// Writing a reply right now.
    pub typing: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub seen_at: Timestamp,
}

impl App {
    /// Who the caller is, as others see them on a case.
    async fn presence_name(&self, principal: &Principal) -> Result<(String, String), Error> {
        Ok(match principal {
            Principal::Staff { user_id, .. } => {
                let name = self
                    .store()
                    .user(user_id)
                    .await?
                    .map(|u| u.name)
                    .unwrap_or_else(|| user_id.clone());
                (user_id.clone(), name)
            }
            Principal::ApiKey { key_id, .. } => {
                let name = self
                    .store()
                    .api_key(key_id)
                    .await?
                    .map(|k| k.name)
                    .unwrap_or_else(|| key_id.clone());
                (principal.key(), name)
            }
            Principal::Buyer { .. } => return Err(Error::forbidden()),
        })
    }

    /// Records that the caller has the case open (and whether they are writing), and
    /// answers who else is on it.
    pub async fn heartbeat(
        &self,
        principal: &Principal,
        case_id: CaseId,
        typing: bool,
    ) -> Result<Vec<Present>, Error> {
        self.allow_on_case(principal, Action::ReadInternal, case_id)
            .await?;
        let (me, name) = self.presence_name(principal).await?;
        let now = Timestamp::now();
        let since = now - PRESENT_FOR;
        let case = case_id.to_string();
        self.store()
            .heartbeat(&case, &me, &name, typing, now, since)
            .await?;
        Ok(self
            .store()
            .present(&case, since)
            .await?
            .into_iter()
            .filter(|p| p.user_id != me)
            .map(|p| Present {
                typing: p.typing && p.seen_at >= now - TYPING_FOR,
                user_id: p.user_id,
                name: p.name,
                seen_at: p.seen_at,
            })
            .collect())
    }
}
