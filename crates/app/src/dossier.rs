//! The case's dossier: a PDF a consumer mediator or a court can read.

use crate::{App, Error};
use amiable_domain::access::Principal;
use amiable_domain::ids::CaseId;

/// A rendered dossier.
#[derive(Debug, Clone)]
pub struct DossierPdf {
    pub bytes: Vec<u8>,
    pub filename: String,
}

impl App {
    /// The dossier of a case as `principal` may see it, in `lang` (`fr`/`en`; the
    /// buyer's language when absent).
    pub async fn dossier(
        &self,
        principal: &Principal,
        case_id: CaseId,
        lang: Option<&str>,
    ) -> Result<DossierPdf, Error> {
        let _ = (principal, case_id, lang);
        Err(Error::not_found("dossier"))
    }
}
